"""SMS coding, counting and shortening (notifications/sms_text.py): pure functions, no database."""

from __future__ import annotations

import pytest

from notifications.sms_text import GSM7, UCS2, SmsInfo, gsm7_septets, sms_analyse, sms_coding, sms_fit

LINK = "https://pronto.example.org/interventions/1234/"
BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = "\f^{}\\[~]|€"


# ------------------------------------------------------------------------------------------------
# Coding


def test_the_whole_gsm_alphabet_is_gsm7_one_septet_each_and_extension_two():
    assert len(BASIC) == 127  # 128 less the escape
    assert {gsm7_septets(char) for char in BASIC} == {1}
    assert {gsm7_septets(char) for char in EXTENSION} == {2}
    assert sms_analyse(BASIC + EXTENSION) == SmsInfo(GSM7, 127 + 2 * 10, 1)


@pytest.mark.parametrize(
    "char",
    [
        "ç",
        "á",
        "í",
        "ó",
        "ú",
        "â",
        "ê",
        "õ",
        "–",
        "—",
        "…",
        "“",
        "”",
        "’",
        "✓",
        "•",
        "\t",
        "`",
        "\x1b",
        "Ё",
        "中",
    ],
)
def test_a_character_outside_the_alphabet_makes_the_whole_message_ucs2(char):
    text = "Perdita gas in via Roma 3 " + char
    assert gsm7_septets(char) is None
    assert sms_coding(text) == UCS2
    assert sms_analyse(text) == SmsInfo(UCS2, len(text), 1)


def test_italian_accents_of_the_alphabet_stay_gsm7_but_uppercase_ones_do_not():
    assert sms_coding("Città, perché, più, là, però") == GSM7  # à é ì ò ù è are in the alphabet
    assert sms_coding("PERCHÉ") == GSM7  # É is too
    assert sms_coding("È urgente") == UCS2  # È is not
    assert sms_coding("Ç") == GSM7 and sms_coding("ç") == UCS2


def test_an_emoji_outside_the_bmp_counts_two_utf16_units():
    assert sms_analyse("🔥") == SmsInfo(UCS2, 2, 1)
    assert sms_analyse("ok ✓") == SmsInfo(UCS2, 4, 1)  # inside the BMP: one unit
    assert sms_analyse("🔥" * 35) == SmsInfo(UCS2, 70, 1)
    assert sms_analyse("🔥" * 35 + "a") == SmsInfo(UCS2, 71, 2)


def test_an_empty_text_is_one_gsm_sms():
    assert sms_analyse("") == SmsInfo(GSM7, 0, 1)


# ------------------------------------------------------------------------------------------------
# Counting parts at the exact boundaries


@pytest.mark.parametrize(
    ("text", "units", "parts"),
    [
        ("a" * 160, 160, 1),
        ("a" * 161, 161, 2),
        ("a" * 306, 306, 2),  # 153 * 2
        ("a" * 307, 307, 3),
        ("a" * 459, 459, 3),  # 153 * 3
        ("a" * 460, 460, 4),
        ("€" * 80, 160, 1),  # extension characters count 2
        ("a" * 159 + "€", 161, 2),
        ("a" * 158 + "€", 160, 1),
    ],
)
def test_gsm7_parts(text, units, parts):
    assert sms_analyse(text) == SmsInfo(GSM7, units, parts)


@pytest.mark.parametrize(
    ("text", "units", "parts"),
    [
        ("✓" * 70, 70, 1),
        ("✓" * 71, 71, 2),
        ("✓" * 134, 134, 2),  # 67 * 2
        ("✓" * 135, 135, 3),
        ("✓" * 201, 201, 3),  # 67 * 3
        ("✓" * 202, 202, 4),
    ],
)
def test_ucs2_parts(text, units, parts):
    assert sms_analyse(text) == SmsInfo(UCS2, units, parts)


def test_a_part_never_splits_an_escape_pair():
    # 152 + 2 + 152 = 306 septets: 2 parts by division, but the "€" cannot straddle parts 1 and 2.
    text = "a" * 152 + "€" + "a" * 152
    assert sms_analyse(text) == SmsInfo(GSM7, 306, 3)
    assert sms_analyse("a" * 151 + "€" + "a" * 153) == SmsInfo(GSM7, 306, 2)  # it ends part 1 exactly


def test_a_part_never_splits_a_surrogate_pair():
    text = "✓" * 66 + "🔥" + "✓" * 66  # 134 units, the emoji straddling units 67 and 68
    assert sms_analyse(text) == SmsInfo(UCS2, 134, 3)
    assert sms_analyse("✓" * 65 + "🔥" + "✓" * 67) == SmsInfo(UCS2, 134, 2)


# ------------------------------------------------------------------------------------------------
# Shortening on purpose


def words(count: int, word: str = "parola") -> str:
    return " ".join(f"{word}{i}" for i in range(count))


