import pytest
from django.core.exceptions import ValidationError

from telecontrol.register_maps import (
    ShortReplyError,
    default_register_map,
    register_map_validate,
    registers_decode,
)


def test_default_map_decodes_status_bits_alarm_code_and_scaled_measurements():
    decoded = registers_decode(default_register_map(), [0b011, 17, 420, 25, 0xFFF6, 150])
    assert (decoded.active, decoded.anomaly, decoded.out_of_service) == (True, True, False)
    assert decoded.alarm_code == "17"
    assert decoded.measurements["inlet_pressure"] == {"value": 4.2, "unit": "bar"}
    assert decoded.measurements["temperature"] == {"value": -1.0, "unit": "°C"}  # signed, tenths
    assert decoded.measurements["flow"] == {"value": 150, "unit": "m³/h"}


def test_out_of_service_bit_and_no_alarm_code():
    decoded = registers_decode(default_register_map(), [0b100, 0, 0, 0, 0, 0])
    assert (decoded.active, decoded.anomaly, decoded.out_of_service) == (False, False, True)
    assert decoded.alarm_code == ""


def test_short_reply_is_an_error_not_an_index_error():
    with pytest.raises(ShortReplyError, match="2 registers"):
        registers_decode(default_register_map(), [1, 0])


def test_default_map_is_valid_and_reads_every_flag_from_a_reply_of_its_length():
    register_map = default_register_map()
    register_map_validate(register_map)  # raises ValidationError when not
    decoded = registers_decode(register_map, [0] * register_map["count"])
    assert None not in (decoded.active, decoded.anomaly, decoded.out_of_service)
    assert set(decoded.measurements) == {item["name"] for item in register_map["measurements"]}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"table": "coils"}, "table"),
        ({"count": 0}, "count"),
        ({"count": 200}, "count"),
        ({"status_register": 9}, "status_register"),
        ({"status_bits": {"active": 16}}, "bit"),
        ({"status_bits": {"broken": 1}}, "status_bits"),
        ({"measurements": [{"name": "x", "register": 2, "scale": 0}]}, "scale"),
        ({"measurements": [{"name": "x", "register": 2}, {"name": "x", "register": 3}]}, "unique"),
        ({"measurements": [{"register": 2}]}, "name"),
    ],
)
def test_invalid_maps_are_refused_with_the_reason(change, message):
    with pytest.raises(ValidationError, match=message):
        register_map_validate({**default_register_map(), **change})
