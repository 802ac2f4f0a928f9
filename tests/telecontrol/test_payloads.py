import json
from datetime import UTC, datetime, timedelta

import pytest

from telecontrol.choices import RejectionReason
from telecontrol.payloads import PayloadRejected, alarm_parse, telemetry_parse, topic_parse

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def parse(body, **kwargs):
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    return telemetry_parse("P1", payload, received_at=NOW, max_bytes=kwargs.get("max_bytes", 8192))


def test_full_telemetry_message():
    message = parse(
        {
            "ts": "2026-11-23T09:59:30Z",
            "active": True,
            "anomaly": False,
            "out_of_service": False,
            "alarm_code": 0,
            "measurements": {"inlet_pressure": {"value": 4.2, "unit": "bar"}, "flow": 12},
        }
    )
    assert message.observed_at == NOW - timedelta(seconds=30)
    assert (message.active, message.anomaly, message.alarm_code) == (True, False, "")
    assert message.measurements == {
        "inlet_pressure": {"value": 4.2, "unit": "bar"},
        "flow": {"value": 12, "unit": ""},
    }


def test_missing_timestamp_means_time_of_receipt_and_epoch_seconds_are_accepted():
    assert parse({}).observed_at == NOW
    assert parse({"ts": NOW.timestamp() - 5}).observed_at == NOW - timedelta(seconds=5)


@pytest.mark.parametrize(
    "payload, reason",
    [
        (b"{not json", RejectionReason.MALFORMED),
        (b"\xff\xfe", RejectionReason.MALFORMED),
        (b'{"measurements": {"p": NaN}}', RejectionReason.MALFORMED),
        (b"[1, 2]", RejectionReason.INVALID),
        (json.dumps({"active": "yes"}).encode(), RejectionReason.INVALID),
        (json.dumps({"ts": "2026-11-23T10:00:00"}).encode(), RejectionReason.INVALID),  # naive
        (json.dumps({"ts": "2026-11-23T11:00:00Z"}).encode(), RejectionReason.INVALID),  # future
        (json.dumps({"ts": "yesterday"}).encode(), RejectionReason.INVALID),
        (json.dumps({"measurements": {"p": "high"}}).encode(), RejectionReason.INVALID),
        (json.dumps({"measurements": {f"m{i}": i for i in range(65)}}).encode(), RejectionReason.INVALID),
        (json.dumps({"alarm_code": 1.5}).encode(), RejectionReason.INVALID),
    ],
)
def test_bad_telemetry_is_rejected_with_a_reason(payload, reason):
    with pytest.raises(PayloadRejected) as rejected:
        parse(payload)
    assert rejected.value.reason == reason
    assert rejected.value.detail


def test_oversized_payload_is_rejected_before_parsing():
    with pytest.raises(PayloadRejected) as rejected:
        parse(b"{" + b" " * 9000 + b"}")
    assert rejected.value.reason == RejectionReason.OVERSIZED


def test_alarm_messages():
    raised = alarm_parse("P1", b'{"code": 17, "message": "Low pressure"}', received_at=NOW, max_bytes=8192)
    assert (raised.code, raised.raised, raised.message) == ("17", True, "Low pressure")
    cleared = alarm_parse("P1", b'{"code": "17", "state": "cleared"}', received_at=NOW, max_bytes=8192)
    assert cleared.raised is False
    for bad in (b"{}", b'{"code": "x", "state": "maybe"}', b'{"code": true}'):
        with pytest.raises(PayloadRejected):
            alarm_parse("P1", bad, received_at=NOW, max_bytes=8192)


@pytest.mark.parametrize(
    "topic, prefix, expected",
    [
        ("plants/REMI-1/telemetry", "plants", ("REMI-1", "telemetry")),
        ("acme/plants/REMI-1/alarm", "acme/plants", ("REMI-1", "alarm")),
        ("REMI-1/alarm", "", ("REMI-1", "alarm")),
    ],
)
def test_topics(topic, prefix, expected):
    assert topic_parse(topic, prefix) == expected


@pytest.mark.parametrize(
    "topic", ["plants/REMI-1/status", "other/REMI-1/telemetry", "plants/telemetry", "plants//alarm"]
)
def test_unknown_topics_are_rejected(topic):
    with pytest.raises(PayloadRejected) as rejected:
        topic_parse(topic, "plants")
    assert rejected.value.reason == RejectionReason.UNKNOWN_TOPIC


@pytest.mark.parametrize(
    ("received", "ts", "accepted"),
    [
        # Received 01:58 CET: 5 min ahead is 03:03 CEST.
        ("2026-03-29T01:58:00+01:00", "2026-03-29T03:03:00+02:00", True),
        ("2026-03-29T01:58:00+01:00", "2026-03-29T03:04:00+02:00", False),
        # Received 02:58 CEST: 5 min ahead is 02:03 CET, not 03:03 CET.
        ("2026-10-25T02:58:00+02:00", "2026-10-25T02:03:00+01:00", True),
        ("2026-10-25T02:58:00+02:00", "2026-10-25T02:30:00+01:00", False),
    ],
)
def test_a_plant_clock_ahead_is_measured_in_real_time_across_a_change(received, ts, accepted):
    from zoneinfo import ZoneInfo

    received_at = datetime.fromisoformat(received).astimezone(ZoneInfo("Europe/Rome"))
    payload = json.dumps({"ts": ts}).encode()
    if accepted:
        message = telemetry_parse("P1", payload, received_at=received_at, max_bytes=8192)
        assert message.observed_at == datetime.fromisoformat(ts)
    else:
        with pytest.raises(PayloadRejected, match="future"):
            telemetry_parse("P1", payload, received_at=received_at, max_bytes=8192)


@pytest.mark.parametrize(
    ("observed", "now", "age"),
    [
        ("2026-03-29T01:59:00+01:00", "2026-03-29T03:00:30+02:00", 90),
        ("2026-10-25T02:59:00+02:00", "2026-10-25T02:00:30+01:00", 90),
    ],
)
def test_data_age_is_real_time_across_a_change(observed, now, age):
    from zoneinfo import ZoneInfo

    from telecontrol.selectors import data_age_seconds

    rome = ZoneInfo("Europe/Rome")
    assert (
        data_age_seconds(
            datetime.fromisoformat(observed).astimezone(rome), datetime.fromisoformat(now).astimezone(rome)
        )
        == age
    )


def test_a_later_message_takes_the_flags_it_leaves_out_from_an_earlier_one_of_its_batch():
    from telecontrol.payloads import telemetry_merged

    earlier = parse({"ts": "2026-11-23T09:59:00Z", "anomaly": True, "active": True})
    later = parse({"ts": "2026-11-23T09:59:30Z", "active": False, "measurements": {"flow": 3}})
    merged = telemetry_merged(earlier, later)
    assert (merged.active, merged.anomaly, merged.out_of_service) == (False, True, None)
    assert merged.observed_at == later.observed_at and merged.measurements == later.measurements
