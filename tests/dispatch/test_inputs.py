"""dispatch.inputs: the one way each to read a number, a secret, JSON and an address from outside."""

import json

import pytest

from dispatch.inputs import (
    MAX_ID,
    JsonRefused,
    address_allowed,
    id_parse,
    integer_parse,
    json_depth,
    json_parse,
    networks_parse,
    secret_matches,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("7", 7),
        ("-7", -7),
        ("-0", 0),
        ("007", 7),
        ("9223372036854775807", MAX_ID),
        ("-9223372036854775808", -(2**63)),
        (42, 42),
    ],
)
def test_integers_that_parse(text, value):
    assert integer_parse(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "²",  # str.isdigit() says yes, int() says no
        "١٢٣",  # Arabic-Indic digits: int() reads them as 123
        "１２",  # fullwidth digits
        " 1",
        "1 ",
        "1\n",
        "\t1",
        "+1",
        "--1",
        "1_000",
        "1.0",
        "1e3",
        "0x10",
        "9223372036854775808",  # 2**63: one past a bigint
        "-9223372036854775809",
        "9" * 20,
        "9" * 5000,  # past Python's int-from-text limit: refused before int() sees it
        None,
        True,
        1.0,
        b"1",
        ["1"],
        2**63,
    ],
)
def test_anything_else_is_not_an_integer(text):
    assert integer_parse(text) is None


def test_bounds_are_inclusive_and_ids_start_at_one():
    assert integer_parse("4", minimum=1, maximum=4) == 4
    assert integer_parse("5", minimum=1, maximum=4) is None
    assert integer_parse("0", minimum=1) is None
    assert [id_parse(text) for text in ("1", str(MAX_ID), "0", "-1", str(MAX_ID + 1))] == [
        1,
        MAX_ID,
        None,
        None,
        None,
    ]


@pytest.mark.parametrize(
    ("expected", "given", "matches"),
    [
        ("s3cret", "s3cret", True),
        ("s3cret", "s3cre", False),
        ("s3cret", "é", False),  # hmac.compare_digest("s3cret", "é") raises TypeError
        ("s3cret", "s3creté", False),
        ("città", "città", True),  # a non-ASCII secret works too
        ("s3cret", "\ud800", False),  # a lone surrogate
        ("s3cret", "", False),
        ("s3cret", None, False),
        ("s3cret", b"s3cret", False),
        ("", "", False),  # not configured matches nothing
        ("", "anything", False),
    ],
)
def test_secrets_compare_as_bytes_and_never_raise(expected, given, matches):
    assert secret_matches(expected, given) is matches


def test_json_depth_counts_nesting_not_brackets_in_text():
    assert json_depth("1") == 0
    assert json_depth('"[[[["') == 0
    assert json_depth('{"a": "[[\\"[", "b": [[1], [2]]}') == 3
    assert json_depth("[" * 100_000) == 100_000


def test_json_within_the_limits_parses():
    body = {"ts": "2026-11-23T10:00:00Z", "measurements": {"flow": {"value": 1.5, "unit": "m³/h"}}}
    assert json_parse(json.dumps(body).encode(), max_bytes=1024, max_depth=3) == body
    assert json_parse(json.dumps(body), max_bytes=1024) == body
    assert json_parse(b"\xef\xbb\xbf[1]", max_bytes=16) == [1]  # a UTF-8 BOM
    assert json_parse("[1]".encode("utf-16"), max_bytes=16) == [1]
    assert json_parse(b"[" * 4 + b"]" * 4, max_bytes=16, max_depth=4) == [[[[]]]]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"[" * 5 + b"]" * 5, "too_deep"),
        (b"[" * 100_000 + b"]" * 100_000, "oversized"),  # the size is checked first
        (b'{"a":' * 1200 + b"1" + b"}" * 1200, "too_deep"),  # json.loads: RecursionError
        (b"[" * 3000, "too_deep"),  # unterminated, still too deep
        (b"{garbled", "malformed"),
        (b"", "malformed"),
        (b"\xff\xfe\xfd", "malformed"),
        (b'{"a": NaN}', "malformed"),
        (b"[Infinity]", "malformed"),
        (b"1" * 5000, "malformed"),  # more digits than Python turns into an int
        ('"\ud800"'.encode("utf-8", "surrogatepass"), "malformed"),
    ],
)
def test_json_refused_with_its_reason(payload, reason):
    with pytest.raises(JsonRefused) as refused:
        json_parse(payload, max_bytes=8192, max_depth=4)
    assert refused.value.reason == reason and refused.value.detail


def test_networks_and_addresses():
    networks = networks_parse(["10.0.0.5", " 192.168.1.0/24 ", "", "::1", "10.1.2.3/8"])
    assert [str(network) for network in networks] == [
        "10.0.0.5/32",
        "192.168.1.0/24",
        "::1/128",
        "10.0.0.0/8",
    ]
    assert address_allowed("192.168.1.77", networks)
    assert address_allowed("10.200.0.1", networks)
    assert address_allowed("::ffff:192.168.1.77", networks)  # IPv4 seen through an IPv6 socket
    assert address_allowed("::1", networks)
    assert not address_allowed("192.168.2.1", networks)
    assert not address_allowed("not an address", networks)
    assert not address_allowed("", networks)
    assert not address_allowed(None, networks)
    assert not address_allowed("10.0.0.5", ())
    with pytest.raises(ValueError, match="'10.0.0.300'"):
        networks_parse(["10.0.0.1", "10.0.0.300"])
    with pytest.raises(ValueError, match="'gateway.example.org'"):
        networks_parse(["gateway.example.org"])
