"""Celery's queues (issue 22, docs/queues.md): which queue each task goes to, so that a long
report never holds up an SMS to a technician.

Star-imported by ``config/settings.py``. Four queues: ``notifications`` (what must reach people
now), ``telemetry`` (the plants' follow-ups), ``default`` (the rest), ``reports`` (long work
nobody waits for). Each task is routed here by its registered name, deliberately: the table in
docs/queues.md lists them all and ``tests/queues/test_routes.py`` fails for a task that is
missing from it or routed elsewhere. Beat's entries are sent through the same routes.

Without a broker (``CELERY_TASK_ALWAYS_EAGER``, the demo) tasks run in-process and no queue is used.
"""

import environ
from kombu import Exchange, Queue

_env = environ.Env()

NOTIFICATIONS, TELEMETRY, DEFAULT, REPORTS = "notifications", "telemetry", "default", "reports"
# Most urgent first: the order a single worker that consumes them all should be given (``-Q``).
PRONTO_QUEUES_BY_PRIORITY = (NOTIFICATIONS, TELEMETRY, DEFAULT, REPORTS)

# Task name (or glob) -> queue. Some names are historical (``dispatch.tasks.report_run_execute``
# lives in reports/): queued messages and beat entries in production carry them.
PRONTO_TASK_QUEUE_BY_NAME = {
    # Messages that must reach people: the sends, their retries and sweeper, escalation steps,
    # callback reminders, a major incident's updates to the affected customers.
    "notifications.tasks.notification_send": NOTIFICATIONS,
    "notifications.tasks.notifications_sweep": NOTIFICATIONS,
    "escalations.tasks.escalations_sweep": NOTIFICATIONS,
    "dispatch.tasks.callbacks_remind": NOTIFICATIONS,
    "incidents.tasks.update_deliver": NOTIFICATIONS,
    # The plants' follow-ups (checks, alarms): any task of the telecontrol app.
    "telecontrol.tasks.*": TELEMETRY,
    # Long work nobody waits for at the console: reports and their monthly mail, the review
    # sample, the retention job, recordings fetched and expired.
    "dispatch.tasks.report_run_execute": REPORTS,
    "dispatch.tasks.reports_monthly_send": REPORTS,
    "reviews.tasks.review_samples_draw": REPORTS,
    "privacy.tasks.personal_data_retention": REPORTS,
    "quality.tasks.recording_fetch": REPORTS,
    "quality.tasks.recordings_expire": REPORTS,
    # Short sweeps that keep the centre's state right.
    "routing.tasks.routes_sweep": DEFAULT,
    "clocks.tasks.clocks_breaches_record": DEFAULT,
    "incidents.tasks.incidents_sweep": DEFAULT,
    "feedback.tasks.surveys_send_due": DEFAULT,
    "inbound.tasks.inbound_poll": DEFAULT,
    "dispatch.tasks.telephony_receipts_prune": DEFAULT,
    "dispatch.tasks.history_partitions_ensure": DEFAULT,
}


def queue_layout(prefix: str = "") -> dict:
    """Celery's settings of these queues (without the ``CELERY_`` prefix), each queue's name after
    ``prefix``: for installations (or test runs) that share one broker's virtual host."""
    queues = tuple(
        Queue(prefix + name, Exchange(prefix + name, type="direct"), routing_key=prefix + name)
        for name in PRONTO_QUEUES_BY_PRIORITY
    )
    return {
        "task_default_queue": prefix + DEFAULT,
        "task_default_exchange": prefix + DEFAULT,
        "task_default_routing_key": prefix + DEFAULT,
        # One direct exchange per queue; a worker started with ``-Q`` of a name not here fails.
        "task_queues": queues,
        "task_create_missing_queues": False,
        "task_routes": {name: {"queue": prefix + queue} for name, queue in PRONTO_TASK_QUEUE_BY_NAME.items()},
    }


# Empty but where one broker's virtual host serves two installations: then each one's workers
# are started with the prefixed names (``-Q <prefix>notifications``).
PRONTO_CELERY_QUEUE_PREFIX = _env.str("PRONTO_CELERY_QUEUE_PREFIX", default="")
_layout = queue_layout(PRONTO_CELERY_QUEUE_PREFIX)
CELERY_TASK_DEFAULT_QUEUE = _layout["task_default_queue"]
CELERY_TASK_DEFAULT_EXCHANGE = _layout["task_default_exchange"]
CELERY_TASK_DEFAULT_ROUTING_KEY = _layout["task_default_routing_key"]
CELERY_TASK_QUEUES = _layout["task_queues"]
CELERY_TASK_CREATE_MISSING_QUEUES = _layout["task_create_missing_queues"]
CELERY_TASK_ROUTES = _layout["task_routes"]

# Redis: a worker consuming several queues takes from the first non-empty one in its ``-Q``
# order (kombu's default round-robin would let reports take turns with notifications).
# RabbitMQ has no such order and ignores the option: give notifications their own worker there.
CELERY_BROKER_TRANSPORT_OPTIONS = {"queue_order_strategy": "priority"}
