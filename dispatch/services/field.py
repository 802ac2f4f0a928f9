"""The technician in the field: steps sent from the phone (taken offline, sent when the network
returns), photos from the site, the shift and the position the phone shares."""

import hashlib
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import DocumentKind, Role
from dispatch.errors import TransitionNotAllowed
from dispatch.files import JPEG, PNG, WEBP, file_image_required, file_type_of
from dispatch.history import event_record
from dispatch.models import NOTES_MAX_LENGTH, Intervention, InterventionStep, PlantDocument, UserProfile
from dispatch.roles import has_role
from dispatch.timing import seconds_between

from .common import CLOCK_SKEW, require_role
from .interventions import intervention_acknowledge, intervention_arrive, intervention_complete

User = get_user_model()
logger = logging.getLogger(__name__)


# Steps sent from the technician's phone (taken offline, sent when the network returns)

STEP_ACTIONS = ("acknowledge", "arrive", "complete", "note", "photo")


def intervention_step_apply(
    *, actor, intervention: Intervention, step_id, action: str, client_time: datetime,
    closing_reason: str = "", note: str = "", photo=None,
) -> tuple[InterventionStep, bool]:  # fmt: skip
    """Apply one step the technician took on the phone; returns ``(step, applied_now)``.

    Each step applies once: a step id this technician sent before on this intervention returns
    the step as it was recorded. The
    step takes effect at the phone's time when that is plausible; otherwise at the server's,
    and ``flag`` says why: a phone clock ahead of the server, a step older than
    ``PRONTO_STEP_MAX_DELAY_HOURS``, or earlier than a step already recorded. A step the
    intervention's state no longer allows (a supervisor cancelled it meanwhile) is recorded
    with the reason, not lost. A photo (an image file the caller has checked) is kept in the
    plant's archive with its intervention, whatever the intervention's state: it is evidence."""
    if action not in STEP_ACTIONS:
        raise ValidationError({"action": _("Unknown step.")})
    if (action == "photo") != (photo is not None):
        raise ValidationError({"photo": _("A photo step carries one photo, and only a photo step does.")})
    if photo is not None:
        # Checked here too, whoever calls: what is kept is shown inline in pages.
        try:
            file_image_required(photo)
        except ValidationError as exc:
            raise ValidationError({"photo": exc.messages}) from exc
    received = timezone.now()
    with transaction.atomic():
        # The phone's id is the phone's: looked up on this intervention, from this technician.
        earlier = InterventionStep.objects.filter(
            intervention_id=intervention.pk, actor_id=getattr(actor, "pk", None), step_id=step_id
        ).first()
        if earlier is not None:
            return earlier, False
        locked = Intervention.objects.select_for_update(of=("self",)).get(pk=intervention.pk)
        if locked.technician_id != getattr(actor, "pk", None):
            raise PermissionDenied(_("Only the assigned technician takes steps on this intervention."))
        at, flag = _step_time(locked, client_time=client_time, received=received)
        outcome = ""
        try:
            with transaction.atomic():
                if action == "acknowledge":
                    intervention_acknowledge(actor=actor, intervention=locked, at=at)
                elif action == "arrive":
                    intervention_arrive(actor=actor, intervention=locked, at=at)
                elif action == "complete":
                    intervention_complete(
                        actor=actor, intervention=locked, closing_reason=closing_reason, at=at
                    )
        except TransitionNotAllowed as exc:
            outcome = str(exc)[:300]
        document = None
        if photo is not None:
            document = PlantDocument(
                plant_id=locked.plant_id, kind=DocumentKind.PHOTO, intervention=locked, uploaded_by=actor,
                title=(note or "")[:200] or _("Photo of %(time)s") % {
                    "time": timezone.localtime(client_time).strftime("%d/%m/%Y %H:%M")
                },
            )  # fmt: skip
            document.file.save(_photo_file_name(locked, client_time, photo), photo, save=False)
            document.save()
        step = InterventionStep.objects.create(
            step_id=step_id, intervention=locked, action=action, client_time=client_time,
            received_at=received, applied_at=at, flag=flag, note=(note or "")[:NOTES_MAX_LENGTH],
            outcome=outcome, actor=actor, document=document,
        )  # fmt: skip
        locked = Intervention.objects.select_for_update(of=("self",)).get(pk=intervention.pk)
        event_record(
            subject=locked,
            kind="intervention.phone_step",
            actor=actor,
            data={
                "action": action, "phone_time": client_time, "received_at": received, "applied_at": at,
                "flag": flag, "note": step.note, "outcome": outcome,
                **({"photo": document.pk, "photo_sha256": _file_sha256(document.file)} if document else {}),
            },
        )  # fmt: skip
    return step, True


