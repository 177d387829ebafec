"""Fitting BKT parameters to class evidence with expectation-maximisation (Baum-Welch).

Each learner contributes one sequence of 0/1 outcomes (first attempts, in order) for one
competency. The hidden state is known / not known; :func:`fit_bkt` alternates the forward-backward
pass (E step, :mod:`~lessonkit.policies.forward_backward`, vectorised over learners with NumPy)
and closed-form parameter updates (M step) until the log-likelihood stops improving.

Guess and slip are kept below 0.5: above that the two hidden states swap meaning ("knowing"
would make a wrong answer likelier), a degenerate optimum EM otherwise drifts into on sparse
data. EM finds a local optimum; ``restarts`` also runs it from random starting points (drawn as
pyBKT draws them) and keeps the best. NumPy is imported inside the functions so that
``import lessonkit`` stays light.

>>> seqs = [[0, 1, 1, 1], [0, 0, 1, 1], [1, 1, 1, 1], [0, 0, 0, 1]] * 25
>>> params = fit_bkt(seqs)
>>> 0 < params.guess < 0.5 and 0 < params.slip < 0.5
True
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace

from ..lesson.competency import MasteryParams
from .forward_backward import Counts, Packed, expected_counts, pack

__all__ = ["GUESS_SLIP_MAX", "bkt_log_likelihood", "fit_bkt"]

GUESS_SLIP_MAX = 0.499
"""Upper bound for guess and slip (see module docs)."""
_EPS = 1e-6
_START = MasteryParams(prior=0.3, learn=0.1, guess=0.2, slip=0.1)


def bkt_log_likelihood(sequences: Sequence[Sequence[int | bool]], params: MasteryParams) -> float:
    """Log-likelihood of the outcome sequences under ``params`` (higher fits better)."""
    return expected_counts(pack(sequences), _inside(params)).loglik


def _clip(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _inside(p: MasteryParams) -> MasteryParams:
    """``p`` moved just inside the open interval where every E-step quantity is finite."""
    return replace(
        p,
        prior=_clip(p.prior, _EPS, 1.0 - _EPS),
        learn=_clip(p.learn, _EPS, 1.0 - _EPS),
        forget=_clip(p.forget, 0.0, 1.0 - _EPS),
        guess=_clip(p.guess, _EPS, 1.0 - _EPS),
        slip=_clip(p.slip, _EPS, 1.0 - _EPS),
    )


def _m_step(c: Counts, data: Packed, p: MasteryParams, fit_forget: bool) -> MasteryParams:
    """Closed-form maximum of the expected complete-data log-likelihood."""
    unknown = data.answers - c.known
    learn = c.learned / max(c.unknown_before_next, _EPS)
    forget = c.forgot / max(c.known_before_next, _EPS) if fit_forget else p.forget
    guess = (data.right - c.known_right) / max(unknown, _EPS)
    slip = (c.known - c.known_right) / max(c.known, _EPS)
    return replace(
        p,
        prior=_clip(c.known_first / data.sequences, _EPS, 1.0 - _EPS),
        learn=_clip(learn, _EPS, 1.0 - _EPS),
        forget=_clip(forget, 0.0, 1.0 - _EPS),
        guess=_clip(guess, _EPS, GUESS_SLIP_MAX),
        slip=_clip(slip, _EPS, GUESS_SLIP_MAX),
    )


def _em(
    data: Packed, start: MasteryParams, max_iter: int, tol: float, fit_forget: bool
) -> tuple[MasteryParams, float]:
    """EM from ``start``; the parameters and the log-likelihood of the last E step."""
    params = start
    previous = loglik = -float("inf")
    for _ in range(max_iter):
        counts = expected_counts(data, params)
        loglik = counts.loglik
        params = _m_step(counts, data, params, fit_forget)
        if loglik - previous < tol:
            break
        previous = loglik
    return params, loglik


def _random_start(rng: random.Random, base: MasteryParams, fit_forget: bool) -> MasteryParams:
    """A starting point drawn like pyBKT's (prior U(0,1), learn and guess U(0,0.4), slip
    U(0,0.3)), kept inside the fit's bounds."""
    return _inside(
        replace(
            base,
            prior=rng.random(),
            learn=0.4 * rng.random(),
            guess=0.4 * rng.random(),
            slip=0.3 * rng.random(),
            forget=0.05 + 0.2 * rng.random() if fit_forget else base.forget,
        )
    )


def fit_bkt(
    sequences: Sequence[Sequence[int | bool]],
    *,
    init: MasteryParams | None = None,
    max_iter: int = 200,
    tol: float = 1e-2,
    fit_forget: bool = False,
    restarts: int = 0,
    seed: int = 0,
) -> MasteryParams:
    """Maximum-likelihood BKT parameters for one competency, by EM.

    Parameters
    ----------
    sequences
        One sequence of 0/1 outcomes per learner, in answer order (empty ones are skipped).
    init
        Starting point (its ``threshold`` is carried over); a neutral default when omitted.
        EM finds a local optimum, so a sensible start (the lesson's current values) helps.
    max_iter
        Most EM iterations (per start).
    tol
        Stop when an iteration improves the log-likelihood (of all the data, in nats) by less
        than this. Parameter changes that move the log-likelihood by much less than 0.5 are
        far inside their statistical uncertainty, whatever the size of the class.
    fit_forget
        Also estimate ``forget``; otherwise it stays at ``init.forget`` (standard BKT: 0).
    restarts
        Also run EM from this many random starting points and keep the fit with the highest
        log-likelihood (pyBKT's default of 5 fits is ``restarts=4``).
    seed
        Seed of the random starting points.
    """
    data = pack(sequences)
    base = init or _START
    first = _inside(
        replace(
            base,
            guess=min(base.guess, GUESS_SLIP_MAX),
            slip=min(base.slip, GUESS_SLIP_MAX),
            # EM never moves a probability off exactly 0, so forgetting needs a non-zero start
            forget=max(base.forget, 0.05) if fit_forget else base.forget,
        )
    )
    rng = random.Random(seed)
    best, best_loglik = _em(data, first, max_iter, tol, fit_forget)
    for _ in range(restarts):
        start = _random_start(rng, base, fit_forget)
        params, loglik = _em(data, start, max_iter, tol, fit_forget)
        if loglik > best_loglik:
            best, best_loglik = params, loglik
    return replace(best, threshold=base.threshold)
