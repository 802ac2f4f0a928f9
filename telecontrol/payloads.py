"""The MQTT payloads plants publish, validated at the edge (schema in docs/telecontrol.md).

``<prefix>/<plant code>/telemetry``::

    {"ts": "2026-11-23T10:00:00Z", "seq": 41, "active": true, "anomaly": false,
     "out_of_service": false, "alarm_code": 0,
     "measurements": {"inlet_pressure": {"value": 4.2, "unit": "bar"}, "flow": 120}}

``<prefix>/<plant code>/alarm``::

    {"ts": "2026-11-23T10:00:00Z", "code": "17", "state": "raised", "message": "Low pressure"}

Every field but ``code`` (alarms) is optional; ``ts`` defaults to the time of receipt. A
message that breaks the schema raises ``PayloadRejected`` with the reason that is counted.
"""

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from dispatch.inputs import JsonRefused, json_parse
from dispatch.timing import seconds_between

from .choices import RejectionReason

FLAGS = ("active", "anomaly", "out_of_service")
MAX_MEASUREMENTS = 64
MAX_NAME = 64
MAX_MESSAGE = 500
# A plant's clock may run a little ahead; data from further in the future would look fresh forever.
MAX_CLOCK_AHEAD = timedelta(minutes=5)


class PayloadRejected(ValueError):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


@dataclass(slots=True)
class TelemetryMessage:
    plant_code: str
    observed_at: datetime
    active: bool | None = None
    anomaly: bool | None = None
    out_of_service: bool | None = None
    alarm_code: str = ""
    measurements: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class AlarmMessage:
    plant_code: str
    observed_at: datetime
    code: str
    raised: bool
    message: str = ""


TELEMETRY_FLAGS = ("active", "anomaly", "out_of_service")


def telemetry_merged(earlier: TelemetryMessage, later: TelemetryMessage) -> TelemetryMessage:
    """``later``, with each flag it leaves out taken from ``earlier``: a flag a message omits
    means "as it was" (docs/telecontrol.md), so two messages of one batch must not lose one."""
    kept = {flag: getattr(earlier, flag) for flag in TELEMETRY_FLAGS if getattr(later, flag) is None}
    return replace(later, **kept) if kept else later


def _invalid(detail: str) -> PayloadRejected:
    return PayloadRejected(RejectionReason.INVALID, detail)


# The schema nests 3 levels (measurements, one measurement); the rest is slack for additions.
MAX_DEPTH = 8
_REFUSALS = {
    "oversized": RejectionReason.OVERSIZED,
    "too_deep": RejectionReason.MALFORMED,
    "malformed": RejectionReason.MALFORMED,
}


def _load(payload: bytes, max_bytes: int) -> dict:
    try:
        body = json_parse(payload, max_bytes=max_bytes, max_depth=MAX_DEPTH)
    except JsonRefused as refused:
        raise PayloadRejected(_REFUSALS[refused.reason], refused.detail) from None
    if not isinstance(body, dict):
        raise _invalid("the payload must be a JSON object")
    return body


def _timestamp(value: Any, received_at: datetime) -> datetime:
    if value is None:
        return received_at
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise _invalid("ts is not an ISO 8601 date and time") from None
        if moment.tzinfo is None:
            raise _invalid("ts needs a time zone (Z or an offset)")
    elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        try:
            moment = datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise _invalid("ts is out of range") from None
    else:
        raise _invalid("ts must be an ISO 8601 string or seconds since the epoch")
    if seconds_between(received_at, moment) > MAX_CLOCK_AHEAD.total_seconds():
        raise _invalid("ts is in the future: check the plant's clock")
    return moment


def _number(value: Any, name: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _invalid(f"measurement {name} must be a finite number")
    return value


def _measurements(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _invalid("measurements must be an object")
    if len(value) > MAX_MEASUREMENTS:
        raise _invalid(f"at most {MAX_MEASUREMENTS} measurements")
    result = {}
    for name, item in value.items():
        if not name or len(name) > MAX_NAME:
            raise _invalid(f"measurement names are 1-{MAX_NAME} characters")
        if isinstance(item, dict):
            unit = item.get("unit", "")
            if not isinstance(unit, str) or len(unit) > 16:
                raise _invalid(f"unit of {name} must be text of at most 16 characters")
            result[name] = {"value": _number(item.get("value"), name), "unit": unit}
        else:
            result[name] = {"value": _number(item, name), "unit": ""}
    return result


def _code(value: Any, field_name: str) -> str:
    if value is None or value == 0 or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _invalid(f"{field_name} must be text or an integer")
    text = str(value)
    if len(text) > 64:
        raise _invalid(f"{field_name} is at most 64 characters")
    return text


def telemetry_parse(
    plant_code: str, payload: bytes, *, received_at: datetime, max_bytes: int
) -> TelemetryMessage:
    body = _load(payload, max_bytes)
    flags = {}
    for name in FLAGS:
        value = body.get(name)
        if value is not None and not isinstance(value, bool):
            raise _invalid(f"{name} must be true or false")
        flags[name] = value
    return TelemetryMessage(
        plant_code=plant_code,
        observed_at=_timestamp(body.get("ts"), received_at),
        alarm_code=_code(body.get("alarm_code"), "alarm_code"),
        measurements=_measurements(body.get("measurements")),
        **flags,
    )


def alarm_parse(plant_code: str, payload: bytes, *, received_at: datetime, max_bytes: int) -> AlarmMessage:
    body = _load(payload, max_bytes)
    code = _code(body.get("code"), "code")
    if not code:
        raise _invalid("an alarm needs a code")
    state = body.get("state", "raised")
    if state not in ("raised", "cleared"):
        raise _invalid("state must be 'raised' or 'cleared'")
    message = body.get("message", "")
    if not isinstance(message, str) or len(message) > MAX_MESSAGE:
        raise _invalid(f"message must be text of at most {MAX_MESSAGE} characters")
    return AlarmMessage(
        plant_code=plant_code,
        observed_at=_timestamp(body.get("ts"), received_at),
        code=code,
        raised=state == "raised",
        message=message,
    )


def topic_parse(topic: str, prefix: str) -> tuple[str, str]:
    """``<prefix>/<code>/<kind>`` to ``(code, kind)``; anything else is an unknown topic."""
    parts = topic.split("/")
    prefix_parts = prefix.split("/") if prefix else []
    if len(parts) != len(prefix_parts) + 2 or parts[: len(prefix_parts)] != prefix_parts:
        raise PayloadRejected(RejectionReason.UNKNOWN_TOPIC, topic[:200])
    code, kind = parts[-2], parts[-1]
    if kind not in ("telemetry", "alarm") or not code:
        raise PayloadRejected(RejectionReason.UNKNOWN_TOPIC, topic[:200])
    return code, kind
