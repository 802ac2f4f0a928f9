"""A technician's contact points, kept by the supervisors: the channels an assignment goes out on,
in order, and the next one an unacknowledged assignment escalates to."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dispatch.choices import Role
from dispatch.phone_numbers import phone_number_normalize
from dispatch.roles import has_role
from dispatch.services.common import require_role
from notifications.choices import Channel
from notifications.models import ContactPoint

logger = logging.getLogger(__name__)

POSITION_MAX = 99


def _address_clean(channel: str, address: str) -> str:
    text = (address or "").strip()
    if not text:
        raise ValidationError({"address": _("This field is required.")})
    if channel == Channel.EMAIL:
        try:
            validate_email(text)
        except ValidationError:
            raise ValidationError({"address": _("Enter a valid email address.")}) from None
        local, _at, domain = text.rpartition("@")
        return f"{local}@{domain.lower()}"
    number = phone_number_normalize(text, field="address")
    if not number:
        raise ValidationError({"address": _("A withheld number cannot be called.")})
    return number


def _fields_clean(*, channel: str, address: str, position: int | str | None) -> tuple[str, str, int]:
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose SMS, email or fax.")})
    text = str(position if position is not None else "").strip()
    # isascii(): str.isdigit() accepts "²", which int() refuses.
    if not (text.isascii() and text.isdigit()) or int(text) > POSITION_MAX:
        raise ValidationError(
            {"position": _("The order is a whole number from 0 to %(max)d.") % {"max": POSITION_MAX}}
        )
    return channel, _address_clean(channel, address), int(text)


def _technician_check(user) -> None:
    if not has_role(user, Role.TECHNICIAN):
        raise ValidationError({"user": _("Contact points are kept here for technicians only.")})


def _save(point: ContactPoint) -> ContactPoint:
    try:
        with transaction.atomic():
            point.save()
    except IntegrityError:
        raise ValidationError(
            {"address": _("This technician already has this address on this channel.")}
        ) from None
    return point


def contact_point_add(*, actor, user, channel: str, address: str, position: int | str | None) -> ContactPoint:
    """Add a channel to a technician (supervisors only). The address is normalised (E.164 for SMS
    and fax) and unique per technician and channel; the new point is active."""
    require_role(actor, Role.SUPERVISOR)
    _technician_check(user)
    channel, address, number = _fields_clean(channel=channel, address=address, position=position)
    point = _save(ContactPoint(user=user, channel=channel, address=address, position=number, active=True))
    logger.info("contact point %s added for %s by %s", point.pk, user.username, actor.username)
    return point


def contact_point_change(
    *, actor, point: ContactPoint, channel: str, address: str, position: int | str | None, active: bool
) -> ContactPoint:
    """Change a technician's contact point (supervisors only). A disabled point is kept (and
    shown) but nothing is sent to it; notifications already written keep the address they had."""
    require_role(actor, Role.SUPERVISOR)
    _technician_check(point.user)
    point.channel, point.address, point.position = _fields_clean(
        channel=channel, address=address, position=position
    )
    point.active = bool(active)
    _save(point)
    logger.info("contact point %s changed by %s (active=%s)", point.pk, actor.username, point.active)
    return point


def contact_point_set_active(*, actor, point: ContactPoint, active: bool) -> ContactPoint:
    """Disable (or enable again) a technician's contact point: supervisors only."""
    require_role(actor, Role.SUPERVISOR)
    _technician_check(point.user)
    point.active = bool(active)
    point.save(update_fields=["active"])
    logger.info("contact point %s %s by %s", point.pk, "enabled" if active else "disabled", actor.username)
    return point
