"""The house rules that code review alone would let slip: no import cycles, the dependency
contracts hold (and would catch a wrong import), ports are wired, queued tasks exist, modules
stay readable in size."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    name
    for name in (
        "dispatch",
        "telephony",
        "telecontrol",
        "notifications",
        "reports",
        "privacy",
        "routing",
        "clocks",
        "teams",
        "shifts",
    )
    if (ROOT / name).is_dir()
]
MAX_MODULE_LINES = 500
# A task named in a string ("dispatch.tasks.x"): how services queue them (dispatch.queue).
TASK_NAME = re.compile(r"\"((?:{})\.tasks\.[a-z_]+)\"".format("|".join(APPS)))


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that import each other in a ring."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_no_import_cycle_between_modules_of_app_code():
    """Imports inside functions count too (grimp reads them): a cycle hidden in a function is
    still a cycle. Imports only for type checking do not run, so they do not count."""
    imports = grimp.build_graph("config", *APPS, exclude_type_checking_imports=True, cache_dir=None)
    graph = {
        module: imports.find_modules_directly_imported_by(module) & imports.modules
        for module in imports.modules
    }
    assert _strongly_connected(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_dependency_contracts_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wrong_import_breaks_the_contracts(tmp_path):
    """The core importing an outer app (here: dispatch's selectors importing notifications) must
    fail the contracts: they are checked for real, not vacuously."""
    for name in ("config", *APPS):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "static"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    selectors = tmp_path / "dispatch" / "selectors.py"
    selectors.write_text(selectors.read_text() + "\nfrom notifications.models import Notification  # noqa\n")

    result = _lint_imports(tmp_path)

    assert result.returncode != 0
    assert "dispatch.selectors -> notifications.models" in result.stdout


def test_the_core_refuses_to_start_without_its_ports(monkeypatch):
    from dispatch import ports

    assert ports.ports_check() == []
    monkeypatch.setattr(ports._registry, "notifier", None)
    monkeypatch.setattr(ports._registry, "plant_telemetry", None)
    monkeypatch.setattr(ports._registry, "access_log", None)
    monkeypatch.setattr(ports._registry, "case_verification", None)
    assert [error.id for error in ports.ports_check()] == [
        "dispatch.E010",
        "dispatch.E011",
        "dispatch.E012",
        "dispatch.E013",
    ]
    with pytest.raises(ports.PortMissing):
        ports.notifier()
    with pytest.raises(ports.PortMissing):
        ports.access_log()
    with pytest.raises(ports.PortMissing):
        ports.case_verification()


def _task_names_in_code() -> set[str]:
    names = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            names |= set(re.findall(TASK_NAME, path.read_text()))
    return names


def test_every_task_the_code_or_the_schedule_names_is_registered():
    """Services queue tasks by name (dispatch.queue): a name that no task has would fail only
    after commit, in production. Each app's ready() registers its tasks."""
    from celery import current_app

    named = _task_names_in_code() | {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "notifications.tasks.notification_send" in named
    assert sorted(named - set(current_app.tasks)) == []


def test_no_module_of_app_code_is_too_long_to_read():
    long = {
        str(path.relative_to(ROOT)): lines
        for app in ("config", *APPS)
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}
