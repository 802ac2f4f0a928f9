import json
import time
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from dispatch.models import Call, Event, TelephonyReceipt
from telephony.signatures import telephony_signature
from telephony.tasks import telephony_receipts_prune

SECRET = "test-telephony-secret-0123456789abcdef"
URL = "/api/telephony/events/"


@pytest.fixture(autouse=True)
def secret(settings):
    settings.PRONTO_TELEPHONY_SECRET = SECRET


def signed(payload: dict, *, secret=SECRET, timestamp=None, body=None):
    body = body if body is not None else json.dumps(payload).encode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    return body, {
        "HTTP_X_PRONTO_TIMESTAMP": timestamp,
        "HTTP_X_PRONTO_SIGNATURE": telephony_signature(secret=secret, timestamp=timestamp, body=body),
    }


def post(payload, **kwargs):
    body, headers = signed(payload, **kwargs)
    return APIClient().post(URL, body, content_type="application/json", **headers)


def event(kind, at, call_id="pbx-1", **extra):
    return {"call_id": call_id, "event": kind, "timestamp": at.isoformat(), **extra}


def test_ring_answer_hangup_fill_the_call_by_themselves(users, plant):
    start = timezone.now() - timedelta(minutes=3)
    ring = post(event("ring", start, caller="347 123 4567", line="800-900-000"))
    assert ring.status_code == 201 and ring.json()["created"] is True
    answer = post(event("answer", start + timedelta(seconds=12), agent="operator"))
    assert answer.status_code == 200
    hangup = post(event("hangup", start + timedelta(seconds=132)))
    assert hangup.status_code == 200
    call = Call.objects.get(external_id="pbx-1")
    assert call.caller_number == "+393471234567" and call.line == "800-900-000" and call.source == "telephony"
    assert call.received_at == start
    assert call.answered_at == start + timedelta(seconds=12)
    assert call.ended_at == start + timedelta(seconds=132)
    assert call.duration_seconds == 132
    assert call.operator == users["operator"]
    assert list(Event.objects.filter(call=call).order_by("seq").values_list("kind", "actor_label")) == [
        ("call.logged", "system"),
        ("call.answered", "system"),
        ("call.ended", "system"),
    ]


def test_repeated_event_with_a_fresh_signature_changes_nothing(users):
    start = timezone.now() - timedelta(minutes=1)
    post(event("ring", start, caller="0212345678"))
    post(event("hangup", start + timedelta(seconds=40)))
    second = post(event("hangup", start + timedelta(seconds=99)), timestamp=int(time.time()) - 1)
    assert second.status_code == 200
    call = Call.objects.get(external_id="pbx-1")
    assert call.duration_seconds == 40
    assert Event.objects.filter(call=call).count() == 2


def test_hangup_without_ring_still_logs_the_call(users):
    at = timezone.now() - timedelta(seconds=5)
    response = post(event("hangup", at, call_id="lost-ring", caller="0212345678"))
    assert response.status_code == 201
    call = Call.objects.get(external_id="lost-ring")
    assert call.received_at == call.ended_at == at and call.duration_seconds == 0


def test_answer_after_the_call_ended_is_409(users):
    start = timezone.now() - timedelta(minutes=1)
    post(event("ring", start, caller="0212345678"))
    post(event("hangup", start + timedelta(seconds=30)))
    response = post(event("answer", start + timedelta(seconds=5)))
    assert response.status_code == 409
    assert Call.objects.get(external_id="pbx-1").answered_at is None


