"""gunicorn's settings for Pronto's web process: ``gunicorn -c config/gunicorn.conf.py``.

Metrics (docs/operations.md): each worker is a process with its own counters. Set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory that only this service writes (e.g.
``/run/pronto/metrics-web``) in gunicorn's environment; every worker then writes its values
there, ``/metrics`` adds them up, and ``child_exit`` below tells prometheus_client when a worker
is gone. The directory is emptied at start: files left by a previous run would count twice.
"""

import os
import pathlib

bind = os.environ.get("PRONTO_GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PRONTO_GUNICORN_WORKERS", "4"))
wsgi_app = "config.wsgi:application"


def on_starting(server):
    """Empty the metrics directory before the first worker starts (multiprocess mode)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = pathlib.Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for leftover in path.glob("*.db"):
            leftover.unlink()


def child_exit(server, worker):
    """A worker exited: its live values leave the sums (prometheus_client's multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
