"""fit_bkt: EM recovers the parameters that generated simulated class evidence."""

from __future__ import annotations

import math
import random

import pytest

from lessonkit.lesson.model import MasteryParams
from lessonkit.policies.fitting import GUESS_SLIP_MAX, bkt_log_likelihood, fit_bkt


def simulate(params: MasteryParams, learners: int, seed: int) -> list[list[int]]:
    """Outcome sequences from the BKT generative process (answer, then maybe learn/forget)."""
    rng = random.Random(seed)
    sequences = []
    for _ in range(learners):
        known = rng.random() < params.prior
        seq = []
        for _ in range(rng.randint(4, 14)):
            p_right = 1 - params.slip if known else params.guess
            seq.append(int(rng.random() < p_right))
            known = rng.random() >= params.forget if known else rng.random() < params.learn
        sequences.append(seq)
    return sequences


@pytest.mark.parametrize(
    "true",
    [
        MasteryParams(prior=0.25, learn=0.2, guess=0.15, slip=0.1),
        MasteryParams(prior=0.5, learn=0.1, guess=0.3, slip=0.05),
    ],
)
def test_recovers_generating_parameters(true: MasteryParams) -> None:
    data = simulate(true, learners=3000, seed=11)
    fitted = fit_bkt(data)
    for name in ("prior", "learn", "guess", "slip"):
        assert getattr(fitted, name) == pytest.approx(getattr(true, name), abs=0.04), name
    assert fitted.forget == 0.0
    # the fit explains the data at least as well as the truth (it is the MLE)
    assert bkt_log_likelihood(data, fitted) >= bkt_log_likelihood(data, true) - 1e-6


def test_recovers_forget_when_asked() -> None:
    true = MasteryParams(prior=0.4, learn=0.25, guess=0.1, slip=0.1, forget=0.08)
    fitted = fit_bkt(simulate(true, learners=4000, seed=5), fit_forget=True)
    assert fitted.forget == pytest.approx(0.08, abs=0.04)
    assert fitted.learn == pytest.approx(0.25, abs=0.06)


def test_guess_and_slip_stay_below_one_half() -> None:
    # mostly wrong answers from "learners" who never improve: EM would like guess/slip > 0.5
    rng = random.Random(3)
    data = [[int(rng.random() < 0.7) for _ in range(8)] for _ in range(300)]
    fitted = fit_bkt(data, init=MasteryParams(prior=0.1, learn=0.05, guess=0.45, slip=0.45))
    assert fitted.guess <= GUESS_SLIP_MAX
    assert fitted.slip <= GUESS_SLIP_MAX


def test_init_threshold_is_kept_and_empty_sequences_skipped() -> None:
    data = [*simulate(MasteryParams(), learners=200, seed=2), []]
    fitted = fit_bkt(data, init=MasteryParams(threshold=0.9), max_iter=5)
    assert fitted.threshold == 0.9


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        fit_bkt([[], []])
    with pytest.raises(ValueError, match="other than 0 and 1"):
        fit_bkt([[0, 2, 1]])


def test_log_likelihood_matches_a_hand_computation() -> None:
    p = MasteryParams(prior=0.5, learn=0.1, guess=0.2, slip=0.1)
    # P(1) = 0.5*0.9 + 0.5*0.2 = 0.55; then P(known) = 0.8364 (see the mastery tests)
    p_known = 0.45 / 0.55 + (1 - 0.45 / 0.55) * 0.1
    p_then_wrong = p_known * 0.1 + (1 - p_known) * 0.8
    assert bkt_log_likelihood([[1, 0]], p) == pytest.approx(math.log(0.55 * p_then_wrong))


def test_default_tolerance_stops_close_to_the_converged_optimum() -> None:
    true = MasteryParams(prior=0.3, learn=0.15, guess=0.2, slip=0.1)
    data = simulate(true, learners=2000, seed=8)
    quick = fit_bkt(data)
    converged = fit_bkt(data, tol=1e-10, max_iter=5000)
    for name in ("prior", "learn", "guess", "slip"):
        # far inside the statistical error at this size (about 0.01)
        assert getattr(quick, name) == pytest.approx(getattr(converged, name), abs=2e-3), name


def test_restarts_keep_the_most_likely_fit_reproducibly() -> None:
    true = MasteryParams(prior=0.25, learn=0.2, guess=0.15, slip=0.1)
    data = simulate(true, learners=1500, seed=13)
    # a poor start: EM from here stops at a worse optimum within a few iterations
    poor = MasteryParams(prior=0.95, learn=0.001, guess=0.45, slip=0.4)
    single = fit_bkt(data, init=poor, max_iter=3)
    several = fit_bkt(data, init=poor, max_iter=3, restarts=6, seed=1)
    assert bkt_log_likelihood(data, several) > bkt_log_likelihood(data, single)
    assert fit_bkt(data, init=poor, max_iter=3, restarts=6, seed=1) == several
    # the same seed draws the same first starts, so keeping the best never gets worse
    logliks = [
        bkt_log_likelihood(data, fit_bkt(data, init=poor, max_iter=3, restarts=k, seed=1))
        for k in range(7)
    ]
    assert logliks == sorted(logliks)
    full = fit_bkt(data, restarts=4, seed=2)
    for name in ("prior", "learn", "guess", "slip"):
        assert getattr(full, name) == pytest.approx(getattr(true, name), abs=0.04), name
