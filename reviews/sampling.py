"""The monthly review sample: which of an operator's calls the quality group listens to.

Pure and deterministic: the same candidates and seed give the same sample on any machine and
any database (candidates are ordered by call id before anything random is drawn, and each
operator's draw has its own generator seeded from the sample's seed and the operator's id, so
adding an operator does not reshuffle the others). Tiers, in order: the quality group's own test
calls (placed to be reviewed), calls with a complaint, calls the caller scored low (lowest
first), then the rest at random. Within a tier, ties are broken at random from the seed. A call
without a recording is skipped where a recording is required: a reviewer cannot listen to it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    call_id: int
    operator_id: int
    has_recording: bool
    is_test: bool = False
    complaint: bool = False
    score: int | None = None  # the caller's survey score, 1 to 5, None when not answered


@dataclass(frozen=True)
class Picked:
    call_id: int
    reason: str  # "test", "complaint", "low_score" or "random"
    rank: int  # 1-based, the order the reviewer works in


TEST, COMPLAINT, LOW_SCORE, RANDOM = "test", "complaint", "low_score", "random"


def _tier(candidate: Candidate, low_score_max: int) -> tuple[int, str, int]:
    if candidate.is_test:
        return 0, TEST, 0
    if candidate.complaint:
        return 1, COMPLAINT, candidate.score or 0
    if candidate.score is not None and candidate.score <= low_score_max:
        return 2, LOW_SCORE, candidate.score
    return 3, RANDOM, 0


def operator_seed(seed: int, operator_id: int) -> int:
    # Not hash(): string hashing is salted per process; this is the same everywhere.
    return (seed * 1_000_003 + operator_id) % (2**63)


def sample_for_operator(
    candidates: Iterable[Candidate],
    *,
    seed: int,
    operator_id: int,
    size: int,
    low_score_max: int = 2,
    recording_required: bool = True,
) -> list[Picked]:
    """Up to ``size`` of one operator's calls, in review order."""
    draw = random.Random(operator_seed(seed, operator_id))
    eligible = sorted(
        (c for c in candidates if c.has_recording or not recording_required), key=lambda c: c.call_id
    )
    keyed = []
    for candidate in eligible:
        tier, reason, within = _tier(candidate, low_score_max)
        # One draw per candidate, in call id order, whatever its tier: reproducible.
        keyed.append(((tier, within, draw.random()), candidate.call_id, reason))
    keyed.sort()
    return [Picked(call_id, reason, rank) for rank, (_key, call_id, reason) in enumerate(keyed[:size], 1)]


def sample_all(
    candidates: Iterable[Candidate],
    *,
    seed: int,
    size: int,
    low_score_max: int = 2,
    recording_required: bool = True,
) -> dict[int, list[Picked]]:
    """Every operator's sample, by operator id."""
    by_operator: dict[int, list[Candidate]] = {}
    for candidate in candidates:
        by_operator.setdefault(candidate.operator_id, []).append(candidate)
    return {
        operator_id: sample_for_operator(
            own,
            seed=seed,
            operator_id=operator_id,
            size=size,
            low_score_max=low_score_max,
            recording_required=recording_required,
        )
        for operator_id, own in sorted(by_operator.items())
    }
