"""The texts sent to technicians and supervisors, per channel: an SMS that fits (with the link
to the intervention on the technician's phone), a complete email, and the words of the dispatch
fax (``dispatch_fax_content``, laid out by ``notifications.fax_page``) in the recipient's
language."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dispatch import ports
from dispatch.choices import Priority
from dispatch.models import Intervention, UserProfile

from .choices import Channel, NotificationReason
from .fax_page import DispatchFax, FaxField
from .sms_text import sms_fit

SMS_MAX_PARTS = 3


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


# A number no intervention has, reversed once per URL conf and replaced by the real id: ``reverse``
# costs about a millisecond with this URL conf, and the escalation sweep renders thousands of
# texts at once.
_LINK_SENTINEL = "987654321987"


@functools.lru_cache(maxsize=16)
def _link_path(urlconf: str, script_prefix: str) -> str:
    return reverse("dispatch:m-intervention", args=[_LINK_SENTINEL])


def intervention_link(intervention: Intervention) -> str:
    """The technician's phone page (offline-capable); anyone else who opens it lands on the
    desktop page."""
    path = _link_path(str(get_urlconf() or settings.ROOT_URLCONF), get_script_prefix())
    return settings.PRONTO_PUBLIC_URL + path.replace(_LINK_SENTINEL, str(intervention.pk))


@functools.lru_cache(maxsize=8)
def _texts(language: str) -> dict[str, Any]:
    """The translated sentences of the texts (and the priorities' names) in ``language``, looked
    up once: the escalation sweep renders thousands of texts at once, and ``gettext`` under
    ``translation.override`` cost most of each one."""
    with translation.override(language):
        return {
            "cancelled": _("CANCELLED intervention #%(id)s %(plant)s"),
            "reassigned_away": _("Intervention #%(id)s %(plant)s is now assigned to someone else"),
            "supervisor_warning": _("Not acknowledged: intervention #%(id)s %(plant)s"),
            "headline": _("Intervention #%(id)s P%(priority)s %(plant)s"),
            "priority": _("Priority: %(priority)s"),
            "plant": _("Plant: %(code)s %(place)s"),
            "map": _("Map: %(url)s"),
            "summary": _("Summary: %(summary)s"),
            "call": _("Call at %(time)s from %(number)s"),
            "technician": _("Technician: %(name)s"),
            "acknowledge": _("Reply OK %(id)s to this SMS, or open the link, to acknowledge."),
            "sms_acknowledge": _("Reply OK %(id)s to acknowledge."),
            "priorities": {value: str(label) for value, label in Priority.choices},
        }


def _headline(intervention: Intervention, reason: str, texts: dict[str, Any]) -> str:
    plant = intervention.plant
    if reason == NotificationReason.CANCELLED:
        return texts["cancelled"] % {"id": intervention.pk, "plant": plant.code}
    if reason == NotificationReason.REASSIGNED_AWAY:
        return texts["reassigned_away"] % {"id": intervention.pk, "plant": plant.code}
    if reason == NotificationReason.SUPERVISOR_WARNING:
        return texts["supervisor_warning"] % {"id": intervention.pk, "plant": plant.code}
    return texts["headline"] % {"id": intervention.pk, "priority": intervention.priority, "plant": plant.code}


def _place(intervention: Intervention) -> str:
    plant = intervention.plant
    return ", ".join(part for part in (plant.name, plant.address, plant.municipality) if part)


def _detail_lines(intervention: Intervention, reason: str, texts: dict[str, Any]) -> list[str]:
    plant = intervention.plant
    priority = texts["priorities"].get(intervention.priority, str(intervention.priority))
    lines = [
        _headline(intervention, reason, texts),
        texts["priority"] % {"priority": priority},
        texts["plant"] % {"code": plant.code, "place": _place(intervention)},
    ]
    if plant.latitude is not None and plant.longitude is not None:
        lines.append(
            texts["map"]
            % {"url": f"https://www.openstreetmap.org/?mlat={plant.latitude}&mlon={plant.longitude}&zoom=17"}
        )
    lines.append(texts["summary"] % {"summary": intervention.summary})
    call = intervention.call
    if call is not None:
        lines.append(
            texts["call"]
            % {
                "time": timezone.localtime(call.received_at).strftime("%d/%m/%Y %H:%M"),
                "number": call.caller_number or "-",
            }
        )
    technician = intervention.technician
    if technician is not None:
        lines.append(texts["technician"] % {"name": technician.get_full_name() or technician.get_username()})
    if reason in (NotificationReason.ASSIGNED, NotificationReason.ESCALATED):
        lines.append(texts["acknowledge"] % {"id": intervention.pk})
    lines.append(intervention_link(intervention))
    return lines


def notification_render(*, intervention: Intervention, reason: str, channel: str) -> Rendered:
    """Subject and text of one notification, in the site's language."""
    texts = _texts(settings.LANGUAGE_CODE)
    headline = _headline(intervention, reason, texts)
    subject = "[Pronto] " + headline
    if channel == Channel.SMS:
        plant = intervention.plant
        place = _place(intervention) or plant.name
        text = f"{headline}: {place}. {intervention.summary}"
        if reason in (NotificationReason.ASSIGNED, NotificationReason.ESCALATED):
            text += " " + texts["sms_acknowledge"] % {"id": intervention.pk}
        return Rendered(subject, sms_fit(text, link=intervention_link(intervention), max_parts=SMS_MAX_PARTS))
    return Rendered(subject, "\n".join(_detail_lines(intervention, reason, texts)))


def fax_reference(intervention_id: int) -> str:
    """What a technician quotes when answering a dispatch fax by phone, fax or email."""
    return f"INT-{intervention_id}"


def recipient_language(user_id: int | None) -> str:
    """The language a user's messages are written in: their profile's, else the centre's."""
    language = ""
    if user_id is not None:
        language = (
            UserProfile.objects.filter(user_id=user_id).values_list("language", flat=True).first() or ""
        )
    return language or settings.LANGUAGE_CODE


def _fax_acknowledge(intervention: Intervention, reason: str, reference: str) -> tuple[str, list[str]]:
    phone = settings.PRONTO_CENTRE_PHONE or "-"
    if reason not in (NotificationReason.ASSIGNED, NotificationReason.ESCALATED):
        return _("Nothing to acknowledge"), [
            _("No answer is needed. For any question call %(phone)s, quoting the reference %(reference)s.")
            % {"phone": phone, "reference": reference}
        ]
    lines = [
        _("Call %(phone)s and quote the reference %(reference)s.") % {"phone": phone, "reference": reference}
    ]
    fax, email = settings.PRONTO_CENTRE_FAX, settings.PRONTO_CENTRE_EMAIL
    if fax and email:
        lines.append(
            _("Or write back by fax to %(fax)s or by email to %(email)s, quoting reference %(reference)s.")
            % {"fax": fax, "email": email, "reference": reference}
        )
    elif fax or email:
        lines.append(
            _("Or write back to %(address)s, quoting the reference %(reference)s.")
            % {"address": fax or email, "reference": reference}
        )
    lines.append(
        _("Or open the intervention on your phone: %(url)s") % {"url": intervention_link(intervention)}
    )
    return _("To acknowledge this intervention"), lines


def dispatch_fax_content(
    *, intervention: Intervention, reason: str, language: str, now: datetime
) -> DispatchFax:
    """The words of the dispatch fax about ``intervention`` in ``language``: the centre's header,
    the case and plant as form fields (with the plant's telecontrol state as it is now), how to
    acknowledge from a fax machine, the notes box's heading."""
    texts = _texts(language)
    plant, call, technician = intervention.plant, intervention.call, intervention.technician
    reference = fax_reference(intervention.pk)
    with translation.override(language):
        contacts = [
            template % {"value": value}
            for template, value in (
                (_("Tel. %(value)s"), settings.PRONTO_CENTRE_PHONE),
                (_("Fax %(value)s"), settings.PRONTO_CENTRE_FAX),
                (_("Email %(value)s"), settings.PRONTO_CENTRE_EMAIL),
            )
            if value
        ]
        priority = texts["priorities"].get(intervention.priority, str(intervention.priority))
        address = ", ".join(part for part in (plant.address, plant.municipality, plant.province) if part)
        fields = [
            FaxField(_("Code"), plant.code),
            FaxField(_("Plant"), f"{plant.name} ({plant.get_kind_display()})"),
            FaxField(_("Address"), address or "-"),
            FaxField(_("Access notes"), plant.notes or "-"),
            FaxField(_("Caller's number"), (call.caller_number if call is not None else "") or "-"),
            FaxField(
                _("Call received"),
                timezone.localtime(call.received_at).strftime("%d/%m/%Y %H:%M") if call is not None else "-",
            ),
            FaxField(_("Summary"), intervention.summary),
            FaxField(_("Priority"), f"P{intervention.priority} - {priority}"),
            FaxField(
                _("Telecontrol state"), "\n".join(ports.plant_telemetry().status_lines(plant_id=plant.pk))
            ),
        ]
        if plant.latitude is not None and plant.longitude is not None:
            fields.append(FaxField(_("Position"), f"{plant.latitude}, {plant.longitude}"))
        if technician is not None:
            fields.append(FaxField(_("Technician"), technician.get_full_name() or technician.get_username()))
        acknowledge_title, acknowledge = _fax_acknowledge(intervention, reason, reference)
        return DispatchFax(
            centre_name=settings.PRONTO_CENTRE_NAME or "Pronto",
            centre_contacts=contacts,
            sent=_("Sent %(time)s") % {"time": timezone.localtime(now).strftime("%d/%m/%Y %H:%M")},
            reference=_("Ref. %(reference)s") % {"reference": reference},
            page_label=_("Page %(page)s of %(pages)s"),
            title=_headline(intervention, reason, texts),
            fields=fields,
            acknowledge_title=acknowledge_title,
            acknowledge=acknowledge,
            notes_title=_("Technician's notes"),
        )


def callback_render(*, callback, channel: str) -> Rendered:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Callback due at %(time)s") % {
            "time": timezone.localtime(callback.due_at).strftime("%H:%M")
        }
        body = _("Call back %(number)s. %(note)s") % {"number": callback.number or "-", "note": callback.note}
        if channel == Channel.SMS:
            return Rendered(subject, sms_fit(f"{subject}: {body}", max_parts=1))
        return Rendered(subject, body)
