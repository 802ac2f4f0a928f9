"""Notification endpoints: the delivery log (per role), the gateway's delivery reports and the
technicians' SMS replies (token-authenticated)."""

import pytest

from dispatch import services as dispatch_services
from notifications import services
from notifications.models import Notification
from notifications.tokens import status_token
from tests.dispatch.helpers import call_logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(reachable, plant, fake_gateway, django_capture_on_commit_callbacks):
    call = call_logged(reachable, plant)
    intervention = dispatch_services.intervention_open(actor=reachable["operator"], call=call, summary="Leak")
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_services.intervention_assign(
            actor=reachable["operator"], intervention=intervention, technician=reachable["technician"]
        )
    return intervention


def test_the_delivery_log_shows_every_attempt(assigned, client_for):
    response = client_for("operator").get(f"/api/interventions/{assigned.pk}/notifications/")
    assert response.status_code == 200
    body = response.json()
    assert [(n["channel"], n["status"]) for n in body] == [
        ("sms", "sent"),
        ("email", "sent"),
        ("fax", "sent"),
    ]
    assert body[0]["attempt_log"][0]["outcome"] == "accepted" and body[0]["attempt_log"][0]["gateway_id"]


@pytest.mark.parametrize(
    "role, code", [("technician", 200), ("technician2", 404), ("utility", 403), ("norole", 403)]
)
def test_the_delivery_log_per_role(assigned, client_for, role, code):
    assert client_for(role).get(f"/api/interventions/{assigned.pk}/notifications/").status_code == code


def test_anonymous_is_refused(assigned, client_for):
    # 401 with a challenge (TokenAuthentication comes first), so a client knows to sign in.
    response = client_for(None).get(f"/api/interventions/{assigned.pk}/notifications/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def _report(client, row, dlr_type, token=None):
    return client.get(
        f"/api/notifications/{row.pk}/status/",
        {"token": token or status_token(row.pk), "type": dlr_type, "smsc_reply": "ACK/"},
    )


def test_a_delivery_report_marks_the_sms_delivered_once(assigned, client_for):
    sms = Notification.objects.get(intervention=assigned, channel="sms")
    client = client_for(None)
    assert _report(client, sms, 1).status_code == 200
    assert _report(client, sms, 1).status_code == 200
    sms.refresh_from_db()
    assert sms.status == "delivered" and sms.delivered_at is not None
    assert sms.attempt_rows.filter(outcome="delivered").count() == 1


def test_a_failed_delivery_report_fails_the_row_and_warns(assigned, client_for):
    sms = Notification.objects.get(intervention=assigned, channel="sms")
    assert _report(client_for(None), sms, 16).status_code == 200
    sms.refresh_from_db()
    assert sms.status == "failed"
    assert Notification.objects.filter(reason="supervisor_warning").exists()


def test_a_delivery_report_with_a_wrong_token_changes_nothing(assigned, client_for):
    sms = Notification.objects.get(intervention=assigned, channel="sms")
    other = Notification.objects.get(intervention=assigned, channel="email")
    assert _report(client_for(None), sms, 1, token=status_token(other.pk)).status_code == 403
    assert _report(client_for(None), sms, "x").status_code == 400
    sms.refresh_from_db()
    assert sms.status == "sent"


def _reply(client, sender, text, token="demo-sms-inbound"):
    return client.get("/api/notifications/sms/inbound/", {"token": token, "sender": sender, "text": text})


def test_a_technician_acknowledges_by_replying_to_the_sms(assigned, client_for, settings):
    settings.PRONTO_SMS_INBOUND_TOKEN = "demo-sms-inbound"
    response = _reply(client_for(None), "00393331234567", f"ok {assigned.pk}")
    assert response.status_code == 200 and f"#{assigned.pk}" in response.content.decode()
    assigned.refresh_from_db()
    assert assigned.status == "acknowledged"
    kinds = list(assigned.events.order_by("seq").values_list("kind", "actor_label"))
    assert ("intervention.acknowledge", "technician") in kinds and ("notification.reply", "system") in kinds


@pytest.mark.parametrize(
    "sender, text, token",
    [
        ("+393339999999", "OK", "demo-sms-inbound"),  # another technician: nothing assigned to it
        ("+391111111111", "OK", "demo-sms-inbound"),  # unknown number
        ("+393331234567", "hello", "demo-sms-inbound"),  # not a reply we understand
        ("+393331234567", "OK", "wrong-token"),
    ],
)
def test_replies_that_do_not_acknowledge(assigned, client_for, settings, sender, text, token):
    settings.PRONTO_SMS_INBOUND_TOKEN = "demo-sms-inbound"
    response = _reply(client_for(None), sender, text, token=token)
    assert response.status_code == (403 if token == "wrong-token" else 200)
    assigned.refresh_from_db()
    assert assigned.status == "assigned"


def test_a_gsm_answer_goes_back_as_gsm(assigned, client_for, settings):
    settings.PRONTO_SMS_INBOUND_TOKEN = "demo-sms-inbound"
    response = _reply(client_for(None), "+393331234567", f"OK {assigned.pk}")
    assert response.content.decode() == f"Intervention #{assigned.pk} acknowledged."
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "X-Kannel-Coding" not in response


@pytest.mark.parametrize(
    "answer, coding",
    [
        ("Prezzo 10€ [IVA] ~ {ok} | ^\\ àèéìòù", None),  # the extension table is GSM too
        ("È stato confermato l'intervento n. 12.", "2"),
        ("Intervento n. 12 confermato ✓", "2"),
        ("Preso in carico – grazie 👍", "2"),
    ],
)
def test_only_an_answer_outside_the_gsm_alphabet_asks_kannel_for_ucs2(
    client_for, settings, monkeypatch, answer, coding
):
    settings.PRONTO_SMS_INBOUND_TOKEN = "demo-sms-inbound"
    monkeypatch.setattr(services, "sms_reply_apply", lambda **kwargs: answer)
    response = _reply(client_for(None), "+393331234567", "OK 12")
    assert response.status_code == 200 and response.content.decode("utf-8") == answer
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.get("X-Kannel-Coding") == coding


def test_a_reply_that_could_not_be_applied_points_to_the_page(client_for, settings, monkeypatch):
    settings.PRONTO_SMS_INBOUND_TOKEN = "demo-sms-inbound"

    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "sms_reply_apply", broken)
    response = _reply(client_for(None), "+393331234567", "OK 12")
    assert response.status_code == 200 and "intervention page" in response.content.decode()
    assert "X-Kannel-Coding" not in response


