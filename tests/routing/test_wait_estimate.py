"""The estimated wait a queued caller hears (routing/wait_estimate.py): its properties, with fixed
seeds. The accuracy against simulated traffic is benchmarks/bench_wait_estimate.py."""

import math
import random
import statistics

import pytest

from routing.wait_estimate import (
    DEFAULT_CV,
    DEFAULT_MEAN,
    HandleTimes,
    queue_length_estimate,
    recent_average_wait,
    wait_estimates,
)

DEFAULT = HandleTimes.from_mean_cv()


def test_the_default_is_mean_320_s_cv_0_8():
    assert DEFAULT.mean == pytest.approx(320.0)
    variance = (math.exp(DEFAULT.sigma**2) - 1) * DEFAULT.mean**2
    assert math.sqrt(variance) / DEFAULT.mean == pytest.approx(0.8)


def test_estimates_are_non_decreasing_in_the_position():
    rng = random.Random(3)
    busy = [rng.uniform(0, 900) for _ in range(20)]
    waits = wait_estimates(busy_elapsed=busy, free_agents=0, waiting=60, handle=DEFAULT, rng=rng)
    assert len(waits) == 60
    assert all(later >= earlier for earlier, later in zip(waits, waits[1:], strict=False))
    assert waits[-1] > waits[0] > 0


def test_positions_below_the_free_operators_wait_nothing_and_the_next_ones_wait():
    waits = wait_estimates(
        busy_elapsed=[30.0, 200.0, 400.0], free_agents=2, waiting=6, handle=DEFAULT, rng=random.Random(1)
    )
    assert waits[:2] == [0.0, 0.0]
    assert all(w > 0 for w in waits[2:])
    assert wait_estimates(busy_elapsed=[10.0], free_agents=3, waiting=3, handle=DEFAULT) == [0.0] * 3
    assert wait_estimates(busy_elapsed=[10.0], free_agents=0, waiting=0, handle=DEFAULT) == []


def test_one_operator_on_a_fresh_call_serves_the_queue_one_mean_handle_time_per_caller():
    waits = wait_estimates(
        busy_elapsed=[0.0],
        free_agents=0,
        waiting=3,
        handle=DEFAULT,
        samples=4000,
        budget=None,
        rng=random.Random(2),
    )
    for position, wait in enumerate(waits):
        assert wait == pytest.approx((position + 1) * 320.0, rel=0.04)


def test_the_first_wait_is_the_residual_of_a_call_conditioned_on_its_elapsed_time():
    rng = random.Random(4)
    elapsed = 600.0  # past the mean: the residual of such a call is longer than its hazard-free guess
    residuals = []
    while len(residuals) < 20000:
        handle_time = rng.lognormvariate(DEFAULT.mu, DEFAULT.sigma)
        if handle_time > elapsed:
            residuals.append(handle_time - elapsed)
    estimate = wait_estimates(
        busy_elapsed=[elapsed], free_agents=0, waiting=1, handle=DEFAULT, samples=6000, budget=None, rng=rng
    )
    assert estimate[0] == pytest.approx(statistics.fmean(residuals), rel=0.04)
    # a very long call (beyond the strata table) is sampled exactly, still the conditional residual
    long_call = wait_estimates(busy_elapsed=[5000.0], free_agents=0, waiting=1, handle=DEFAULT, rng=rng)
    assert 100 < long_call[0] < 5000


def test_many_operators_in_equilibrium_match_the_many_server_expectation():
    """With many busy operators whose calls are at equilibrium ages, departures are nearly Poisson
    at rate c / mean (Palm–Khintchine), as in M/M/c: position k waits about (k + 1) × mean / c."""
    rng = random.Random(5)
    agents, positions, states = 50, 80, 40
    totals = [0.0] * positions
    for _ in range(states):
        # the age of a call in progress: uniform over a length-biased handle time
        busy = []
        while len(busy) < agents:
            handle_time = rng.lognormvariate(DEFAULT.mu, DEFAULT.sigma)
            if rng.random() < handle_time / 3000.0:
                busy.append(rng.random() * handle_time)
        waits = wait_estimates(busy_elapsed=busy, free_agents=0, waiting=positions, handle=DEFAULT, rng=rng)
        totals = [total + wait for total, wait in zip(totals, waits, strict=True)]
    for position in (9, 39, 79):
        expected = queue_length_estimate(position, agents, DEFAULT.mean)
        assert totals[position] / states == pytest.approx(expected, rel=0.06)


