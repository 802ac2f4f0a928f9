"""The estimated wait a queued caller hears (issue #17, "Estimated wait").

Pure Python (math, statistics, random): the router calls it on every queued decision through a
per-queue cache of 1 s, so it must stay a few milliseconds for 50 operators and 100 callers waiting
(``benchmarks/bench_wait_estimate.py`` measures the cost and the accuracy).

The estimator is a *conditional simulation*. A caller with ``k`` callers ahead is answered at the
``(k+1)``-th moment an operator able to take the queue becomes free. Each busy operator's residual
handle time is drawn from the lognormal handle-time distribution conditioned on the time the call
has already lasted (a call 10 minutes long is more likely near its end than a fresh one is when the
hazard rises, and less likely when it falls); a free operator is free now. Then, in FCFS order,
every freed operator takes the next caller ahead for a fresh lognormal handle time. One run of the
simulation yields the free-up times of every position at once, so one pass gives the estimate of
every position in the queue; the announced value is the mean over the samples.

Two anchors, the benchmark's baselines: the queue-length predictor of Ibrahim & Whitt
(``(position + 1) × mean handle / agents``) and the average wait of the last 10 answered callers.
"""

from __future__ import annotations

import heapq
import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

DEFAULT_MEAN = 320.0  # seconds: a utility call centre's average handle time (issue #17)
DEFAULT_CV = 0.8
MIN_SAMPLES_FOR_FIT = 20
# A handle time outside these bounds is a logging error (a call left open overnight, a 0 s
# record of a dropped line), not a call: it is clamped so one bad row cannot move the fit far.
MIN_HANDLE = 1.0
MAX_HANDLE = 4 * 3600.0
MIN_SIGMA, MAX_SIGMA = 0.05, 2.5

# Standard normal quantiles at the midpoints of TABLE_SIZE equal-probability strata: a sample is
# a table look-up instead of an inverse-CDF evaluation (about 30x cheaper in pure Python). The
# strata are fine enough that the error is far below the Monte Carlo noise; the far tail, where
# a long call's conditional distribution lives, is computed exactly (TAIL_STRATA below).
TABLE_SIZE = 4096
_NORMAL = statistics.NormalDist()
_Z_TABLE: tuple[float, ...] = tuple(_NORMAL.inv_cdf((i + 0.5) / TABLE_SIZE) for i in range(TABLE_SIZE))
# Fewer strata than this left above a call's elapsed time: sample its residual exactly.
TAIL_STRATA = 64
# Simulated departures per call: ~12 ms of CPU on this project's 2-core machine (a departure is a
# table look-up and a heap replace), spent once a second per queue (routing.waits keeps the run);
# 50 operators and 100 callers waiting get 200 runs. At 9,600 (~4 ms) the bench's c=50, load 0.85
# came out level with the queue-length predictor (13.785 vs 13.783 s): the noise of too few runs
# ate the small gain elapsed times bring.
WORK_BUDGET = 30000
MIN_BUDGET_SAMPLES = 16


@dataclass(frozen=True)
class HandleTimes:
    """A lognormal handle-time distribution: ``ln(handle time in s) ~ N(mu, sigma²)``."""

    mu: float
    sigma: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.mu) and math.isfinite(self.sigma)) or self.sigma <= 0:
            raise ValueError("mu must be finite and sigma finite and positive")

    @classmethod
    def from_mean_cv(cls, mean: float = DEFAULT_MEAN, cv: float = DEFAULT_CV) -> HandleTimes:
        """The lognormal with this mean (s) and coefficient of variation."""
        if not (math.isfinite(mean) and math.isfinite(cv)) or mean <= 0 or cv <= 0:
            raise ValueError("mean and cv must be finite and positive")
        sigma = math.sqrt(math.log1p(cv * cv))
        return cls(mu=math.log(mean) - sigma * sigma / 2, sigma=sigma)

    @classmethod
    def fit(cls, handle_times: Sequence[float], *, minimum: int = MIN_SAMPLES_FOR_FIT) -> HandleTimes:
        """Maximum-likelihood fit to recent handle times (s), each clamped to 1 s – 4 h and sigma
        to 0.05 – 2.5. Fewer than ``minimum`` usable samples give the default (mean 320 s, CV 0.8):
        a queue's first calls of the day must not announce from two or three of them."""
        logs = [
            math.log(min(max(float(h), MIN_HANDLE), MAX_HANDLE))
            for h in handle_times
            if math.isfinite(h) and h > 0
        ]
        if len(logs) < max(minimum, 2):
            return cls.from_mean_cv()
        mu = statistics.fmean(logs)
        sigma = min(max(statistics.stdev(logs, mu), MIN_SIGMA), MAX_SIGMA)
        return cls(mu=mu, sigma=sigma)

    @property
    def mean(self) -> float:
        return math.exp(self.mu + self.sigma * self.sigma / 2)

    def cdf(self, seconds: float) -> float:
        if seconds <= 0:
            return 0.0
        return 0.5 * (1.0 + math.erf((math.log(seconds) - self.mu) / (self.sigma * math.sqrt(2.0))))

    @cached_property
    def _quantiles(self) -> tuple[float, ...]:
        """The handle time at each stratum of ``_Z_TABLE`` (computed once per distribution)."""
        mu, sigma, exp = self.mu, self.sigma, math.exp
        return tuple(exp(mu + sigma * z) for z in _Z_TABLE)

    def _exact_quantile(self, p: float) -> float:
        return math.exp(self.mu + self.sigma * _NORMAL.inv_cdf(min(max(p, 1e-12), 1 - 1e-12)))


