"""The pages where an operator writes an SMS or an email to a technician or a plant's contact
(issue 20): the buttons beside each person (a panel of the intervention's page, and the plant's
messages page), and the compose form. The form sends through ``services.message_send``."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dispatch import selectors as dispatch_selectors
from dispatch.views import STAFF, role_required
from notifications import selectors, services
from notifications.choices import Channel, NotificationReason
from notifications.rendering import SMS_MAX_PARTS, intervention_link, notification_render
from notifications.services.compose import COMPOSE_CHANNELS, EMAIL_TEXT_MAX, SUBJECT_MAX

# The form's own key (a new one each time it is opened): sent twice, it writes one row.
_KEY = re.compile(r"[0-9a-f]{32}")


@require_GET
@role_required(*STAFF)
def intervention_messages_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The intervention page's panel: "Send SMS" and "Send email" beside its technician and each
    contact of the plant's customer."""
    intervention = dispatch_selectors.intervention_get_for_user(user=request.user, pk=pk)
    recipients = selectors.message_recipients(plant=intervention.plant, intervention=intervention)
    new_url = reverse("notifications:intervention-message-new", args=[intervention.pk])
    return render(
        request,
        "notifications/_compose_panel.html",
        {"recipients": recipients, "new_url": new_url, "plant": intervention.plant},
    )


@require_GET
@role_required(*STAFF)
def plant_messages(request: HttpRequest, pk: int) -> HttpResponse:
    """The plant's messages page: everyone reachable about it, and what operators wrote."""
    plant = dispatch_selectors.plant_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "notifications/plant_messages.html",
        {
            "plant": plant,
            "recipients": selectors.message_recipients(plant=plant),
            "new_url": reverse("notifications:plant-message-new", args=[plant.pk]),
            "written": selectors.message_list_for_plant(plant=plant),
            # The plant's archive (documents, received faxes with their sender and pages).
            "archive": selectors.plant_documents_for_message(plant=plant, user=request.user)[:100],
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def intervention_message_new(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = dispatch_selectors.intervention_get_for_user(user=request.user, pk=pk)
    back = reverse("dispatch:intervention-detail", args=[intervention.pk])
    return _compose(request, plant=intervention.plant, intervention=intervention, back=back)


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def plant_message_new(request: HttpRequest, pk: int) -> HttpResponse:
    plant = dispatch_selectors.plant_get_for_user(user=request.user, pk=pk)
    back = reverse("notifications:plant-messages", args=[plant.pk])
    return _compose(request, plant=plant, intervention=None, back=back)


def _recipient(plant, to: str):
    kind, _sep, raw = to.partition("-")
    if kind not in ("technician", "contact") or not raw.isdigit() or len(raw) > 12:
        raise Http404("no such recipient")
    return selectors.message_recipient_get(plant=plant, kind=kind, pk=int(raw))


def _prefill(*, plant, intervention, recipient, channel: str) -> dict[str, str]:
    """The text the form opens with: the intervention's summary as the assignment renders it (a
    contact gets no link to the technicians' phone page), else the plant named."""
    if intervention is not None:
        rendered = notification_render(
            intervention=intervention, reason=NotificationReason.MESSAGE, channel=channel
        )
        body = rendered.body
        if recipient.kind == "contact":
            body = body.removesuffix(intervention_link(intervention)).rstrip()
        return {"subject": rendered.subject, "text": body}
    place = ", ".join(part for part in (plant.name, plant.address, plant.municipality) if part)
    return {"subject": f"[Pronto] {plant.code} {plant.name}"[:SUBJECT_MAX], "text": f"{plant.code} {place}: "}


def _compose(request: HttpRequest, *, plant, intervention, back: str) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    channel = source.get("channel", "")
    if channel not in COMPOSE_CHANNELS:
        return HttpResponseBadRequest(_("Choose SMS or email."), content_type="text/plain; charset=utf-8")
    recipient = _recipient(plant, source.get("to", ""))
    form = {"channel": channel, "to": source.get("to", ""), "key": uuid.uuid4().hex, **_prefill(
        plant=plant, intervention=intervention, recipient=recipient, channel=channel
    )}  # fmt: skip
    documents = list(selectors.plant_documents_for_message(plant=plant, user=request.user))
    chosen: set[int] = set()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form.update({name: request.POST.get(name, "") for name in ("subject", "text")})
        if _KEY.fullmatch(request.POST.get("key", "")):
            form["key"] = request.POST["key"]
        chosen = {int(v) for v in request.POST.getlist("documents") if v.isdigit() and len(v) <= 12}
        try:
            upload = _upload(request)
            row = services.message_send(
                actor=request.user,
                channel=channel,
                plant=plant,
                intervention=intervention,
                technician_id=recipient.pk if recipient.kind == "technician" else None,
                contact_id=recipient.pk if recipient.kind == "contact" else None,
                text=form["text"],
                subject=form["subject"],
                document_ids=sorted(chosen),
                upload=upload,
                key=form["key"],
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        else:
            messages.success(
                request,
                _("%(channel)s to %(name)s queued: it is on its way.")
                % {"channel": row.get_channel_display(), "name": recipient.name},
            )
            return redirect(back)
    address = recipient.sms if channel == Channel.SMS else recipient.email
    context = {
        "plant": plant,
        "intervention": intervention,
        "recipient": recipient,
        "address": address,
        "form": form,
        "channel_label": Channel(channel).label,
        "documents": documents,
        "chosen": chosen,
        "errors": errors,
        "back": back,
        "sms_max_parts": SMS_MAX_PARTS,
        "email_text_max": EMAIL_TEXT_MAX,
        "subject_max": SUBJECT_MAX,
        "attachments_max_mb": f"{settings.PRONTO_EMAIL_ATTACHMENTS_MAX_BYTES / 2**20:.0f}",
    }
    return render(request, "notifications/compose.html", context, status=400 if errors else 200)


def _upload(request: HttpRequest) -> services.Upload | None:
    """The optional file, refused unread when larger than every attachment together may be."""
    file = request.FILES.get("file")
    if file is None or not file.size:
        return None
    limit = settings.PRONTO_EMAIL_ATTACHMENTS_MAX_BYTES
    if file.size > limit:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)s MB.") % {"mb": f"{limit / 2**20:.1f}"}}
        )
    return services.Upload(filename=file.name or "file", content=file.read())
