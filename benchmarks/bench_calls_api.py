#!/usr/bin/env python
"""Throughput and latency of ``POST /api/calls/`` beside a bare DRF create endpoint.

Run from anywhere:  python benchmarks/bench_calls_api.py [--duration 10] [--connections 16]

Both endpoints are served by the same gunicorn (same workers, same settings, same PostgreSQL
database) in the same run, and loaded by ``wrk`` with the same concurrency, interleaved
(bare, real, bare, real, ...) after a warm-up of each. The bare endpoint is a stock DRF
``CreateAPIView`` of a one-field model (``benchmarks/bare``) with the project's default
authentication and permission classes (token authentication + IsAuthenticated), so both pay the
same token look-up. Target (from the issue): real >= 60% of bare requests/s.

This is not a test: it prints figures and writes them as JSON to ``benchmarks/results/``.
The benchmark database is dropped and re-created on every run (dropped at the end unless --keep).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.telecontrol_support import BenchError, db_recreate, verdict  # noqa: E402

RESULTS_DIR = ROOT / "benchmarks" / "results"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
GUNICORN = str(VENV_BIN / "gunicorn") if (VENV_BIN / "gunicorn").exists() else "gunicorn"

TARGET_RATIO = 0.60
NOISE_SPREAD = 0.15
BARE_PATH = "/bare/pings/"
REAL_PATH = "/api/calls/"
USERNAME = "bench-operator"

# The bare endpoint's body is fixed; the real one varies the caller number per request so the
# plant look-up by number does what it does in production (mostly: an unknown number).
LUA_COMMON = r"""
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  math.randomseed(os.time() * 1000 + tid * 7919)
end
"""
LUA_BARE = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Token {token}"
wrk.body = '{{"name":"bench"}}'
"""
LUA_REAL = r"""
local headers = {{["Content-Type"] = "application/json", ["Authorization"] = "Token {token}"}}
function request()
  local number = string.format("+39 02 %07d", math.random(0, 9999999))
  local body = '{{"caller_number":"' .. number .. '","line":"800-900-000",'
            .. '"call_type":"gas_leak","notes":"bench"}}'
  return wrk.format("POST", nil, headers, body)
end
"""


# ----------------------------------------------------------------------------------------------
# Helpers


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PRONTO_ENV", None)  # embedded settings shape, but on PostgreSQL
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "PRONTO_EXTRA_APPS": "benchmarks.bare",
            "PRONTO_URLCONF": "benchmarks.bare_urls",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DB_CONN_MAX_AGE": "60",
            "LOG_LEVEL": "WARNING",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def run(cmd: list[str], env: dict[str, str], *, timeout: float = 300, check: bool = True):
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def django_snippet(code: str, env: dict[str, str]) -> str:
    """Run ``code`` after django.setup() in a subprocess with the bench env; return its stdout."""
    script = "import django\ndjango.setup()\n" + code
    return run([PYTHON, "-c", script], env).stdout


# ----------------------------------------------------------------------------------------------
# Database


def db_scalar(database_url: str, sql: str):
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(database_url)._replace(scheme="postgresql"))) as conn:
        return conn.execute(sql).fetchone()[0]


def migrate(env: dict[str, str]) -> None:
    """``migrate --run-syncdb``: the project's migrations, plus the bare app's table (no migrations)."""
    run([PYTHON, "manage.py", "migrate", "--run-syncdb", "-v", "0"], env)


def create_operator_token(env: dict[str, str]) -> str:
    out = django_snippet(
        "from django.contrib.auth import get_user_model\n"
        "from django.contrib.auth.models import Group\n"
        "from dispatch.services.api_tokens import api_token_issue\n"
        "group, _ = Group.objects.get_or_create(name='operator')\n"
        f"user, _ = get_user_model().objects.get_or_create(username={USERNAME!r})\n"
        "user.set_unusable_password(); user.save()\n"
        "user.groups.add(group)\n"
        "print('TOKEN=' + api_token_issue(user=user).token)\n",
        env,
    )
    match = re.search(r"TOKEN=(\w+)", out)
    if not match:
        raise BenchError(f"Could not create the operator token:\n{out}")
    return match.group(1)


