"""Every task goes to the queue docs/queues.md says, on purpose: a task registered in Celery but
missing from the documented table, or routed elsewhere than the table says, fails here, so a new
task cannot land in the wrong queue (a report among the SMS, an SMS behind the reports)."""

import re
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
QUEUES_DOC = ROOT / "docs" / "queues.md"
# A row of the table "Every task and its queue": | `name` | queue | why |
ROW = re.compile(r"^\|\s*`([a-z_.*]+)`\s*\|\s*([a-z]+)\s*\|", re.MULTILINE)


def documented() -> dict[str, str]:
    text = QUEUES_DOC.read_text()
    section = text.split("## Every task and its queue", 1)[1].split("\n## ", 1)[0]
    return dict(ROW.findall(section))


def pronto_tasks() -> list[str]:
    current_app.loader.import_default_modules()
    return sorted(name for name in current_app.tasks if not name.startswith("celery."))


def routed_queue(name: str) -> str:
    return current_app.amqp.router.route({}, name)["queue"].name.removeprefix(
        settings.PRONTO_CELERY_QUEUE_PREFIX
    )


def documented_queue(name: str, table: dict[str, str]) -> str | None:
    if name in table:
        return table[name]
    matches = [queue for pattern, queue in table.items() if "*" in pattern and fnmatchcase(name, pattern)]
    return matches[0] if len(matches) == 1 else None


def test_the_documented_table_names_the_four_queues_and_nothing_else():
    table = documented()
    assert len(table) >= 15
    assert set(table.values()) == {"notifications", "telemetry", "default", "reports"}
    prefix = settings.PRONTO_CELERY_QUEUE_PREFIX
    assert {queue.name.removeprefix(prefix) for queue in settings.CELERY_TASK_QUEUES} == set(table.values())
    assert settings.CELERY_TASK_DEFAULT_QUEUE == prefix + "default"


def test_the_routes_in_the_settings_are_the_documented_table():
    assert settings.PRONTO_TASK_QUEUE_BY_NAME == documented()


@pytest.mark.parametrize("name", pronto_tasks())
def test_each_registered_task_is_documented_and_routed_to_its_queue(name):
    expected = documented_queue(name, documented())
    assert expected is not None, f"{name}: add it to docs/queues.md's table and PRONTO_TASK_QUEUE_BY_NAME"
    assert routed_queue(name) == expected


def test_the_known_urgent_and_long_tasks_are_where_they_must_be():
    assert routed_queue("notifications.tasks.notification_send") == "notifications"
    assert routed_queue("dispatch.tasks.report_run_execute") == "reports"
    assert routed_queue("telecontrol.tasks.any_future_check") == "telemetry"


def test_a_task_nobody_routed_fails_the_table_check():
    """What the parametrized test does for an undocumented name: it finds no row (so it would
    fail), although Celery itself would quietly send it to the default queue."""
    assert documented_queue("dispatch.tasks.a_new_task", documented()) is None
    assert routed_queue("dispatch.tasks.a_new_task") == "default"


@pytest.mark.parametrize("entry", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_each_beat_entry_goes_to_its_tasks_documented_queue(entry):
    """Beat sends an entry with ``task.apply_async(**entry["options"])``: the routes apply unless
    the entry names a queue itself, which none may do (the table would be bypassed)."""
    schedule = settings.CELERY_BEAT_SCHEDULE[entry]
    assert "queue" not in schedule.get("options", {})
    task = schedule["task"]
    assert routed_queue(task) == documented_queue(task, documented())


def test_a_worker_without_queues_consumes_all_four_most_urgent_first():
    prefix = settings.PRONTO_CELERY_QUEUE_PREFIX
    consumed = [queue.name.removeprefix(prefix) for queue in current_app.amqp.queues.values()]
    assert consumed == list(settings.PRONTO_QUEUES_BY_PRIORITY)
    assert settings.PRONTO_QUEUES_BY_PRIORITY[0] == "notifications"
    assert settings.PRONTO_QUEUES_BY_PRIORITY[-1] == "reports"