def test_wrap_up_delays_every_operator():
    rng = random.Random(6)
    plain = wait_estimates(busy_elapsed=[100.0] * 4, free_agents=0, waiting=8, handle=DEFAULT, rng=rng)
    rng = random.Random(6)
    wrapped = wait_estimates(
        busy_elapsed=[100.0] * 4, free_agents=0, waiting=8, handle=DEFAULT, wrap_up=30, rng=rng
    )
    assert wrapped[0] == pytest.approx(plain[0] + 30, abs=3)  # the same draws: the first free-up, 30 s later
    # position 7 waits for an operator's second call or later: at least two wrap-ups more
    assert wrapped[7] >= plain[7] + 60 - 1e-9


def test_a_fixed_seed_gives_the_same_estimates():
    def run():
        return wait_estimates(
            busy_elapsed=[50.0, 80.0], free_agents=0, waiting=5, handle=DEFAULT, rng=random.Random(9)
        )

    assert run() == run()


def test_the_fit_recovers_mu_and_sigma():
    rng = random.Random(7)
    handle_times = [rng.lognormvariate(5.4, 0.7) for _ in range(5000)]
    fitted = HandleTimes.fit(handle_times)
    assert fitted.mu == pytest.approx(5.4, abs=0.03)
    assert fitted.sigma == pytest.approx(0.7, abs=0.03)


def test_the_fit_falls_back_to_the_default_with_too_few_samples_and_ignores_bad_ones():
    assert HandleTimes.fit([300.0] * 19) == HandleTimes.from_mean_cv(DEFAULT_MEAN, DEFAULT_CV)
    rng = random.Random(8)
    good = [rng.lognormvariate(5.4, 0.7) for _ in range(500)]
    bad = [0.0, -5.0, math.nan, math.inf]
    assert HandleTimes.fit(good + bad) == HandleTimes.fit(good)
    # a call logged as lasting a week counts as 4 h, so it cannot drag the mean far
    assert HandleTimes.fit([*good, 7 * 86400.0]).mean < HandleTimes.fit(good).mean * 1.2
    # identical handle times: sigma stays at its floor instead of 0
    assert HandleTimes.fit([300.0] * 50).sigma == pytest.approx(0.05)


@pytest.mark.parametrize(
    "arguments",
    [
        {"busy_elapsed": [-1.0], "free_agents": 0, "waiting": 1},
        {"busy_elapsed": [math.nan], "free_agents": 0, "waiting": 1},
        {"busy_elapsed": [10.0], "free_agents": -1, "waiting": 1},
        {"busy_elapsed": [10.0], "free_agents": 0, "waiting": -1},
        {"busy_elapsed": [10.0], "free_agents": 0, "waiting": 1, "samples": 0},
        {"busy_elapsed": [10.0], "free_agents": 0, "waiting": 1, "wrap_up": -1.0},
        {"busy_elapsed": [], "free_agents": 0, "waiting": 1},
    ],
)
def test_bad_input_raises_value_error(arguments):
    with pytest.raises(ValueError):
        wait_estimates(handle=DEFAULT, **arguments)


@pytest.mark.parametrize(
    "build",
    [
        lambda: HandleTimes(mu=5.0, sigma=0.0),
        lambda: HandleTimes(mu=math.nan, sigma=0.5),
        lambda: HandleTimes.from_mean_cv(mean=0.0),
        lambda: HandleTimes.from_mean_cv(cv=-1.0),
        lambda: queue_length_estimate(0, 0, 320.0),
        lambda: queue_length_estimate(-1, 5, 320.0),
        lambda: queue_length_estimate(0, 5, 0.0),
        lambda: recent_average_wait([10.0, -3.0]),
        lambda: recent_average_wait([10.0], last=0),
    ],
)
def test_bad_distribution_or_anchor_input_raises_value_error(build):
    with pytest.raises(ValueError):
        build()


def test_the_anchors():
    assert queue_length_estimate(0, 8, 320.0) == pytest.approx(40.0)
    assert queue_length_estimate(9, 50, 320.0) == pytest.approx(64.0)
    assert recent_average_wait([]) is None
    assert recent_average_wait([1000.0] + [10.0] * 10) == pytest.approx(10.0)  # only the last 10
    assert recent_average_wait([20.0, 40.0]) == pytest.approx(30.0)


def test_the_work_budget_caps_the_runs_of_a_long_queue_but_not_of_a_short_one():
    def run(waiting, budget):
        return wait_estimates(
            busy_elapsed=[60.0] * 50, free_agents=0, waiting=waiting, handle=DEFAULT, budget=budget,
            rng=random.Random(11),
        )  # fmt: skip

    assert run(100, 9600) == run(100, 9700)  # both 64 runs: 9600 // 150 = 9700 // 150 = 64
    assert run(100, 9600) != run(100, None)  # 300 runs
    assert run(10, 60 * 300) == run(10, None)  # the budget allows all 300
