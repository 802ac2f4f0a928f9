"""How services hand work to Celery: by the task's registered name, after commit.

Tasks import the services they call; services never import tasks (that would be a cycle, and
the old way around it was an import inside each function). A service names the task instead;
each app's ``AppConfig.ready()`` imports its ``tasks`` module, so every name is registered
before the first request, and ``tests/test_architecture.py`` checks each name the services use.
"""

from typing import Any

from celery import current_app
from django.db import transaction


def task_enqueue_on_commit(name: str, *args: Any, **options: Any) -> None:
    """Queue the task registered as ``name`` once the current transaction commits (at once when
    there is none); dropped if it rolls back. With ``CELERY_TASK_ALWAYS_EAGER`` (the embedded
    demo) it runs in this process, after the commit, as it would on a worker."""
    transaction.on_commit(lambda: task_send(name, *args, **options))


def task_send(name: str, *args: Any, **options: Any) -> None:
    """Queue the task registered as ``name`` now (``options`` as ``apply_async``'s, e.g. ``countdown``)."""
    current_app.tasks[name].apply_async(args=args, **options)


def task_enqueue_each_on_commit(name: str, args_list: list[tuple[Any, ...]]) -> None:
    """Queue the task ``name`` once per argument tuple, from one after-commit callback."""

    def send_each() -> None:
        for args in args_list:
            task_send(name, *args)

    if args_list:
        transaction.on_commit(send_each)
