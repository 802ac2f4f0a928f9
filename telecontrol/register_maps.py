"""Register maps: which Modbus registers mean what, as data (stored on telecontrol profiles).

The default map (``DEFAULT_REGISTER_MAP``), documented in docs/telecontrol.md:

- holding register 0: status word; bit 0 active, bit 1 anomaly, bit 2 out of service;
- holding register 1: alarm code (0 = none);
- holding registers 2..5: measurements (inlet and outlet pressure, temperature, flow).

``registers_decode`` turns the registers read into a reading; it never trusts the reply's
length, so a short reply is an error, not an ``IndexError``.
"""

from dataclasses import dataclass, field
from typing import Any, TypeGuard

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_REGISTER_MAP: dict[str, Any] = {
    "table": "holding",
    "start": 0,
    "count": 6,
    "status_register": 0,
    "status_bits": {"active": 0, "anomaly": 1, "out_of_service": 2},
    "alarm_code_register": 1,
    "measurements": [
        {"name": "inlet_pressure", "register": 2, "scale": 0.01, "unit": "bar"},
        {"name": "outlet_pressure", "register": 3, "scale": 1, "unit": "mbar"},
        {"name": "temperature", "register": 4, "scale": 0.1, "unit": "°C", "signed": True},
        {"name": "flow", "register": 5, "scale": 1, "unit": "m³/h"},
    ],
}

STATUS_FLAGS = ("active", "anomaly", "out_of_service")
TABLES = ("holding", "input")
MAX_REGISTERS = 125  # the most one Modbus read may ask for


def default_register_map() -> dict[str, Any]:
    return {**DEFAULT_REGISTER_MAP, "measurements": [dict(m) for m in DEFAULT_REGISTER_MAP["measurements"]]}


def _int_in(value: object, low: int, high: int) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def register_map_validate(value: Any) -> None:
    """Raise ``ValidationError`` naming the first thing wrong with a register map."""
    if not isinstance(value, dict):
        raise ValidationError(_("A register map is a JSON object."))
    table, start, count = value.get("table", "holding"), value.get("start"), value.get("count")
    if table not in TABLES:
        raise ValidationError(_("'table' must be 'holding' or 'input'."))
    if not _int_in(start, 0, 65535) or not _int_in(count, 1, MAX_REGISTERS) or start + count > 65536:
        raise ValidationError(
            _("'start' must be 0-65535 and 'count' 1-%(max)d registers.") % {"max": MAX_REGISTERS}
        )
    last = start + count - 1

    def check_register(name: str, register) -> None:
        if not _int_in(register, start, last):
            raise ValidationError(
                _("%(name)s must be a register between %(start)d and %(last)d.")
                % {"name": name, "start": start, "last": last}
            )

    check_register("status_register", value.get("status_register"))
    bits = value.get("status_bits")
    if not isinstance(bits, dict) or set(bits) - set(STATUS_FLAGS) or not bits:
        raise ValidationError(_("'status_bits' maps active, anomaly and out_of_service to bit numbers."))
    for flag, bit in bits.items():
        if not _int_in(bit, 0, 15):
            raise ValidationError(_("Status bit of %(flag)s must be 0-15.") % {"flag": flag})
    if value.get("alarm_code_register") is not None:
        check_register("alarm_code_register", value["alarm_code_register"])
    measurements = value.get("measurements", [])
    if not isinstance(measurements, list):
        raise ValidationError(_("'measurements' is a list."))
    names = set()
    for measurement in measurements:
        if not isinstance(measurement, dict) or not isinstance(measurement.get("name"), str):
            raise ValidationError(_("Each measurement needs a name."))
        name = measurement["name"]
        if not name or len(name) > 64 or name in names:
            raise ValidationError(_("Measurement names are unique, 1-64 characters."))
        names.add(name)
        check_register(name, measurement.get("register"))
        scale = measurement.get("scale", 1)
        if isinstance(scale, bool) or not isinstance(scale, int | float) or scale == 0:
            raise ValidationError(_("The scale of %(name)s must be a non-zero number.") % {"name": name})
        if not isinstance(measurement.get("unit", ""), str) or not isinstance(
            measurement.get("signed", False), bool
        ):
            raise ValidationError(_("Unit is text and signed is true or false (%(name)s).") % {"name": name})


class ShortReplyError(ValueError):
    """The plant answered fewer registers than the map needs."""


@dataclass(slots=True)
class DecodedRegisters:
    active: bool | None
    anomaly: bool | None
    out_of_service: bool | None
    alarm_code: str
    measurements: dict[str, dict[str, Any]] = field(default_factory=dict)


def registers_decode(register_map: dict[str, Any], registers: list[int]) -> DecodedRegisters:
    """Decode a reply's registers with ``register_map`` (already validated). Runs once per plant
    per poll: kept to plain lookups."""
    start, count = register_map["start"], register_map["count"]
    if len(registers) < count:
        raise ShortReplyError(f"{len(registers)} registers in the reply, {count} expected")
    status = registers[register_map["status_register"] - start]
    bits = register_map["status_bits"]
    active, anomaly, out_of_service = (
        None if (bit := bits.get(flag)) is None else bool(status >> bit & 1) for flag in STATUS_FLAGS
    )
    code_register = register_map.get("alarm_code_register")
    code = registers[code_register - start] if code_register is not None else 0
    measurements = {}
    for item in register_map.get("measurements", ()):
        raw = registers[item["register"] - start]
        if raw >= 0x8000 and item.get("signed"):
            raw -= 0x10000
        scale = item.get("scale", 1)
        # round(): 35 * 0.1 is 3.5000000000000004 in binary floating point.
        value = raw if scale == 1 else round(raw * scale, 6)
        measurements[item["name"]] = {"value": value, "unit": item.get("unit", "")}
    return DecodedRegisters(active, anomaly, out_of_service, str(code) if code else "", measurements)
