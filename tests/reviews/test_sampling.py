"""The review sample's draw (quality.sampling): reproducible from its seed, complaints and low
scores first, calls without a recording skipped where one is required."""

import random

from reviews.sampling import Candidate, sample_all, sample_for_operator


def month(operators=40, calls=20_000, seed=7):
    draw = random.Random(seed)
    out = []
    for call_id in range(1, calls + 1):
        answered = draw.random() < 0.15
        out.append(
            Candidate(
                call_id=call_id, operator_id=draw.randrange(operators), has_recording=draw.random() < 0.97,
                complaint=draw.random() < 0.01, score=draw.randint(1, 5) if answered else None,
                is_test=draw.random() < 0.001,
            )
        )  # fmt: skip
    return out


def test_the_same_seed_draws_the_same_sample_whatever_the_order_of_the_rows():
    calls = month()
    shuffled = calls[:]
    random.Random(1).shuffle(shuffled)

    assert sample_all(calls, seed=42, size=10) == sample_all(shuffled, seed=42, size=10)
    assert sample_all(calls, seed=42, size=10) != sample_all(calls, seed=43, size=10)


def test_test_calls_then_complaints_then_low_scores_lowest_first_then_random():
    calls = [Candidate(call_id=i, operator_id=1, has_recording=True) for i in range(1, 101)]
    calls[10] = Candidate(call_id=11, operator_id=1, has_recording=True, score=2)
    calls[20] = Candidate(call_id=21, operator_id=1, has_recording=True, score=1)
    calls[30] = Candidate(call_id=31, operator_id=1, has_recording=True, complaint=True, score=4)
    calls[40] = Candidate(call_id=41, operator_id=1, has_recording=True, score=5)
    calls[50] = Candidate(call_id=51, operator_id=1, has_recording=True, is_test=True)

    picked = sample_for_operator(calls, seed=1, operator_id=1, size=10)

    assert [(p.call_id, p.reason) for p in picked[:4]] == [
        (51, "test"), (31, "complaint"), (21, "low_score"), (11, "low_score"),
    ]  # fmt: skip
    assert [p.reason for p in picked[4:]] == ["random"] * 6
    assert [p.rank for p in picked] == list(range(1, 11))
    assert len({p.call_id for p in picked}) == 10


def test_calls_without_a_recording_are_skipped_where_one_is_required():
    calls = [
        Candidate(call_id=i, operator_id=1, has_recording=i % 2 == 0, complaint=True) for i in range(1, 21)
    ]

    required = sample_for_operator(calls, seed=1, operator_id=1, size=10)
    not_required = sample_for_operator(calls, seed=1, operator_id=1, size=20, recording_required=False)

    assert {p.call_id % 2 for p in required} == {0}
    assert len(not_required) == 20


def test_an_operator_with_few_calls_gets_them_all_and_others_are_not_reshuffled():
    calls = month(operators=5, calls=500)
    few = [Candidate(call_id=10_000 + i, operator_id=99, has_recording=True) for i in range(3)]

    alone = sample_all(calls, seed=5, size=10)
    together = sample_all(calls + few, seed=5, size=10)

    assert len(together[99]) == 3
    assert {k: v for k, v in together.items() if k != 99} == alone
