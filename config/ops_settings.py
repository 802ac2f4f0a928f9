"""Running Pronto (issue 22, docs/operations.md): the readiness checks' thresholds, who may scrape
``/metrics``, the long-lived processes' metrics ports and heartbeats.

Star-imported by ``config/settings.py``. A threshold of 0 turns off the heartbeat checks (a
centre with no MQTT plants runs no listener).
"""

import environ

_env = environ.Env()

# /readyz: each check's threshold.
PRONTO_READY_DATABASE_MAX_SECONDS = _env.float("PRONTO_READY_DATABASE_MAX_SECONDS", default=1.0)
PRONTO_READY_BROKER_TIMEOUT_SECONDS = _env.float("PRONTO_READY_BROKER_TIMEOUT_SECONDS", default=2.0)
PRONTO_READY_CACHE_MAX_SECONDS = _env.float("PRONTO_READY_CACHE_MAX_SECONDS", default=1.0)
PRONTO_READY_LISTENER_MAX_AGE_SECONDS = _env.float("PRONTO_READY_LISTENER_MAX_AGE_SECONDS", default=120.0)
PRONTO_READY_POLLER_MAX_LAG_SECONDS = _env.float("PRONTO_READY_POLLER_MAX_LAG_SECONDS", default=300.0)
PRONTO_READY_OUTBOX_MAX_BACKLOG = _env.int("PRONTO_READY_OUTBOX_MAX_BACKLOG", default=1000)
PRONTO_READY_OUTBOX_MAX_AGE_SECONDS = _env.float("PRONTO_READY_OUTBOX_MAX_AGE_SECONDS", default=900.0)
# The listener and the poller write their heartbeat at most this often.
PRONTO_HEARTBEAT_EVERY_SECONDS = _env.float("PRONTO_HEARTBEAT_EVERY_SECONDS", default=10.0)

# /metrics on the web process: a bearer token, and/or the addresses (CIDR) allowed without it.
# Neither set: /metrics answers 404.
PRONTO_METRICS_TOKEN = _env.str("PRONTO_METRICS_TOKEN", default="")
PRONTO_METRICS_ALLOWED_IPS = _env.list("PRONTO_METRICS_ALLOWED_IPS", default=[])
# Each long-lived process's own metrics port (0: none) and the address it listens on.
PRONTO_METRICS_ADDR = _env.str("PRONTO_METRICS_ADDR", default="127.0.0.1")
PRONTO_LISTENER_METRICS_PORT = _env.int("PRONTO_LISTENER_METRICS_PORT", default=0)
PRONTO_POLLER_METRICS_PORT = _env.int("PRONTO_POLLER_METRICS_PORT", default=0)
PRONTO_CELERY_METRICS_PORT = _env.int("PRONTO_CELERY_METRICS_PORT", default=0)
