"""The vectorised E step equals a straightforward forward-backward, sequence by sequence.

The reference below is the textbook scaled Baum-Welch with 2x2 matrices in plain Python floats,
one sequence at a time; its log-likelihood is itself checked against brute-force enumeration of
every hidden path.
"""

from __future__ import annotations

import itertools
import math
import random

import pytest

from lessonkit.lesson.competency import MasteryParams
from lessonkit.policies.fitting import fit_bkt
from lessonkit.policies.forward_backward import (
    Counts,
    Packed,
    add,
    expected_counts,
    pack,
    split,
)


def _emit(p: MasteryParams, state: int, outcome: int) -> float:
    right = p.guess if state == 0 else 1.0 - p.slip
    return right if outcome else 1.0 - right


def _trans(p: MasteryParams) -> list[list[float]]:
    return [[1.0 - p.learn, p.learn], [p.forget, 1.0 - p.forget]]


def reference_counts(sequences: list[list[int]], p: MasteryParams) -> Counts:
    """Expected counts by the textbook algorithm, one sequence at a time."""
    a = _trans(p)
    total = dict.fromkeys(Counts.__slots__, 0.0)
    for seq in sequences:
        if not seq:
            continue
        alphas, scales = [], []
        prev = [1.0 - p.prior, p.prior]
        for t, o in enumerate(seq):
            if t:
                prev = [sum(alphas[-1][i] * a[i][j] for i in range(2)) for j in range(2)]
            unnorm = [prev[j] * _emit(p, j, o) for j in range(2)]
            scales.append(sum(unnorm))
            alphas.append([u / scales[-1] for u in unnorm])
        betas = [[1.0, 1.0] for _ in seq]
        for t in range(len(seq) - 2, -1, -1):
            betas[t] = [
                sum(a[i][j] * _emit(p, j, seq[t + 1]) * betas[t + 1][j] for j in range(2))
                / scales[t + 1]
                for i in range(2)
            ]
        gamma = [[alphas[t][i] * betas[t][i] for i in range(2)] for t in range(len(seq))]
        total["loglik"] += sum(math.log(c) for c in scales)
        total["known_first"] += gamma[0][1]
        for t, o in enumerate(seq):
            total["known"] += gamma[t][1]
            total["known_right"] += gamma[t][1] * o
            if t + 1 < len(seq):
                xi = [
                    [
                        alphas[t][i]
                        * a[i][j]
                        * _emit(p, j, seq[t + 1])
                        * betas[t + 1][j]
                        / scales[t + 1]
                        for j in range(2)
                    ]
                    for i in range(2)
                ]
                total["learned"] += xi[0][1]
                total["forgot"] += xi[1][0]
                total["unknown_before_next"] += xi[0][0] + xi[0][1]
                total["known_before_next"] += xi[1][0] + xi[1][1]
    return Counts(**total)


def brute_force_loglik(seq: list[int], p: MasteryParams) -> float:
    """log P(answers), summing over all 2^T hidden paths."""
    a = _trans(p)
    likelihood = 0.0
    for path in itertools.product((0, 1), repeat=len(seq)):
        prob = p.prior if path[0] else 1.0 - p.prior
        for t, (state, o) in enumerate(zip(path, seq, strict=True)):
            if t:
                prob *= a[path[t - 1]][state]
            prob *= _emit(p, state, o)
        likelihood += prob
    return math.log(likelihood)


def random_sequences(rng: random.Random, count: int, longest: int) -> list[list[int]]:
    return [[rng.randint(0, 1) for _ in range(rng.randint(0, longest))] for _ in range(count)]


def unpack(data: Packed) -> list[list[int]]:
    """The sequences of a pack, longest first."""
    return [
        [int(data.outcomes[data.starts[t] + r]) for t, c in enumerate(data.counts) if c > r]
        for r in range(data.sequences)
    ]


PARAMS = [
    MasteryParams(prior=0.3, learn=0.2, guess=0.25, slip=0.1),
    MasteryParams(prior=0.7, learn=0.05, guess=0.4, slip=0.3, forget=0.15),
    MasteryParams(prior=0.01, learn=0.9, guess=0.01, slip=0.02, forget=0.3),
]


