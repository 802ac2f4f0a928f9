#!/usr/bin/env python
"""The estimated wait a queued caller hears (issue #17), beside the two anchors, on simulated days.

Run from anywhere:  python benchmarks/bench_wait_estimate.py [--days 6] [--seed 1] [--jobs 2] [--quick]

Traffic: one queue, FCFS, c identical operators (8 and 50), the longest-idle operator takes a
caller, nobody abandons. Poisson arrivals whose hourly rate follows a utility emergency centre's
day (PROFILE below: a night trough at 10% of the peak, a morning peak 09–11 and an evening peak
17–19 from outages and storms after work). Handle times lognormal, mean 320 s, CV 0.8 (wrap-up
included). Days follow one another (the queue carries over midnight; at night it is empty).

"Load" is the planner's reading: the offered load per operator in the **busy hour**,
``λ_peak × 320 s / c`` (what Erlang C is staffed for); the daily mean load is printed beside it.

Every caller who waited (wait > 0) hears an estimate at arrival; callers answered at once are not
scored (their 0 s is printed apart). Estimators, all fed what a router knows at that moment:
  ours    ``routing.wait_estimate.wait_estimates``: conditional simulation from the operators'
          elapsed call times, handle times fitted every 60 s from the last 1000 completed calls;
  QL      Ibrahim & Whitt, ``(position + 1) × mean / c`` with the same fitted mean;
  last-10 the average wait of the last 10 answered callers (QL before anyone is answered).
Scored: RMSE and the share within ±10 s of the actual wait. Targets (issue #17): ours' RMSE no
worse than QL's in every setting; ≥ 70 % within ±10 s at c=50, load 0.85; and, our own, the cost
of one call for 50 busy operators and 100 waiting ≤ 20 ms (the router runs it once a second per
queue, ``routing.waits``, and every caller queued in that second reads their position from it).

A second reading, reported and not substituted for the issue's: a real IVR re-announces every
30 s while the caller waits; each announcement is scored against the wait still to come
(last-10 announces its average minus the time already waited).

The exit status is non-zero (1) when a target is missed. ``--quick``: one day, 50 samples, the
50-operator settings only (a smoke run).
"""

from __future__ import annotations

import argparse
import heapq
import math
import multiprocessing
import random
import statistics
import sys
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.telecontrol_support import verdict  # noqa: E402
from routing.wait_estimate import (  # noqa: E402
    WORK_BUDGET,
    HandleTimes,
    queue_length_estimate,
    recent_average_wait,
    wait_estimates,
)

MEAN, CV = 320.0, 0.8
# Relative hourly arrival rate, 00:00 … 23:00 (peak = 1).
PROFILE = (
    0.14, 0.11, 0.10, 0.10, 0.12, 0.18, 0.32, 0.55, 0.80, 1.00, 1.00, 0.90,
    0.75, 0.70, 0.72, 0.78, 0.88, 1.00, 1.00, 0.85, 0.62, 0.45, 0.30, 0.20,
)  # fmt: skip
SETTINGS = [(8, 0.7), (8, 0.85), (8, 0.95), (50, 0.7), (50, 0.85), (50, 0.95)]
TARGET_SETTING = (50, 0.85)
TARGET_SHARE = 70.0
MAX_COST_MS = 20.0
TOLERANCE = 10.0
REANNOUNCE = 30.0
REFIT_EVERY = 60.0
RECENT_HANDLES = 1000
NAMES = ("ours", "QL", "last-10")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=6, help="simulated days per setting")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, default=None, help="simulation samples (default: shipped)")
    parser.add_argument("--quick", action="store_true", help="one day, 50 samples, c=50 only")
    parser.add_argument("--jobs", type=int, default=2, help="settings simulated in parallel processes")
    return parser.parse_args(argv)


class Score:
    """Errors (announced − actual) of one estimator."""

    def __init__(self) -> None:
        self.errors: list[float] = []
        self.days: list[int] = []  # the simulated day of each announcement, for the paired noise

    def add(self, announced: float, actual: float, day: int) -> None:
        self.errors.append(announced - actual)
        self.days.append(day)

    def rmse(self) -> float:
        return math.sqrt(statistics.fmean(e * e for e in self.errors)) if self.errors else math.nan

    def share(self) -> float:
        return (
            100.0 * sum(abs(e) <= TOLERANCE for e in self.errors) / len(self.errors) if self.errors else 0.0
        )