def test_a_text_that_fits_comes_back_unchanged_with_the_link_after_a_line_break():
    assert sms_fit("Perdita gas, via Roma 3", link=LINK) == f"Perdita gas, via Roma 3\n{LINK}"
    assert sms_fit("Perdita gas", max_parts=1) == "Perdita gas"
    assert sms_fit("", link=LINK) == LINK


@pytest.mark.parametrize("max_parts", [1, 2, 3])
def test_a_long_gsm_text_is_cut_after_a_word_with_three_dots_keeping_the_link(max_parts):
    text = "Perdita gas in via Roma 3. " + words(100)

    fitted = sms_fit(text, link=LINK, max_parts=max_parts)

    info = sms_analyse(fitted)
    assert info.coding == GSM7 and info.parts == max_parts
    shortened, _, link = fitted.rpartition("\n")
    assert link == LINK
    assert shortened.endswith("...") and "…" not in fitted
    kept = shortened.removesuffix("...")
    assert text.startswith(kept) and text[len(kept)] == " "  # cut at a word boundary
    # As long as it can be: one more word would not fit.
    next_word = text[len(kept) :].split()[0]
    assert sms_analyse(f"{kept} {next_word}...\n{LINK}").parts > max_parts


def test_a_long_ucs2_text_is_cut_with_one_ellipsis_character():
    text = "Perdita gas – via Università 3 ✓ " + words(100)

    fitted = sms_fit(text, link=LINK, max_parts=2)

    info = sms_analyse(fitted)
    assert info.coding == UCS2 and info.parts == 2
    assert fitted.endswith(f"…\n{LINK}") and "..." not in fitted
    assert text.startswith(fitted.removesuffix(f"…\n{LINK}"))


def test_cutting_off_the_only_ucs2_character_lets_the_rest_go_as_gsm():
    # The tick is in the part that cannot fit: without it the message is GSM, with 3 times the room.
    text = "Perdita gas in via Roma 3. " + words(100) + " ✓"

    fitted = sms_fit(text, link=LINK, max_parts=3)

    assert sms_analyse(fitted).coding == GSM7 and sms_analyse(fitted).parts == 3
    assert fitted.endswith(f"...\n{LINK}") and len(fitted) > 400


def test_a_trailing_comma_or_dot_does_not_stand_before_the_ellipsis():
    text = "Perdita gas, " + ", ".join(f"via{i}" for i in range(200))
    fitted = sms_fit(text, max_parts=1)
    assert fitted.endswith("...") and not fitted.endswith(",...") and sms_analyse(fitted).parts == 1


def test_a_single_word_too_long_is_cut_between_characters():
    fitted = sms_fit("x" * 1000, link=LINK, max_parts=1)
    assert fitted == "x" * (160 - 3 - 1 - len(LINK)) + f"...\n{LINK}"
    assert sms_analyse(fitted) == SmsInfo(GSM7, 160, 1)


def test_shortening_never_breaks_an_escape_pair_or_a_surrogate_pair():
    for filler in ("€", "{", "🔥", "é✓"):
        text = filler * 400
        for max_parts in (1, 2, 3):
            fitted = sms_fit(text, link=LINK, max_parts=max_parts)
            assert sms_analyse(fitted).parts <= max_parts
            assert fitted.endswith(LINK)
            body = fitted.removesuffix(f"\n{LINK}").removesuffix("...").removesuffix("…")
            assert text.startswith(body)
            # Whole characters only, and the text sent is valid UTF-16 and GSM where GSM.
            body.encode("utf-16-be")
            if sms_coding(fitted) == GSM7:
                fitted.encode("gsm03.38")


def test_the_fitted_text_is_as_long_as_the_budget_allows_with_pairs():
    # A part of 153 septets holds 76 "€" (the 153rd septet cannot take half a pair): 76 + 76 in
    # parts 1 and 2, then 75 and the "..." in part 3.
    assert sms_fit("€" * 300, max_parts=3) == "€" * 227 + "..."
    # A part of 67 units holds 33 emoji: 33 * 3, the "…" in the last unit left.
    assert sms_fit("🔥" * 300, max_parts=3) == "🔥" * 99 + "…"


def test_the_link_is_kept_whole_or_the_text_is_refused():
    long_link = "https://pronto.example.org/" + "x" * 200
    assert sms_fit(words(300), link=long_link, max_parts=3).endswith(long_link)
    with pytest.raises(ValueError, match="link alone"):
        sms_fit(words(300), link=long_link, max_parts=1)
    with pytest.raises(ValueError, match="max_parts"):
        sms_fit("text", max_parts=0)


def test_a_text_with_no_room_beside_the_link_gives_the_link_alone():
    link = "https://pronto.example.org/" + "x" * 130  # 157 characters: only 3 septets left
    assert sms_fit("Perdita gas in via Roma 3", link=link, max_parts=1) == link


def test_the_separator_can_be_a_space():
    fitted = sms_fit(words(100), link=LINK, max_parts=1, separator=" ")
    assert fitted.endswith(f"... {LINK}") and sms_analyse(fitted).parts == 1