@pytest.mark.parametrize("p", PARAMS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_vectorised_counts_equal_the_reference(p: MasteryParams, seed: int) -> None:
    rng = random.Random(seed)
    sequences = random_sequences(rng, count=40, longest=12)
    sequences.append([1] * 12)  # at least one of the longest length
    fast = expected_counts(pack(sequences), p)
    slow = reference_counts(sequences, p)
    for name in Counts.__slots__:
        assert getattr(fast, name) == pytest.approx(getattr(slow, name), rel=1e-10), name


def test_equal_lengths_take_the_transpose_path_and_agree() -> None:
    rng = random.Random(8)
    sequences = [[rng.randint(0, 1) for _ in range(7)] for _ in range(25)]
    for p in PARAMS:
        fast = expected_counts(pack(sequences), p)
        slow = reference_counts(sequences, p)
        for name in Counts.__slots__:
            assert getattr(fast, name) == pytest.approx(getattr(slow, name), rel=1e-10), name


def test_long_sequences_keep_the_likelihood_finite() -> None:
    # more steps than the running product is kept for, with small scales
    p = MasteryParams(prior=0.5, learn=0.01, guess=0.01, slip=0.01)
    sequences = [[(t // 3) % 2 for t in range(200)], [1, 0] * 40]
    fast = expected_counts(pack(sequences), p)
    assert math.isfinite(fast.loglik)
    assert fast.loglik == pytest.approx(reference_counts(sequences, p).loglik, rel=1e-10)


@pytest.mark.parametrize("p", PARAMS)
def test_reference_likelihood_is_the_sum_over_hidden_paths(p: MasteryParams) -> None:
    seq = [0, 1, 1, 0, 1, 1]
    assert reference_counts([seq], p).loglik == pytest.approx(brute_force_loglik(seq, p))


def test_packing_orders_by_length_without_padding() -> None:
    data = pack([[1], [], [0, 1, 1], [1, 0]])
    assert data.counts == (3, 2, 1)
    assert data.starts == (0, 3, 5)
    assert data.answers == 6 == len(data.outcomes)
    # time 0: longest first (stable): [0,1,1], [1,0], [1]; time 1: 1, 0; time 2: 1
    assert data.outcomes.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0, 1.0]
    assert data.right == 4
    assert unpack(data) == [[0, 1, 1], [1, 0], [1]]


def test_packing_round_trips_random_sequences() -> None:
    rng = random.Random(12)
    sequences = random_sequences(rng, count=200, longest=40)
    by_length = sorted((s for s in sequences if s), key=len, reverse=True)  # stable
    assert unpack(pack(sequences)) == by_length


def test_packing_accepts_bools_floats_and_reports_the_bad_sequence() -> None:
    assert pack([[True, False], [1.0, 0.0]]).outcomes.tolist() == [1.0, 1.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="sequence 2 holds values other than 0 and 1"):
        pack([[0, 1], [], [1, 0.5]])
    with pytest.raises(ValueError, match="sequence 1 holds"):
        pack([[0], [-1]])


def test_one_em_iteration_equals_the_reference_m_step() -> None:
    rng = random.Random(4)
    sequences = [s for s in random_sequences(rng, count=60, longest=10) if s]
    start = MasteryParams(prior=0.4, learn=0.2, guess=0.2, slip=0.15, forget=0.1)
    c = reference_counts(sequences, start)
    answers = sum(len(s) for s in sequences)
    right = sum(sum(s) for s in sequences)
    got = fit_bkt(sequences, init=start, max_iter=1, fit_forget=True)
    assert got.prior == pytest.approx(c.known_first / len(sequences))
    assert got.learn == pytest.approx(c.learned / c.unknown_before_next)
    assert got.forget == pytest.approx(c.forgot / c.known_before_next)
    assert got.guess == pytest.approx((right - c.known_right) / (answers - c.known))
    assert got.slip == pytest.approx((c.known - c.known_right) / c.known)


@pytest.mark.parametrize("parts", [2, 3, 7])
def test_split_packs_add_up_to_the_whole(parts: int) -> None:
    rng = random.Random(parts)
    sequences = [s for s in random_sequences(rng, count=50, longest=15) if s]
    whole = pack(sequences)
    pieces = split(whole, parts)
    assert 1 < len(pieces) <= parts
    assert sum(p.sequences for p in pieces) == whole.sequences
    assert sum(p.answers for p in pieces) == whole.answers
    unpacked = [seq for piece in pieces for seq in unpack(piece)]
    assert sorted(unpacked) == sorted(sequences)
    for params in PARAMS:
        together = add([expected_counts(p, params) for p in pieces])
        alone = expected_counts(whole, params)
        for name in Counts.__slots__:
            assert getattr(together, name) == pytest.approx(getattr(alone, name), rel=1e-12)


def test_threads_give_the_same_fit() -> None:
    rng = random.Random(5)
    sequences = [[rng.randint(0, 1) for _ in range(rng.randint(1, 30))] for _ in range(400)]
    one = fit_bkt(sequences, threads=1, fit_forget=True)
    two = fit_bkt(sequences, threads=2, fit_forget=True)
    for name in ("prior", "learn", "guess", "slip", "forget"):
        assert getattr(two, name) == pytest.approx(getattr(one, name), abs=1e-9)