def simulate(c: int, load: float, days: int, seed: int, samples: int) -> dict:
    """One setting: returns the scores at arrival and of the re-announcements, and counts."""
    rng = random.Random(seed * 1000 + c * 10 + round(load * 100))
    est_rng = random.Random(seed)
    truth = HandleTimes.from_mean_cv(MEAN, CV)
    peak_rate = load * c / MEAN  # calls per second in the busy hour
    servers = [0.0] * c  # heap of the moments each operator is free; the smallest is the longest idle
    calls: list[tuple[float, float, int]] = []  # (start, end, caller) of calls not yet ended
    completions: list[tuple[float, float]] = []  # heap (end, handle time) of calls not yet counted
    recent: deque[float] = deque(maxlen=RECENT_HANDLES)
    starts: list[float] = []  # per caller, in arrival (= start, FCFS) order
    arrivals: list[float] = []
    answered = 0  # callers whose start <= now: starts are non-decreasing in arrival order
    handle, fitted_at = truth, -math.inf
    reannounce: list[tuple[float, int]] = []
    at_arrival = {name: Score() for name in NAMES}
    repeated = {name: Score() for name in NAMES}
    at_once = 0

    def state(now: float, caller: int) -> tuple[list[float], int, int]:
        nonlocal calls, answered, handle, fitted_at
        calls = [call for call in calls if call[1] > now]
        while completions and completions[0][0] <= now:
            recent.append(heapq.heappop(completions)[1])
        while answered < len(starts) and starts[answered] <= now:
            answered += 1
        if now - fitted_at >= REFIT_EVERY:
            handle, fitted_at = HandleTimes.fit(list(recent)), now
        busy = [now - start for start, _, _ in calls if start <= now]
        ahead = sum(1 for start, _, who in calls if start > now and who < caller)
        return busy, c - len(busy), ahead

    def announce(now: float, caller: int, scores: dict[str, Score]) -> None:
        busy, free, ahead = state(now, caller)
        remaining = starts[caller] - now
        waited = now - arrivals[caller]
        ours = wait_estimates(
            busy_elapsed=busy,
            free_agents=free,
            waiting=ahead + 1,
            handle=handle,
            samples=samples,
            rng=est_rng,
        )[ahead]
        ql = queue_length_estimate(ahead, c, handle.mean)
        last = recent_average_wait([starts[i] - arrivals[i] for i in range(max(0, answered - 10), answered)])
        day = int(now // 86400)
        scores["ours"].add(ours, remaining, day)
        scores["QL"].add(ql, remaining, day)
        scores["last-10"].add(ql if last is None else max(last - waited, 0.0), remaining, day)

    def flush(until: float) -> None:
        while reannounce and reannounce[0][0] < until:
            moment, caller = heapq.heappop(reannounce)
            announce(moment, caller, repeated)
            if moment + REANNOUNCE < starts[caller]:
                heapq.heappush(reannounce, (moment + REANNOUNCE, caller))

    for day in range(days):
        for hour, weight in enumerate(PROFILE):
            hour_start = (day * 24 + hour) * 3600.0
            now = hour_start + rng.expovariate(peak_rate * weight)
            while now < hour_start + 3600.0:
                flush(now)
                caller = len(starts)
                start = max(now, heapq.heappop(servers))
                handle_time = rng.lognormvariate(truth.mu, truth.sigma)
                heapq.heappush(servers, start + handle_time)
                arrivals.append(now)
                starts.append(start)
                if start > now:
                    announce(now, caller, at_arrival)
                    if now + REANNOUNCE < start:
                        heapq.heappush(reannounce, (now + REANNOUNCE, caller))
                else:
                    at_once += 1
                calls.append((start, start + handle_time, caller))
                heapq.heappush(completions, (start + handle_time, handle_time))
                now += rng.expovariate(peak_rate * weight)
    flush(math.inf)
    waits = [s - a for s, a in zip(starts, arrivals, strict=True) if s > a]
    return {
        "callers": len(starts),
        "waited": len(waits),
        "mean_wait": statistics.fmean(waits) if waits else 0.0,
        "at_once": at_once,
        "at_arrival": at_arrival,
        "repeated": repeated,
    }


def rmse_gap(ours: Score, ql: Score, days: int) -> tuple[float, float]:
    """Ours' RMSE minus QL's (s), and twice its standard error from day-by-day batches of the
    paired squared errors (days are nearly independent: the queue empties every night)."""
    if not ours.errors:
        return math.nan, math.nan
    gap = ours.rmse() - ql.rmse()
    by_day: dict[int, list[float]] = {}
    for day, a, b in zip(ours.days, ours.errors, ql.errors, strict=True):
        by_day.setdefault(day, []).append(a * a - b * b)
    if len(by_day) < 2:
        return gap, math.nan
    # the total squared-error difference per day, so a day with more waiting callers weighs more
    totals = [math.fsum(values) for values in by_day.values()] + [0.0] * (days - len(by_day))
    se_mse = statistics.stdev(totals) * math.sqrt(days) / len(ours.errors)
    return gap, 2 * se_mse / (2 * ql.rmse())


def cost_ms(samples: int, seed: int) -> float:
    """Median CPU time (ms) of one call with 50 busy operators and 100 callers waiting: process
    time, not wall time, so other work on a shared machine does not inflate it."""
    rng = random.Random(seed)
    handle = HandleTimes.from_mean_cv(MEAN, CV)
    busy = [rng.lognormvariate(handle.mu, handle.sigma) * rng.random() for _ in range(50)]
    wait_estimates(busy_elapsed=busy, free_agents=0, waiting=100, handle=handle, samples=samples, rng=rng)
    timings = []
    for _ in range(15):
        began = time.process_time()
        for _ in range(10):
            wait_estimates(
                busy_elapsed=busy, free_agents=0, waiting=100, handle=handle, samples=samples, rng=rng
            )
        timings.append((time.process_time() - began) * 100)
    return statistics.median(timings)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    days = 1 if args.quick else args.days
    samples = args.samples or (50 if args.quick else wait_estimates.__kwdefaults__["samples"])
    settings = [s for s in SETTINGS if s[0] == 50] if args.quick else SETTINGS
    daily_mean = statistics.fmean(PROFILE)
    print(
        f"wait estimate: {days} simulated day(s) per setting, seed {args.seed}, at most {samples} samples"
        f" and {WORK_BUDGET} simulated departures per call"
    )
    print(f"load = busy-hour load; daily mean load = {daily_mean:.2f} × busy-hour load")
    head = f"{'c':>3} {'load':>5} {'mean':>5} {'callers':>8} {'scored':>7} {'mean wait':>9}"
    cols = "".join(f" {name + ' RMSE':>13} {'±10 s':>6}" for name in NAMES) + "  ours-QL RMSE ±2SE"
    rmse_ok = True
    share_at_target = {}
    began = time.perf_counter()
    jobs = [(c, load, days, args.seed, samples) for c, load in settings]
    if args.jobs > 1:
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            outcomes = pool.starmap(simulate, jobs)
    else:
        outcomes = [simulate(*job) for job in jobs]
    results = dict(zip(settings, outcomes, strict=True))
    readings = (
        ("at_arrival", "at arrival: one announcement per waiting caller (the issue's reading)"),
        ("repeated", f"re-announced every {REANNOUNCE:.0f} s while waiting, vs the remaining wait"),
    )
    for key, label in readings:
        print(f"\n{label}")
        print(head + cols)
        for (c, load), r in results.items():
            scores = r[key]
            row = f"{c:>3} {load:>5.2f} {load * daily_mean:>5.2f} {r['callers']:>8}"
            row += f" {len(scores['QL'].errors):>7} {r['mean_wait']:>8.1f}s"
            row += "".join(f" {scores[n].rmse():>12.1f}s {scores[n].share():>5.1f}%" for n in NAMES)
            gap, noise = rmse_gap(scores["ours"], scores["QL"], days)
            print(row + f"  {gap:>+7.2f}s ±{noise:.2f}")
            if key == "at_arrival":
                rmse_ok &= scores["ours"].rmse() <= scores["QL"].rmse()
            share_at_target[key, (c, load)] = scores["ours"].share()
    elapsed = time.perf_counter() - began
    cost = cost_ms(samples, args.seed)
    print(f"\nsimulation {elapsed:.0f} s; one call (50 busy, 100 waiting): {cost:.2f} ms CPU")
    share = share_at_target.get(("at_arrival", TARGET_SETTING), 0.0)
    again = share_at_target.get(("repeated", TARGET_SETTING), 0.0)
    checks = [
        ("ours RMSE <= QL RMSE in every setting (at arrival)", rmse_ok),
        (
            f">= {TARGET_SHARE:.0f}% within ±10 s at c=50 load 0.85, at arrival: {share:.1f}%",
            share >= TARGET_SHARE,
        ),
        (f"one call <= {MAX_COST_MS:.0f} ms: {cost:.2f} ms", cost <= MAX_COST_MS),
    ]
    for text, held in checks:
        print(f"{'PASS' if held else 'MISS'}  {text}")
    print(f"info  second reading (every {REANNOUNCE:.0f} s), c=50 load 0.85: {again:.1f}% within ±10 s")
    return verdict(target_holds=all(held for _, held in checks))


if __name__ == "__main__":
    sys.exit(main())