def test_a_report_that_is_not_final_is_noted_and_changes_nothing(assigned, client_for):
    sms = Notification.objects.get(intervention=assigned, channel="sms")
    assert _report(client_for(None), sms, 8).status_code == 200
    sms.refresh_from_db()
    assert sms.status == "sent" and not sms.attempt_rows.exclude(outcome="accepted").exists()
    assert assigned.events.filter(kind="notification.report").count() == 1


# -- the inbound endpoint: POST as Kannel's post-url sends it, the token as a header, addresses


INBOUND = "/api/notifications/sms/inbound/"


def test_kannels_post_url_acknowledges(assigned, client_for, settings):
    settings.PRONTO_SMS_INBOUND_TOKEN = "demo-sms-inbound"
    response = client_for(None).post(
        f"{INBOUND}?token=demo-sms-inbound",
        f"OK {assigned.pk}".encode(),
        content_type='text/plain; charset="UTF-8"',
        HTTP_X_KANNEL_FROM="+393331234567",
        HTTP_X_KANNEL_CODING="0",
    )
    assert (
        response.status_code == 200
        and response.content.decode() == f"Intervention #{assigned.pk} acknowledged."
    )
    assigned.refresh_from_db()
    assert assigned.status == "acknowledged"


def test_a_posted_ucs2_reply_is_decoded_by_its_charset(client_for, settings, monkeypatch):
    settings.PRONTO_SMS_INBOUND_TOKEN = "demo-sms-inbound"
    applied = []
    monkeypatch.setattr(services, "sms_reply_apply", lambda **kwargs: applied.append(kwargs) or "ok")
    response = client_for(None).post(
        f"{INBOUND}?sender=%2B393331234567",
        "OK 12 ✓ città".encode("utf-16-be"),
        content_type='text/plain; charset="UTF-16BE"',
        HTTP_X_KANNEL_CODING="2",
        HTTP_X_PRONTO_TOKEN="demo-sms-inbound",
    )
    assert response.status_code == 200
    assert applied == [{"sender": "+393331234567", "text": "OK 12 ✓ città"}]


