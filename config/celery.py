import os

from celery import Celery
from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    before_task_publish,
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_shutdown,
)

from config import logging_context

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("pronto")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The web request's id travels with the tasks it enqueues, and their log lines carry it
# (config/logging_context.py). Strong references: the handlers are module functions.
before_task_publish.connect(logging_context.request_id_publish, weak=False)
task_prerun.connect(logging_context.request_id_restore, weak=False)
task_postrun.connect(logging_context.request_id_clear, weak=False)
after_setup_logger.connect(logging_context.celery_handlers_format, weak=False)
after_setup_task_logger.connect(logging_context.celery_handlers_format, weak=False)


@task_prerun.connect
@task_postrun.connect
def database_connections_tidy(sender=None, **kwargs) -> None:
    """What Django does around each request, around each task in a worker: drop a connection
    older than CONN_MAX_AGE or left unusable by an error, and health-check a kept one before
    reuse. Not for a task run eagerly (the demo without a broker, the tests): it runs inside the
    caller's request or transaction, whose connection is not the task's to close."""
    if sender is None or getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@worker_init.connect
def metrics_serve(sender=None, **kwargs) -> None:
    """A worker's metrics on its own port, ``PRONTO_CELERY_METRICS_PORT`` (0: none), served by
    the worker's main process. With the prefork pool the tasks run in child processes: set
    ``PROMETHEUS_MULTIPROC_DIR`` (one empty directory per worker) so the children write their
    values there and this port adds them up (docs/operations.md). One worker per port: a second
    worker on the same host needs its own ``PRONTO_CELERY_METRICS_PORT``."""
    from django.conf import settings

    if settings.PRONTO_CELERY_METRICS_PORT:
        from ops.metrics import serve

        serve(settings.PRONTO_CELERY_METRICS_PORT, settings.PRONTO_METRICS_ADDR)


@worker_process_shutdown.connect
def metrics_process_dead(pid=None, **kwargs) -> None:
    """A prefork child exited: its live values leave the sums (multiprocess mode)."""
    from ops.metrics import process_dead

    process_dead(pid or os.getpid())
