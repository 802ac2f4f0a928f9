"""What the services of every subject share: role checks, required text, clock skew."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from dispatch.roles import has_role

# A phone system's, operator's or phone's clock may run a little ahead of ours.
CLOCK_SKEW = timedelta(minutes=2)


def require_role(actor, *roles: str) -> None:
    if not has_role(actor, *roles):
        raise PermissionDenied(_("Your role does not allow this action."))


def required_text(value: str | None, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: _("This field is required.")})
    return text
