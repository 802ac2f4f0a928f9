import pytest
from django.core.exceptions import ValidationError

from dispatch.phone_numbers import phone_number_display, phone_number_normalize


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("02 1234 5678", "+390212345678"),
        ("02-12345678", "+390212345678"),
        ("(02) 1234.5678", "+390212345678"),
        ("+39 02 1234 5678", "+390212345678"),
        ("0039 02 12345678", "+390212345678"),
        ("347 123 4567", "+393471234567"),
        ("+44 20 7946 0958", "+442079460958"),
        ("  +39 051 000 0101 ", "+390510000101"),
    ],
)
def test_common_written_forms_become_e164(written, e164):
    assert phone_number_normalize(written) == e164


@pytest.mark.parametrize("withheld", ["", None, "anonymous", "Withheld", "PRIVATE", "unknown"])
def test_withheld_numbers_are_stored_empty(withheld):
    assert phone_number_normalize(withheld) == ""


@pytest.mark.parametrize("bad", ["abc", "12", "+39", "call me", "1" * 41, "+999 123"])
def test_malformed_numbers_are_refused_naming_the_field(bad):
    with pytest.raises(ValidationError) as error:
        phone_number_normalize(bad)
    assert "caller_number" in error.value.message_dict


def test_display_is_international():
    assert phone_number_display("+390212345678") == "+39 02 1234 5678"
