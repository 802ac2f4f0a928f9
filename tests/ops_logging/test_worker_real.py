# ruff: noqa: F811  (the fixtures imported below are the test's arguments)
"""The request id crosses the broker: a request enqueues the probe task into a private Redis, a
real ``celery worker`` process (JSON logs to its ``--logfile``) runs it, and the task it enqueues in
turn; both tasks' log lines carry the id the request was answered with. The probe touches no
database, so this runs on SQLite as on PostgreSQL."""

from __future__ import annotations

import json

import pytest

from tests.notifications.celery.test_worker_real import broker, redis_broker, wait_until  # noqa: F401
from tests.servers.celery_worker import CeleryWorker

pytestmark = [pytest.mark.real_component, pytest.mark.urls("tests.ops_logging.urls")]


def json_records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_task_enqueued_by_a_request_logs_the_request_id_in_a_real_worker(broker, client, tmp_path):
    worker = CeleryWorker(
        broker_url=broker.url(),
        database_url=f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        env={"PRONTO_LOG_FORMAT": "json", "PRONTO_EXTRA_APPS": "tests.ops_logging.probe"},
    )
    try:
        worker.start()
    except RuntimeError as exc:
        pytest.fail(f"celery worker did not start: {exc}")
    try:
        response = client.get("/probe/gamma/", headers={"X-Request-ID": "req-worker-0123456789"})
        assert response.status_code == 200
        response_id = response["X-Request-ID"]

        def probe_lines() -> list[dict]:
            return [r for r in json_records(worker.log()) if r["message"].startswith("probe ")]

        wait_until(lambda: len(probe_lines()) >= 2, 30, lambda: worker.log()[-3000:])
        # A request that sent no id: the worker's lines carry the one it was answered with.
        second = client.get("/probe/delta/")
        wait_until(lambda: len(probe_lines()) >= 4, 30, lambda: worker.log()[-3000:])
    finally:
        worker.stop()

    every = json_records(worker.log())
    assert every, "the worker wrote no JSON line"
    lines = {r["message"]: r for r in probe_lines()}
    assert lines["probe first gamma"]["request_id"] == response_id == "req-worker-0123456789"
    # Enqueued by the task, not by the request: the id is inherited.
    assert lines["probe second gamma"]["request_id"] == response_id
    assert lines["probe first gamma"]["task_id"] != lines["probe second gamma"]["task_id"]
    assert lines["probe first delta"]["request_id"] == second["X-Request-ID"]
    assert lines["probe second delta"]["request_id"] == second["X-Request-ID"]
    # The worker's own lines, outside any task, carry no request id.
    ready = next(r for r in every if r["message"].endswith(" ready."))
    assert ready["request_id"] is None