def test_replayed_request_is_refused(users):
    body, headers = signed(event("ring", timezone.now(), caller="0212345678"))
    client = APIClient()
    assert client.post(URL, body, content_type="application/json", **headers).status_code == 201
    replay = client.post(URL, body, content_type="application/json", **headers)
    assert replay.status_code == 403 and "Replayed" in replay.json()["detail"]
    assert Call.objects.count() == 1


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda body, h: (body, {**h, "HTTP_X_PRONTO_SIGNATURE": "sha256=" + "0" * 64}), "Bad signature"),
        (lambda body, h: (body.replace(b"0212345678", b"0299999999"), h), "Bad signature"),
        (
            lambda body, h: (body, {k: v for k, v in h.items() if k != "HTTP_X_PRONTO_SIGNATURE"}),
            "Bad signature",
        ),
        (
            lambda body, h: (body, {k: v for k, v in h.items() if k != "HTTP_X_PRONTO_TIMESTAMP"}),
            "X-Pronto-Timestamp",
        ),
    ],
)
def test_bad_signatures_are_refused(mangle, message, users):
    body, headers = mangle(*signed(event("ring", timezone.now(), caller="0212345678")))
    response = APIClient().post(URL, body, content_type="application/json", **headers)
    assert response.status_code == 403 and message in response.json()["detail"]
    assert not Call.objects.exists()


def test_wrong_secret_and_stale_timestamp_are_refused(users):
    payload = event("ring", timezone.now(), caller="0212345678")
    assert post(payload, secret="another-secret").status_code == 403
    stale = post(payload, timestamp=int(time.time()) - 3600)
    assert stale.status_code == 403 and "window" in stale.json()["detail"]
    assert not Call.objects.exists()


def test_bad_payload_is_400_and_can_be_retried_with_the_same_signature(users):
    body, headers = signed({}, body=b'{"call_id": "x", "event": "explode", "timestamp": "now"}')
    response = APIClient().post(URL, body, content_type="application/json", **headers)
    assert response.status_code == 400 and {"event", "timestamp"} <= set(response.json())
    assert not TelephonyReceipt.objects.exists()


def test_session_and_token_users_cannot_post_events(users, client_for):
    response = client_for("supervisor").post(URL, event("ring", timezone.now(), caller="0212345678"))
    assert response.status_code == 403
    assert not Call.objects.exists()


def test_webhook_refuses_everything_when_no_secret_is_configured(settings, users):
    settings.PRONTO_TELEPHONY_SECRET = ""
    response = post(event("ring", timezone.now(), caller="0212345678"), secret="")
    assert response.status_code == 403 and "not configured" in response.json()["detail"]


def test_receipts_are_pruned_after_the_window(users):
    post(event("ring", timezone.now(), caller="0212345678"))
    TelephonyReceipt.objects.update(received_at=timezone.now() - timedelta(hours=1))
    post(event("hangup", timezone.now(), caller="0212345678"))
    assert telephony_receipts_prune() == 1
    assert TelephonyReceipt.objects.count() == 1


@pytest.mark.parametrize(
    ("ring", "answer", "hangup", "seconds"),
    [
        # The clocks jump from 02:00 CET to 03:00 CEST: 190 s, not 3,790.
        ("2026-03-29T01:59:00+01:00", "2026-03-29T03:00:05+02:00", "2026-03-29T03:02:10+02:00", 190),
        # The clocks fall back from 03:00 CEST to 02:00 CET: 15 min, not minus 45.
        ("2026-10-25T02:50:00+02:00", "2026-10-25T02:59:30+02:00", "2026-10-25T02:05:00+01:00", 900),
    ],
)
def test_a_call_across_a_daylight_saving_change_lasts_its_real_time(users, ring, answer, hangup, seconds):
    from dispatch.timing import seconds_between

    def at(text):
        return datetime.fromisoformat(text)

    assert post(event("ring", at(ring), caller="0212345678")).status_code == 201
    assert post(event("answer", at(answer), agent="operator")).status_code == 200
    assert post(event("hangup", at(hangup))).status_code == 200
    call = Call.objects.get(external_id="pbx-1")
    assert call.duration_seconds == seconds
    assert seconds_between(call.received_at, call.ended_at) == seconds
    assert call.ended_at == at(hangup) and call.answered_at == at(answer)
