"""A real ``celery worker`` (prefork, two children) serves its metrics on its own port,
``PRONTO_CELERY_METRICS_PORT``, adding up what its children wrote to ``PROMETHEUS_MULTIPROC_DIR``
(docs/operations.md). The probe tasks of tests/ops_logging touch no database, so this runs on
SQLite as on PostgreSQL."""

from __future__ import annotations

import urllib.request

import pytest

from tests.notifications.celery.test_worker_real import broker, redis_broker, wait_until  # noqa: F401
from tests.servers import free_port
from tests.servers.celery_worker import CeleryWorker

pytestmark = [pytest.mark.real_component, pytest.mark.urls("tests.ops_logging.urls")]


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.status == 200
        return response.read().decode()


def test_a_worker_serves_its_childrens_metrics_on_its_own_port(broker, client, tmp_path):  # noqa: F811
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    worker = CeleryWorker(
        broker_url=broker.url(),
        database_url=f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        concurrency=2,
        env={
            "PRONTO_EXTRA_APPS": "tests.ops_logging.probe",
            "PRONTO_CELERY_METRICS_PORT": str(port),
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        },
    )
    try:
        worker.start()
    except RuntimeError as exc:
        pytest.fail(f"celery worker did not start: {exc}")
    try:
        assert client.get("/probe/epsilon/").status_code == 200
        wait_until(lambda: worker.log().count("probe second epsilon") >= 1, 30, lambda: worker.log()[-3000:])
        text = scrape(port)
    finally:
        worker.stop()
    # The children's files are in the directory, and the worker's port sums them.
    assert sorted(path.name for path in metrics_dir.glob("*.db"))
    families = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}
    assert {"pronto_telemetry_received_total", "pronto_poll_plants_polled_total"} <= families, families
    assert "pronto_telemetry_received_total 0.0" in text
