"""The request id (config/logging_context.py): answered in ``X-Request-ID``, taken from the
request only when it is a safe token, and carried by every log line written while serving it,
the lines of the tasks it runs in-process included (the embedded mode has no broker)."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator

import pytest
from django.test import override_settings

from config.logging_context import JsonFormatter, RequestContextFilter, TextFormatter

pytestmark = pytest.mark.urls("tests.ops_logging.urls")


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the test loggers write, through the production formatter and filter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    loggers = [logging.getLogger(name) for name in ("tests.ops_logging", "pronto.request")]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield stream
    for logger in loggers:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)


def records(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_request_without_an_id_gets_a_new_one(client):
    first = client.get("/probe/a/")["X-Request-ID"]
    second = client.get("/probe/a/")["X-Request-ID"]
    assert uuid.UUID(hex=first).version == 4
    assert first != second


def test_a_safe_id_from_the_load_balancer_is_kept(client):
    response = client.get("/probe/a/", headers={"X-Request-ID": "lb-7f3a9c21.0042"})
    assert response["X-Request-ID"] == "lb-7f3a9c21.0042"


@pytest.mark.parametrize(
    "bad",
    [
        "short",  # under 8 characters
        "x" * 129,  # over 128
        "abc def ghi",  # spaces would split a text log's columns
        'abcdefgh"}{"level":"CRITICAL',  # forging a JSON field
        "+393331234567",  # a caller's number is not an id
        "ünïcödé-ïd-123",
    ],
)
def test_an_unsafe_id_is_replaced(client, bad):
    answered = client.get("/probe/a/", headers={"X-Request-ID": bad})["X-Request-ID"]
    assert answered != bad
    assert uuid.UUID(hex=answered).version == 4


def test_every_line_of_the_request_carries_its_id_in_json(client, json_lines):
    response = client.get("/probe/alpha/", headers={"X-Request-ID": "req-0123456789abcdef"})
    assert response.status_code == 200
    lines = records(json_lines)
    by_message = {line["message"]: line for line in lines}
    assert {"view before alpha", "view after alpha", "probe first alpha", "probe second alpha"} <= set(
        by_message
    )
    assert {line["request_id"] for line in lines} == {"req-0123456789abcdef"}
    # The view's lines are outside any task; each eager task's lines name that task, and the
    # view's line after the tasks is back to no task (task_postrun put the context back).
    assert by_message["view before alpha"]["task_id"] is None
    assert by_message["view after alpha"]["task_id"] is None
    first, second = by_message["probe first alpha"]["task_id"], by_message["probe second alpha"]["task_id"]
    assert first and second and first != second
    assert by_message["view before alpha"]["level"] == "INFO"
    assert by_message["view before alpha"]["logger"] == "tests.ops_logging.view"


def test_the_access_line_names_the_route_not_the_path(client, json_lines):
    client.get("/probe/393331234567/?caller=%2B393331234567", headers={"X-Request-ID": "req-access-line-1"})
    access = [line for line in records(json_lines) if line["logger"] == "pronto.request"]
    assert len(access) == 1
    assert access[0]["route"] == "probe/<slug:label>/"
    assert access[0]["status"] == 200 and access[0]["method"] == "GET"
    assert access[0]["request_id"] == "req-access-line-1"
    assert "393331234567" not in json.dumps(access[0])


def test_no_id_outside_a_request(json_lines):
    logging.getLogger("tests.ops_logging.view").info("no request")
    assert records(json_lines)[0]["request_id"] is None


def test_the_text_format_shows_the_ids_readably(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TextFormatter())
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger("tests.ops_logging")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        client.get("/probe/beta/", headers={"X-Request-ID": "req-text-000001"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    lines = stream.getvalue().splitlines()
    before = next(line for line in lines if line.endswith("view before beta"))
    assert "[req=req-text-000001]" in before
    task_line = next(line for line in lines if line.endswith("probe first beta"))
    assert "[req=req-text-000001 task=" in task_line


def test_the_format_setting_is_checked(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import config.logging_settings as module

    monkeypatch.setenv("PRONTO_LOG_FORMAT", "xml")
    with pytest.raises(ImproperlyConfigured, match="PRONTO_LOG_FORMAT"):
        importlib.reload(module)
    monkeypatch.delenv("PRONTO_LOG_FORMAT")
    monkeypatch.setenv("PRONTO_ENV", "production")
    assert importlib.reload(module).PRONTO_LOG_FORMAT == "json"
    monkeypatch.setenv("PRONTO_ENV", "embedded")
    assert importlib.reload(module).PRONTO_LOG_FORMAT == "text"


@override_settings(PRONTO_LOG_FORMAT="json")
def test_the_handlers_of_a_worker_get_the_format_and_the_filter():
    from config.logging_context import celery_handlers_format

    logger = logging.getLogger("tests.ops_logging.celery_like")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        celery_handlers_format(logger=logger)
        celery_handlers_format(logger=logger)
    finally:
        logger.removeHandler(handler)
    assert isinstance(handler.formatter, JsonFormatter)
    assert sum(isinstance(f, RequestContextFilter) for f in handler.filters) == 1