def _photo_file_name(intervention: Intervention, client_time: datetime, photo) -> str:
    # From the content, not from what the phone declared.
    found = file_type_of(photo)
    extension = {JPEG: "jpg", PNG: "png", WEBP: "webp"}.get(found, "jpg") if found else "jpg"
    return f"intervention-{intervention.pk}-{client_time:%Y%m%d-%H%M%S}.{extension}"


def _file_sha256(field_file) -> str:
    """Recorded in the history, so a photo swapped on disk later shows."""
    digest = hashlib.sha256()
    with field_file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _step_time(
    intervention: Intervention, *, client_time: datetime, received: datetime
) -> tuple[datetime, str]:
    ahead = seconds_between(received, client_time)
    if ahead > CLOCK_SKEW.total_seconds():
        return received, _("phone clock ahead of the server by %(s)d s") % {"s": ahead}
    if -ahead > timedelta(hours=settings.PRONTO_STEP_MAX_DELAY_HOURS).total_seconds():
        return received, _("phone time %(h).1f h before receipt") % {"h": -ahead / 3600}
    last = intervention.steps.order_by("-applied_at").values_list("applied_at", flat=True).first()
    if last is not None and seconds_between(last, client_time) < 0:
        return last, _("phone time earlier than a step already recorded")
    return client_time, ""


# ----------------------------------------------------------------------------------------------
# The technician's shift, from the phone: on duty or not, and where they are


def technician_duty_set(*, actor, on_duty: bool) -> UserProfile:
    """The technician says they are on duty (or no longer). Each change is logged with who and
    when, since whom the suggestion proposed depended on it."""
    if not has_role(actor, Role.TECHNICIAN):
        raise PermissionDenied(_("Only technicians go on or off duty."))
    with transaction.atomic():
        profile, _created = UserProfile.objects.select_for_update().get_or_create(user=actor)
        if profile.on_duty != on_duty:
            profile.on_duty = on_duty
            profile.save(update_fields=["on_duty"])
            logger.info("technician %s %s duty", actor.username, "on" if on_duty else "off")
    return profile


def technician_language_set(*, actor, technician, language: str) -> UserProfile:
    """A supervisor sets the language a technician's messages are written in (today the dispatch fax);
    ``""`` is the centre's default (``LANGUAGE_CODE``)."""
    require_role(actor, Role.SUPERVISOR)
    if not has_role(technician, Role.TECHNICIAN):
        raise ValidationError({"user": _("Choose a technician.")})
    codes = [code for code, _name in settings.LANGUAGES]
    language = (language or "").strip()
    if language and language not in codes:
        raise ValidationError(
            {
                "language": _("Choose one of %(codes)s, or none for the centre's.")
                % {"codes": ", ".join(codes)}
            }
        )
    with transaction.atomic():
        profile, _created = UserProfile.objects.select_for_update().get_or_create(user=technician)
        if profile.language != language:
            profile.language = language
            profile.save(update_fields=["language"])
            logger.info("%s set %s's language to %r", actor.username, technician.username, language)
    return profile


def technician_position_record(
    *, actor, latitude, longitude, at: datetime, accuracy_m: int | None = None
) -> tuple[UserProfile, bool]:
    """The position the technician's phone shared; returns ``(profile, recorded)``. A position
    older than the one kept (phones resend after a lost answer, and out of order) or stamped
    ahead of the server's clock is not recorded: only the latest true position ranks them."""
    if not has_role(actor, Role.TECHNICIAN):
        raise PermissionDenied(_("Only technicians share their position."))
    if at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"at": _("This time is ahead of the server's clock.")})
    with transaction.atomic():
        profile, _created = UserProfile.objects.select_for_update().get_or_create(user=actor)
        if profile.position_at is not None and at <= profile.position_at:
            return profile, False
        profile.latitude, profile.longitude = latitude, longitude
        profile.position_at, profile.position_accuracy_m = at, accuracy_m
        profile.save(update_fields=["latitude", "longitude", "position_at", "position_accuracy_m"])
    return profile, True
