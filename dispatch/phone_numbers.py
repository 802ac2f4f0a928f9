"""Caller numbers: any common written form in, E.164 out."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# What phone systems and operators write for a number the network did not give.
WITHHELD = frozenset({"", "anonymous", "withheld", "private", "unknown", "restricted", "unavailable"})
MAX_INPUT_LENGTH = 40


def _invalid(field: str | None, message: str) -> ValidationError:
    return ValidationError({field: message}) if field else ValidationError(message)


def phone_number_normalize(raw: str | None, *, field: str | None = "caller_number") -> str:
    """Return ``raw`` as E.164 (``+390212345678``), or "" when withheld.

    Accepts national (``02 1234 5678``), international (``+39 …``, ``0039 …``) and punctuated
    forms. Raises ValidationError naming ``field`` for anything that is not a possible number.
    """
    text = (raw or "").strip()
    if text.lower() in WITHHELD:
        return ""
    if len(text) > MAX_INPUT_LENGTH:
        raise _invalid(field, _("Phone number is too long."))
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, settings.PRONTO_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise _invalid(field, _("Not a phone number: %(value)s") % {"value": raw}) from exc
    if not phonenumbers.is_possible_number(parsed):
        raise _invalid(field, _("Not a possible phone number: %(value)s") % {"value": raw})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_number_display(e164: str) -> str:
    """International format for people (``+39 02 1234 5678``)."""
    if not e164:
        return ""
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164