def wait_estimates(
    *,
    busy_elapsed: Sequence[float],
    free_agents: int,
    waiting: int,
    handle: HandleTimes,
    wrap_up: float = 0.0,
    samples: int = 300,
    budget: int | None = WORK_BUDGET,
    rng: random.Random | None = None,
) -> list[float]:
    """The estimated wait (s) of each queue position ``0 .. waiting - 1``, in one simulation pass.

    ``busy_elapsed``: how long (s) each busy operator able to take the queue has been on its
    current call; ``free_agents``: operators able to take it who are free now (a position below
    it waits 0 s); ``wrap_up``: after-call work (s) before an operator is free again. The values
    are non-decreasing in the position. ``samples`` simulation runs, at most
    ``budget // (busy + free + waiting)`` of them (at least 16): a run costs one departure per
    operator and per caller, and the budget keeps a call to a few ms (``None``: no cap). Raises
    ``ValueError`` on a negative or non-finite input, or when callers wait and no operator can
    take the queue.
    """
    if free_agents < 0 or waiting < 0 or samples < 1 or (budget is not None and budget < 1):
        raise ValueError("free_agents and waiting must be >= 0, samples and budget >= 1")
    if not math.isfinite(wrap_up) or wrap_up < 0:
        raise ValueError("wrap_up must be finite and >= 0")
    if any(not math.isfinite(a) or a < 0 for a in busy_elapsed):
        raise ValueError("busy_elapsed must be finite and >= 0")
    if waiting == 0:
        return []
    if not busy_elapsed and free_agents == 0:
        raise ValueError("callers wait but no operator can take the queue")
    if waiting <= free_agents:
        return [0.0] * waiting
    if budget is not None:
        samples = min(samples, max(MIN_BUDGET_SAMPLES, budget // (len(busy_elapsed) + free_agents + waiting)))
    rng = rng or random.Random()
    uniform = rng.random
    table = handle._quantiles
    size = TABLE_SIZE
    # Per busy operator: the probability its call would have ended by now; the residual is drawn
    # from the strata above it (u uniform on [F(a), 1)), exactly in the far tail.
    lows = [(a, handle.cdf(a)) for a in busy_elapsed]
    tail = [(a, low) for a, low in lows if (1.0 - low) * size < TAIL_STRATA]
    body = [
        (a - wrap_up, low * size, (1.0 - low) * size) for a, low in lows if (1.0 - low) * size >= TAIL_STRATA
    ]
    free_now = [0.0] * free_agents
    runs: list[list[float]] = []
    replace = heapq.heapreplace
    top = size - 1
    fresh_table = [q + wrap_up for q in table] if wrap_up else list(table)
    # Antithetic pairs: each draw is used once as u and once as 1 - u (the mirrored stratum of the
    # symmetric table). Every free-up time is non-decreasing in every handle time, so the two
    # runs are negatively correlated and a pair's mean has less variance than two independent runs.
    for _ in range((samples + 1) // 2):
        body_u = [uniform() for _ in body]
        tail_u = [uniform() for _ in tail]
        fresh_i = [int(size * uniform()) for _ in range(waiting)]
        for flip in (False, True):
            # free-up time = S - a + wrap_up, S the conditional handle time (u uniform on the
            # strata above F(a)); the clamp keeps the stratum that straddles a from going negative.
            if flip:
                free = [
                    table[top - int(span * u)] - shift
                    for (shift, _, span), u in zip(body, body_u, strict=True)
                ]
                tail_u = [1.0 - u for u in tail_u]
                fresh = [fresh_table[top - i] for i in fresh_i]
            else:
                free = [
                    table[int(base + span * u)] - shift
                    for (shift, base, span), u in zip(body, body_u, strict=True)
                ]
                fresh = [fresh_table[i] for i in fresh_i]
            free = [x if x > wrap_up else wrap_up for x in free]
            for (a, low), u in zip(tail, tail_u, strict=True):
                free.append(max(handle._exact_quantile(low + (1.0 - low) * u) - a, 0.0) + wrap_up)
            free.extend(free_now)
            heapq.heapify(free)
            # Free operators are in the heap at 0: the first positions take them, then wait. Each
            # freed operator takes the next caller ahead for a fresh handle time (plus wrap-up).
            moments: list[float] = []
            append = moments.append
            for handle_time in fresh:
                moment = free[0]
                append(moment)
                replace(free, moment + handle_time)
            runs.append(moments)
    return _shrunk_to_queue_length(runs, free_agents, len(busy_elapsed) + free_agents, handle.mean + wrap_up)


def _shrunk_to_queue_length(
    runs: list[list[float]], free_agents: int, agents: int, cycle: float
) -> list[float]:
    """The mean of the runs per position, shrunk towards the queue-length predictor by how much of
    its gap to it is Monte Carlo noise: ``QL + β (mean − QL)``, ``β = max(0, 1 − noise variance / gap²)``
    (the gap² observed is the true gap² plus the noise: this β estimates true² / (true² + noise)).

    Why: the simulation mean is the conditional expectation of the wait (the RMSE-best
    announcement) only up to its sampling noise, and with few operators the elapsed times move it
    so little from QL that the noise of a few hundred samples costs more RMSE than the elapsed
    times gain (measured at 8 operators: 64 plain samples were worse than QL). Where the gap
    stands out of the noise β is near 1 and the simulation speaks; where it does not, the
    announcement stays near QL, whose value is exact in expectation for memoryless calls."""
    estimates: list[float] = []
    for position, column in enumerate(zip(*runs, strict=True)):
        if position < free_agents:
            estimates.append(0.0)
            continue
        sums = [a + b for a, b in zip(column[::2], column[1::2], strict=True)]  # twice each pair mean
        count = len(sums)
        mean = sum(sums) / (2 * count)
        queue_length = (position - free_agents + 1) * cycle / agents
        gap = mean - queue_length
        # the variance of the mean of the pair means x = sum / 2: (Σx² − n·x̄²) / (n (n − 1))
        spread = sum(x * x for x in sums) / 4 - count * mean * mean
        noise = max(spread, 0.0) / (count * (count - 1)) if count > 1 else 0.0
        estimate = queue_length + gap * max(0.0, 1.0 - noise / (gap * gap)) if gap else mean
        # β varies by position: keep the announcements in queue order all the same
        estimates.append(max(estimate, estimates[-1]) if estimates else estimate)
    return estimates


def queue_length_estimate(position: int, agents: int, mean: float) -> float:
    """Ibrahim & Whitt's queue-length predictor: ``(position + 1) × mean handle / agents`` (s)."""
    if position < 0 or agents < 1 or not math.isfinite(mean) or mean <= 0:
        raise ValueError("position must be >= 0, agents >= 1 and mean finite and positive")
    return (position + 1) * mean / agents


def recent_average_wait(waits: Sequence[float], last: int = 10) -> float | None:
    """The average wait (s) of the last ``last`` answered callers (oldest first in ``waits``);
    ``None`` when nobody has been answered yet."""
    if last < 1:
        raise ValueError("last must be >= 1")
    recent = list(waits[-last:])
    if any(not math.isfinite(w) or w < 0 for w in recent):
        raise ValueError("waits must be finite and >= 0")
    return statistics.fmean(recent) if recent else None
