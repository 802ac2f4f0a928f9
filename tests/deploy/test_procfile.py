"""The Procfile (docs/deploy.md) names only things that exist: each line is read with honcho's
own parser, its defaults filled in as the shell would, and then checked against the project:
gunicorn loads its config file and the WSGI application (``--check-config``), the Celery app
imports and knows every periodic task beat will send, the workers serve every queue a task is
routed to, and each ``manage.py`` command is registered and accepts the options written."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class
from honcho.environ import parse_procfile

ROOT = Path(__file__).resolve().parents[2]
PROCFILE = ROOT / "Procfile"
QUEUES = {"notifications", "reports", "telemetry", "default"}
_DEFAULT = re.compile(r"\$\{(\w+):-([^}]*)\}")


def processes() -> dict[str, list[str]]:
    """Each process's argv, with ``${VAR:-default}`` as the shell expands it without VAR set."""
    parsed = parse_procfile(PROCFILE.read_text()).processes
    return {name: shlex.split(_DEFAULT.sub(r"\2", command)) for name, command in parsed.items()}


def option(argv: list[str], *names: str) -> str | None:
    for index, word in enumerate(argv):
        if word in names and index + 1 < len(argv):
            return argv[index + 1]
    return None


def test_the_procfile_has_the_production_set():
    names = set(processes())
    assert {"web", "beat", "listen", "poll"} <= names
    assert {f"worker_{queue}" for queue in QUEUES} <= names


def test_every_value_has_a_default():
    for name, command in parse_procfile(PROCFILE.read_text()).processes.items():
        bare = re.findall(r"\$(?!\{\w+:-)\{?\w+", command)
        assert not bare, f"{name}: {bare} has no default"


def test_the_web_process_loads_its_config_and_the_application(tmp_path):
    argv = processes()["web"]
    assert argv[0] == "gunicorn"
    config = option(argv, "--config", "-c")
    assert config is not None and (ROOT / config).is_file()
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}",
        "PRONTO_VAR_DIR": str(tmp_path),
        "PORT": "5123",
    }
    # gunicorn itself: the config file parses and the application named imports.
    checked = subprocess.run(
        [sys.executable, "-m", "gunicorn", *argv[1:], "--print-config"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr[-3000:]
    printed = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition("=") for line in checked.stdout.splitlines())
    )
    assert printed["bind"] == "['127.0.0.1:5123']"
    assert int(printed["workers"]) >= 1


def test_the_celery_processes_use_the_project_app_and_registered_tasks():
    from config.celery import app

    app.loader.import_default_modules()
    for name, argv in processes().items():
        if argv[0] != "celery":
            continue
        assert option(argv, "-A", "--app") == "config", name
        assert argv[3] in ("worker", "beat"), name
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, f"beat would send {entry['task']}, which no worker knows"


def test_the_workers_serve_every_queue_a_task_is_routed_to():
    served = {}
    for name, argv in processes().items():
        if argv[:4] == ["celery", "-A", "config", "worker"]:
            queue = option(argv, "-Q", "--queues")
            assert queue in QUEUES, f"{name} serves {queue!r}"
            assert option(argv, "-n", "--hostname") == f"{queue}@%h", name
            served[queue] = name
    assert set(served) == QUEUES
    routes = getattr(settings, "CELERY_TASK_ROUTES", None) or {}
    # A dict of patterns, or a list of such dicts (Celery takes both).
    tables = [routes] if isinstance(routes, dict) else [table for table in routes if isinstance(table, dict)]
    routed = {
        route["queue"]
        for table in tables
        for route in table.values()
        if isinstance(route, dict) and "queue" in route
    }
    assert routed <= set(served), f"routed to a queue no worker serves: {routed - set(served)}"
    default_queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    if routes:
        assert default_queue in served


@pytest.mark.parametrize("process", ["listen", "poll"])
def test_the_management_commands_exist_with_the_options_written(process):
    argv = processes()[process]
    assert argv[:2] == ["python", "manage.py"]
    name, arguments = argv[2], argv[3:]
    commands = get_commands()
    assert name in commands, f"manage.py has no {name}"
    command = load_command_class(commands[name], name)
    parsed = command.create_parser("manage.py", name).parse_args(arguments)
    assert parsed is not None
