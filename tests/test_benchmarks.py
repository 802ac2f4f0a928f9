"""Every benchmark's exit status says whether it held its target: a CI job or a shell loop that
runs ``benchmarks/bench_*.py`` must not read a missed target as a pass (they run against
PostgreSQL and for minutes, so this checks how each ``main`` decides, not a run)."""

import ast
import json
import os
from pathlib import Path

import pytest

from benchmarks.telecontrol_support import verdict

BENCHMARKS = sorted((Path(__file__).resolve().parent.parent / "benchmarks").glob("bench_*.py"))


def _returns(function: ast.FunctionDef) -> list[ast.Return]:
    nested = {id(n) for f in ast.walk(function) if f is not function
              and isinstance(f, ast.FunctionDef | ast.Lambda) for n in ast.walk(f)}  # fmt: skip
    return [node for node in ast.walk(function) if isinstance(node, ast.Return) and id(node) not in nested]


def _main_returns(path: Path) -> list[ast.Return]:
    """The returns of ``main()``, following a ``return helper(...)`` into that module function."""
    functions = {
        node.name: node for node in ast.parse(path.read_text()).body if isinstance(node, ast.FunctionDef)
    }
    found, todo, seen = [], [functions["main"]], set()
    while todo:
        function = todo.pop()
        seen.add(function.name)
        for node in _returns(function):
            name = getattr(getattr(node.value, "func", None), "id", "")
            if name in functions and name != "verdict":
                if name not in seen:
                    todo.append(functions[name])
            else:
                found.append(node)
    return found


def test_there_are_benchmarks():
    assert len(BENCHMARKS) >= 9


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.name)
def test_each_benchmark_returns_its_verdict(path):
    returns = _main_returns(path)
    assert returns, f"{path.name}: main() returns nothing"
    for node in returns:
        call = node.value
        assert isinstance(call, ast.Call) and getattr(call.func, "id", "") == "verdict", (
            f"{path.name} line {node.lineno}: main() must return verdict(target_holds=...), "
            f"not {ast.unparse(node.value) if node.value else 'None'}"
        )
        assert "target_holds" in {keyword.arg for keyword in call.keywords}


def test_verdict_is_zero_only_when_the_target_holds_and_the_results_are_right():
    assert verdict(target_holds=True) == 0
    assert verdict(target_holds=False) == 1
    assert verdict(target_holds=True, results_right=False) == 2
    assert verdict(target_holds=False, results_right=False) == 2


def test_bench_route_takes_the_options_of_its_brief(capsys):
    from benchmarks import bench_route

    with pytest.raises(SystemExit) as exit_info:
        bench_route.main(["--help"])
    assert exit_info.value.code == 0
    usage = capsys.readouterr().out
    for option in ("--quick", "--duration", "--rate", "--connections", "--keep", "--database-url"):
        assert option in usage


def test_bench_route_signs_each_request_once_like_the_phone_system():
    """Every pre-signed request is a new call: a unique id, hence a unique (single-use) signature
    that the server's check accepts (``HasTelephonySignature`` recomputes the same HMAC)."""
    import random

    from benchmarks import bench_route
    from telephony.signatures import telephony_signature

    rng = random.Random(1)
    made = [bench_route.real_request(rng, 1_800_000_000.5) for _ in range(200)]
    assert len({headers["X-Pronto-Signature"] for _p, _b, headers, _c in made}) == 200
    path, body, headers, payload = made[0]
    assert path == "/api/telephony/route/"
    assert headers["X-Pronto-Signature"] == telephony_signature(
        secret=bench_route.SECRET, timestamp=headers["X-Pronto-Timestamp"], body=body
    )
    assert payload["caller"].startswith("+39") and payload["timestamp"] == 1_800_000_000.5


def test_the_wait_estimate_benchmark_runs_a_quick_day():
    """Pure Python (no database), so one short run fits the suite: a day at 8 operators, busy-hour
    load 0.7, few samples: every waiting caller is scored once at arrival by the three
    estimators, re-announcements every 30 s come on top, and the figures are plausible."""
    from benchmarks.bench_wait_estimate import NAMES, simulate

    result = simulate(8, 0.7, days=1, seed=3, samples=16)
    assert 0 < result["waited"] < result["callers"]
    assert result["waited"] + result["at_once"] == result["callers"]
    for name in NAMES:
        assert len(result["at_arrival"][name].errors) == result["waited"]
        assert len(result["repeated"][name].errors) > 0
        assert 0 < result["at_arrival"][name].rmse() < 10 * result["mean_wait"]
    # the estimators announce different things (the anchors are not copies of ours)
    assert result["at_arrival"]["ours"].errors != result["at_arrival"]["QL"].errors


def test_the_storm_takes_the_options_of_its_brief(capsys):
    from benchmarks import storm

    with pytest.raises(SystemExit) as exit_info:
        storm.main(["--help"])
    assert exit_info.value.code == 0
    usage = capsys.readouterr().out
    for option in ("--minutes", "--scale", "--listeners", "--pollers", "--json", "--database-url"):
        assert option in usage
    # Several listeners share the subscription, several pollers take the lease, each by its own id.
    assert storm.listener_args(0, 1) == ["telemetry_listen", "--client-id", "storm-listener-0"]
    assert storm.listener_args(1, 2) == [
        "telemetry_listen", "--client-id", "storm-listener-1", "--share-group", "storm",
    ]  # fmt: skip
    assert storm.poller_args(1, 2) == ["telemetry_poll", "--poller-id", "storm-poller-1"]
    assert storm.sizes(0.1)["messages_per_second"] == 100


def _postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("the storm runs on PostgreSQL only (DATABASE_URL is not a PostgreSQL URL)")
    return url


@pytest.mark.postgres
@pytest.mark.real_component
def test_the_storm_runs_a_small_one_end_to_end():
    """A tiny storm through the real processes (Mosquitto, Redis, gunicorn, the Celery worker, a
    listener, a poller, pymodbus servers) in its own database: nothing lost, every alarm an
    intervention whose SMS the gateway accepted, the figures there (not their speed)."""
    import shutil
    import subprocess
    import sys
    from urllib.parse import urlsplit, urlunsplit

    for binary in ("mosquitto", "redis-server"):
        if not (shutil.which(binary) or Path(f"/usr/sbin/{binary}").exists()):
            pytest.skip(f"{binary} is not installed")
    url = urlunsplit(urlsplit(_postgres_url())._replace(path="/pronto_storm_smoke"))
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "storm.py"), "--scale", "0.005", "--minutes", "0.1",
         "--drain-seconds", "60", "--json", "--database-url", url],
        cwd=root, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout)
    assert figures["nothing_lost"] and figures["drained"]
    assert figures["lost"]["messages"] == 0
    assert figures["listeners"]["applied"] == figures["published"]["acknowledged"] > 0
    assert (
        figures["alarms"]["interventions"]
        == figures["alarms"]["sms_accepted"]
        == figures["sizes"]["alarming_plants"]
    )
    assert figures["alarm_to_intervention"]["n"] == figures["sizes"]["alarming_plants"]
    assert figures["calls"]["logged"] == figures["calls"]["sent"] >= 1
    for key in (
        "listener_cpu_s_per_100k_messages",
        "poller_cpu_s_per_1000_polls",
        "db_growth_bytes_per_hour",
    ):
        assert key in figures
    assert figures["cpus"] == os.cpu_count()