# ----------------------------------------------------------------------------------------------
# Server


class Gunicorn:
    def __init__(self, env, port, workers, worker_class, threads, log_path, conf=None):
        self.env, self.port, self.log_path = env, port, log_path
        self.cmd = [
            GUNICORN,
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            "--log-level",
            "warning",
            "--graceful-timeout",
            "10",
        ]
        if worker_class == "gthread":
            self.cmd += ["--threads", str(threads)]
        if conf:
            self.cmd += ["--config", str(conf)]
        self.proc: subprocess.Popen | None = None
        self._log = None

    def start(self, token: str, timeout: float = 30) -> None:
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{self.port}{BARE_PATH}", headers={"Authorization": f"Token {token}"}
                )
                urllib.request.urlopen(request, timeout=2)
                return
            except urllib.error.HTTPError:
                return  # 405 on GET: it answers
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer within {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            log("gunicorn did not stop on SIGTERM; killing its process group")
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        finally:
            if self._log:
                self._log.close()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(Path(self.log_path).read_text().splitlines()[-lines:])
        except OSError:
            return ""


def smoke_post(port: int, path: str, token: str, body: dict) -> dict:
    """One request by hand before loading: a 4xx/5xx here explains itself better than in wrk."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status != 201:
                raise BenchError(f"POST {path} answered {response.status}, expected 201")
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise BenchError(f"POST {path} answered {exc.code}: {exc.read()[:2000]!r}") from exc


# ----------------------------------------------------------------------------------------------
# Load


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise BenchError(f"Unparsable wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> dict:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+),", output)
    if not (rps and p50 and p99 and total):
        raise BenchError(f"Unparsable wrk output:\n{output}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests_per_s": float(rps.group(1)),
        "p50_ms": _ms(p50.group(1)),
        "p99_ms": _ms(p99.group(1)),
        "requests": int(total.group(1)),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": dict(
            zip(("connect", "read", "write", "timeout"), map(int, sock.groups()), strict=True)
        )
        if sock
        else {"connect": 0, "read": 0, "write": 0, "timeout": 0},
    }


def wrk_run(*, wrk: str, port: int, path: str, lua: Path, duration: int, connections: int, threads: int):
    cmd = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(lua),
        f"http://127.0.0.1:{port}{path}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    if proc.returncode != 0:
        raise BenchError(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    result = parse_wrk(proc.stdout)
    if result["non_2xx"]:
        raise BenchError(
            f"{result['non_2xx']} of {result['requests']} responses from {path} "
            f"were not 2xx/3xx:\n{proc.stdout}"
        )
    errors = result["socket_errors"]
    if errors["connect"] or errors["timeout"]:
        raise BenchError(f"wrk socket errors on {path}: {errors}\n{proc.stdout}")
    result["raw"] = proc.stdout
    return result


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk not found: installing the Debian package")
    apt = ["apt-get", "install", "-y", "wrk"]
    if subprocess.run(apt, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True, check=True)
        subprocess.run(apt, capture_output=True, check=True)
    found = shutil.which("wrk")
    if not found:
        raise BenchError("wrk is not installed and could not be installed (apt-get install wrk)")
    return found


# ----------------------------------------------------------------------------------------------
# Main


def summarize(runs: list[dict]) -> dict:
    return {
        "requests_per_s": statistics.mean(r["requests_per_s"] for r in runs),
        "p50_ms": statistics.mean(r["p50_ms"] for r in runs),
        "p99_ms": statistics.mean(r["p99_ms"] for r in runs),
        "requests": sum(r["requests"] for r in runs),
        # Spread of the runs' rates around their mean: a busy machine shows up here.
        "spread": (max(r["requests_per_s"] for r in runs) - min(r["requests_per_s"] for r in runs))
        / statistics.mean(r["requests_per_s"] for r in runs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run (default 10)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per endpoint (default 3)")
    parser.add_argument("--rounds", type=int, default=2, help="bare+real pairs, interleaved (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--worker-class",
        choices=["sync", "gthread"],
        default="sync",
        help="gunicorn worker class (default sync)",
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per worker with gthread (default 4)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pronto_bench"),
        help="PostgreSQL database to (re)create for the run",
    )
    parser.add_argument(
        "--gunicorn-conf",
        type=Path,
        help="extra gunicorn config file for both endpoints (e.g. a post_worker_init hook to try a change)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args(argv)

    if not urlsplit(args.database_url).scheme.startswith("postgres"):
        parser.error("--database-url must be a PostgreSQL URL")

    wrk = ensure_wrk()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    env = bench_env(args.database_url)
    tmp = Path(tempfile.mkdtemp(prefix="pronto-bench-"))
    server: Gunicorn | None = None
    runs: dict[str, list[dict]] = {"bare": [], "real": []}
    try:
        log(f"recreating database {urlsplit(args.database_url).path.lstrip('/')}")
        db_recreate(args.database_url)
        migrate(env)
        token = create_operator_token(env)
        calls_before = db_scalar(args.database_url, "SELECT count(*) FROM dispatch_call")
        pg_version = db_scalar(args.database_url, "SHOW server_version")

        port = free_port()
        server = Gunicorn(
            env, port, args.workers, args.worker_class, args.threads, tmp / "gunicorn.log", args.gunicorn_conf
        )
        log(f"starting gunicorn on 127.0.0.1:{port}: {' '.join(server.cmd[1:])}")
        server.start(token)
        smoke_post(port, BARE_PATH, token, {"name": "smoke"})
        smoke_post(
            port,
            REAL_PATH,
            token,
            {
                "caller_number": "+39 02 1234567",
                "line": "800-900-000",
                "call_type": "gas_leak",
                "notes": "bench",
            },
        )

        lua = {"bare": tmp / "bare.lua", "real": tmp / "real.lua"}
        lua["bare"].write_text(LUA_COMMON + LUA_BARE.format(token=token))
        lua["real"].write_text(LUA_COMMON + LUA_REAL.format(token=token))
        paths = {"bare": BARE_PATH, "real": REAL_PATH}
        load = {"port": port, "connections": args.connections, "threads": args.wrk_threads, "wrk": wrk}

        total_requests = {"bare": 0, "real": 0}
        for name in ("bare", "real"):
            log(f"warm-up {name} {args.warmup}s")
            warm = wrk_run(path=paths[name], lua=lua[name], duration=args.warmup, **load)
            total_requests[name] += warm["requests"]
        for round_no in range(1, args.rounds + 1):
            for name in ("bare", "real"):
                log(f"round {round_no}: {name} {args.duration}s")
                result = wrk_run(path=paths[name], lua=lua[name], duration=args.duration, **load)
                result["round"] = round_no
                runs[name].append(result)
                total_requests[name] += result["requests"]

        server.stop()
        calls_written = db_scalar(args.database_url, "SELECT count(*) FROM dispatch_call") - calls_before
        events_written = db_scalar(
            args.database_url, "SELECT count(*) FROM dispatch_event WHERE kind = 'call.logged'"
        )
        pings_written = db_scalar(args.database_url, "SELECT count(*) FROM bench_bare_ping")
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            try:
                db_recreate(args.database_url, drop_only=True)
            except Exception as exc:  # noqa: BLE001 - cleanup must not hide the real error
                log(f"could not drop the benchmark database: {exc}")
        shutil.rmtree(tmp, ignore_errors=True)

    bare, real = summarize(runs["bare"]), summarize(runs["real"])
    ratio = real["requests_per_s"] / bare["requests_per_s"]
    holds = ratio >= TARGET_RATIO

    server_desc = (
        f"gunicorn {args.workers} x {args.worker_class}"
        + (f" ({args.threads} threads)" if args.worker_class == "gthread" else "")
        + (f", config {args.gunicorn_conf}" if args.gunicorn_conf else "")
    )
    print()
    print("POST /api/calls/ vs bare DRF create endpoint")
    print(f"  server : {server_desc}, same process for both endpoints, DEBUG=false, CONN_MAX_AGE=60")
    print(f"  db     : PostgreSQL {pg_version}")
    print(
        f"  load   : wrk -t{args.wrk_threads} -c{args.connections}, {args.rounds} x {args.duration}s each "
        f"interleaved after {args.warmup}s warm-up, on {os.cpu_count()} CPUs ({platform.machine()})"
    )
    print(
        "  auth   : both endpoints use the project's token authentication + IsAuthenticated (DRF defaults); "
        "the real one adds HasActionRole (operator group)"
    )
    print()
    print(f"  {'endpoint':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, label in (("bare", f"bare {BARE_PATH}"), ("real", f"real {REAL_PATH}")):
        for r in runs[name]:
            print(
                f"  {label + ' #' + str(r['round']):<22}"
                f"{r['requests_per_s']:>10.1f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}"
            )
    for label, s in (("bare mean", bare), ("real mean", real)):
        print(f"  {label:<22}{s['requests_per_s']:>10.1f}{s['p50_ms']:>10.2f}{s['p99_ms']:>10.2f}")
    print()
    per_round = [
        r["requests_per_s"] / b["requests_per_s"] for b, r in zip(runs["bare"], runs["real"], strict=True)
    ]
    print(f"  ratio real/bare : {ratio:.1%}  (per round: {', '.join(f'{x:.1%}' for x in per_round)})")
    noisy = [name for name, s in (("bare", bare), ("real", real)) if s["spread"] > NOISE_SPREAD]
    if noisy:
        print(
            f"  WARNING: runs of {' and '.join(noisy)} differ by more than {NOISE_SPREAD:.0%} "
            f"(load average before the run: {load_before}): something else used the CPUs; "
            "rerun, or add --rounds"
        )
    print(f"  target >= {TARGET_RATIO:.0%} : {'HOLDS' if holds else 'MISSED'}")
    print(
        f"  rows written    : {calls_written} calls ({events_written} call.logged events), "
        f"{pings_written} pings; wrk counted {total_requests['real']} + {total_requests['bare']} "
        "completed 2xx requests (+2 smoke requests)"
    )

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS_DIR / f"bench_calls_api-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "when": stamp,
                "config": {
                    **{k: v for k, v in vars(args).items() if k != "database_url"},
                    "database": urlsplit(args.database_url).path.lstrip("/"),
                    "cpus": os.cpu_count(),
                    "target_ratio": TARGET_RATIO,
                },
                "bare": {**bare, "runs": [{k: v for k, v in r.items() if k != "raw"} for r in runs["bare"]]},
                "real": {**real, "runs": [{k: v for k, v in r.items() if k != "raw"} for r in runs["real"]]},
                "ratio": ratio,
                "ratio_per_round": per_round,
                "load_average_before": load_before,
                "target_holds": holds,
                "rows_written": {
                    "calls": calls_written,
                    "call_events": events_written,
                    "pings": pings_written,
                },
                "wrk_output": {name: [r["raw"] for r in runs[name]] for name in runs},
            },
            indent=2,
            default=str,
        )
    )
    print(f"  results         : {out.relative_to(ROOT)}")
    return verdict(target_holds=holds)


def reexec_in_venv() -> None:
    """``python benchmarks/bench_calls_api.py`` with any interpreter: switch to the project's venv."""
    venv = ROOT / ".venv"
    if venv.exists() and Path(sys.prefix).resolve() != venv.resolve():
        os.execv(PYTHON, [PYTHON, str(Path(__file__).resolve()), *sys.argv[1:]])


if __name__ == "__main__":
    reexec_in_venv()
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench_calls_api: FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
