"""The compose form's live SMS count (notifications/static/notifications/sms_count.js) agrees
with the Python that decides how the gateway sends a text (notifications.sms_text.sms_analyse):
the same coding, units and parts for every string, run in Chromium as the operator's page runs it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from notifications.sms_text import sms_analyse

SCRIPT = Path(__file__).resolve().parents[2] / "notifications/static/notifications/sms_count.js"

GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = "\f^{}\\[~]|€"
OUTSIDE = "çÀÈ–’“”…✓ПриветΆ中"
ASTRAL = "😀🚒𝄞"

FIXED = [
    "",
    "OK 12",
    "a" * 160,
    "a" * 161,
    "a" * 306,
    "a" * 307,
    "a" * 459,
    "€" * 80,  # 160 septets: one SMS
    "€" * 81,
    "a" * 152 + "€",  # the escape pair does not fit the first part's last septet: it moves whole
    "a" * 153 + "€" * 10,
    "Valvola chiusa: è tutto a posto",
    "Caffè ça va",  # ç is outside the GSM alphabet (Ç is in it): UCS-2
    "Привет" * 12,
    "😀" * 35,
    "😀" * 36,
    "a" * 66 + "😀" + "b" * 10,  # a surrogate pair at a part's edge
    "line\r\nnext\fpage",
    "Intervento #12 P1 CAB-01: Via Roma 1, Milano. Odore di gas nel locale caldaia.\nhttps://pronto.example.org/m/interventions/12/",
]


def _random_texts(count: int) -> list[str]:
    rng = random.Random(20)
    pools = [GSM_BASIC, GSM_BASIC + GSM_EXTENDED, GSM_BASIC * 20 + OUTSIDE, GSM_BASIC * 20 + ASTRAL + OUTSIDE]
    texts = []
    for _ in range(count):
        pool = rng.choice(pools)
        texts.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 480))))
    return texts


def test_the_page_counts_as_the_gateway_sends(chromium):
    texts = FIXED + _random_texts(400)
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.set_content("<html><body><textarea id='t'></textarea></body></html>")
        page.add_script_tag(content=SCRIPT.read_text(encoding="utf-8"))
        counted = page.evaluate(
            "texts => texts.map(t => {"
            " const i = window.prontoSmsAnalyse(t); return [i.coding, i.units, i.parts]; })",
            texts,
        )
    finally:
        context.close()
    expected = [[(info := sms_analyse(text)).coding, info.units, info.parts] for text in texts]
    pairs = zip(texts, counted, expected, strict=True)
    disagree = [(text[:40], js, py) for text, js, py in pairs if js != py]
    assert not disagree, disagree[:5]
    # The strings cover both codings and every part count the form allows, and past it.
    assert {row[0] for row in expected} == {"gsm7", "ucs2"}
    assert {1, 2, 3, 4} <= {row[2] for row in expected}


@pytest.mark.django_db
def test_the_form_shows_the_count_as_the_operator_types(signed_in, live_server, users, plant):
    from dispatch.choices import InterventionStatus as S
    from notifications.models import ContactPoint
    from tests.dispatch.helpers import intervention_in

    ContactPoint.objects.create(user=users["technician"], channel="sms", address="+393331234567")
    case = intervention_in(S.ASSIGNED, users=users, plant=plant)
    page = signed_in("operator")
    page.goto(f"/interventions/{case.pk}/messages/new/?channel=sms&to=technician-{users['technician'].pk}")
    text = page.locator("#message-text")
    text.fill("a" * 150)
    assert page.locator("#sms-count").inner_text() == "1 of 3 SMS, 10 characters left in this one (GSM 7-bit)"
    text.fill("a" * 150 + "😀")
    count = page.locator("#sms-count").inner_text()
    assert count.startswith("3 of 3 SMS") and "UCS-2" in count
    text.fill("€" * 240)
    assert page.locator("#sms-count").inner_text() == "Too long: 4 SMS, the gateway sends at most 3"