def test_a_posted_form_with_the_token_as_a_header(assigned, client_for, settings):
    settings.PRONTO_SMS_INBOUND_TOKEN = "demo-sms-inbound"
    response = client_for(None).post(
        INBOUND,
        f"sender=%2B393331234567&text=OK+{assigned.pk}",
        content_type="application/x-www-form-urlencoded",
        HTTP_X_PRONTO_TOKEN="demo-sms-inbound",
    )
    assert response.status_code == 200
    assigned.refresh_from_db()
    assert assigned.status == "acknowledged"


def test_the_token_header_works_for_get_and_a_wrong_header_is_not_saved_by_the_query(
    assigned, client_for, settings
):
    settings.PRONTO_SMS_INBOUND_TOKEN = "demo-sms-inbound"
    client = client_for(None)
    query = {"sender": "+393331234567", "text": f"OK {assigned.pk}", "token": "demo-sms-inbound"}
    refused = client.get(INBOUND, query, HTTP_X_PRONTO_TOKEN="wrong")
    assert refused.status_code == 403
    assigned.refresh_from_db()
    assert assigned.status == "assigned"
    del query["token"]
    assert client.get(INBOUND, query, HTTP_X_PRONTO_TOKEN="demo-sms-inbound").status_code == 200
    assigned.refresh_from_db()
    assert assigned.status == "acknowledged"


def test_a_body_that_is_neither_form_nor_text_is_415_only_with_the_token(client_for, settings):
    settings.PRONTO_SMS_INBOUND_TOKEN = "demo-sms-inbound"
    client = client_for(None)
    body = {"sender": "+393331234567", "text": "OK"}
    assert client.post(INBOUND, body, format="json", HTTP_X_PRONTO_TOKEN="wrong").status_code == 403
    assert (
        client.post(INBOUND, body, format="json", HTTP_X_PRONTO_TOKEN="demo-sms-inbound").status_code == 415
    )


@pytest.mark.parametrize(
    ("allowed", "address", "code"),
    [
        ([], "203.0.113.9", 200),
        (["10.0.0.5"], "10.0.0.5", 200),
        (["192.168.1.0/24", "10.0.0.5"], "192.168.1.77", 200),
        (["10.0.0.5"], "10.0.0.6", 403),
        (["192.168.1.0/24"], "192.168.2.1", 403),
        (["::1"], "127.0.0.1", 403),
        (["10.0.0.0/8"], "::ffff:10.1.2.3", 200),
        (["not-an-address"], "10.0.0.5", 403),  # refused at start-up (notifications.E011); closed meanwhile
    ],
)
def test_the_address_allow_list(assigned, client_for, settings, allowed, address, code):
    settings.PRONTO_SMS_INBOUND_TOKEN = "demo-sms-inbound"
    settings.PRONTO_SMS_INBOUND_ALLOWED_ADDRESSES = allowed
    client = client_for(None)
    query = {"token": "demo-sms-inbound", "sender": "+393331234567", "text": f"OK {assigned.pk}"}
    got = client.get(INBOUND, query, REMOTE_ADDR=address)
    posted = client.post(
        f"{INBOUND}?token=demo-sms-inbound&sender=%2B393331234567",
        f"OK {assigned.pk}".encode(),
        content_type="text/plain",
        REMOTE_ADDR=address,
    )
    assert (got.status_code, posted.status_code) == (code, code)
    assigned.refresh_from_db()
    assert assigned.status == ("acknowledged" if code == 200 else "assigned")


def test_an_allow_list_that_does_not_parse_stops_the_start(settings):
    from notifications.checks import sms_inbound_addresses_check

    settings.PRONTO_SMS_INBOUND_ALLOWED_ADDRESSES = ["10.0.0.5", "10.0.0.0/33"]
    [error] = sms_inbound_addresses_check()
    assert error.id == "notifications.E011" and "'10.0.0.0/33'" in error.msg
    settings.PRONTO_SMS_INBOUND_ALLOWED_ADDRESSES = ["10.0.0.5", " 192.168.0.0/16"]
    assert sms_inbound_addresses_check() == []
