"""gunicorn's settings for Pronto (the Procfile's ``web``, deploy/systemd/pronto-web.service).

Everything from the environment (docs/deploy.md): ``PRONTO_WEB_BIND`` (else ``127.0.0.1:$PORT``,
the port honcho gives each process, else 8000) and ``WEB_CONCURRENCY`` worker processes (else
2 × CPUs + 1). No access log of gunicorn's own: Django's ``pronto.request`` line has the request
id and the route without the path (config/logging_context.py), in ``PRONTO_LOG_FORMAT``.

Metrics (docs/operations.md): each worker is a process with its own counters. Set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory that only this service writes (e.g.
``/run/pronto/metrics-web``) in gunicorn's environment; every worker then writes its values
there, ``/metrics`` adds them up, and ``child_exit`` below tells prometheus_client when a worker
is gone. The directory is emptied at start: files left by a previous run would count twice.
"""

import multiprocessing
import os
import pathlib

bind = os.environ.get("PRONTO_WEB_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# A request longer than this is a bug (reports over long periods run in the workers); SIGTERM
# lets the requests in flight finish within graceful_timeout, like a rolling restart behind the
# load balancer, which stops sending as soon as /readyz fails.
timeout = 30
graceful_timeout = 25
keepalive = 5
# Recycle a worker now and then, jittered so that they do not all restart together.
max_requests = 2000
max_requests_jitter = 200
# gunicorn's control socket (25.1+) would go to $HOME/.gunicorn, read-only under systemd's
# ProtectHome and shared by two servers on one machine; systemctl reload sends SIGHUP instead.
control_socket_disable = True
accesslog = None
errorlog = "-"
# The TLS proxy's X-Forwarded-* are trusted from these addresses only (Django reads
# X-Forwarded-Proto through SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


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
