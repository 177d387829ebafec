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

import os
import random
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from ..lesson.competency import MasteryParams
from .forward_backward import Counts, Packed, add, expected_counts, pack, split

__all__ = ["GUESS_SLIP_MAX", "bkt_log_likelihood", "fit_bkt"]

GUESS_SLIP_MAX = 0.499
"""Upper bound for guess and slip (see module docs)."""
_EPS = 1e-6
_START = MasteryParams(prior=0.3, learn=0.1, guess=0.2, slip=0.1)
_SCREEN_TOL = 1.0
"""Log-likelihood gain per iteration (nats) below which random starts are compared."""
_THREADED_ANSWERS = 200_000
"""From this many answers the E step runs in threads (below, their overhead outweighs)."""


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


class _EM:
    """EM over one data set; the E step's parts run in parallel threads when there are several.

    NumPy releases the GIL inside its array operations, so threads working on disjoint groups
    of sequences run truly in parallel; their counts simply add up.
    """

    def __init__(self, data: Packed, threads: int, max_iter: int, fit_forget: bool) -> None:
        self.data = data
        self.max_iter = max_iter
        self.fit_forget = fit_forget
        self.parts = split(data, threads) if threads > 1 else [data]
        self.pool = ThreadPoolExecutor(len(self.parts)) if len(self.parts) > 1 else None

    def e_step(self, params: MasteryParams) -> Counts:
        if self.pool is None:
            return expected_counts(self.data, params)
        return add(list(self.pool.map(lambda part: expected_counts(part, params), self.parts)))

    def run(self, start: MasteryParams, tol: float) -> tuple[MasteryParams, float]:
        """EM from ``start``; the parameters and the log-likelihood of the last E step."""
        params = start
        previous = loglik = -float("inf")
        for _ in range(self.max_iter):
            counts = self.e_step(params)
            loglik = counts.loglik
            params = _m_step(counts, self.data, params, self.fit_forget)
            if loglik - previous < tol:
                break
            previous = loglik
        return params, loglik

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def _default_threads(answers: int) -> int:
    """All usable cores for large data (the E step then takes tens of milliseconds), else 1."""
    if answers < _THREADED_ANSWERS:
        return 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(usable or 1, 8, answers // (_THREADED_ANSWERS // 2)))


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
    threads: int | None = None,
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
        log-likelihood (pyBKT's default of 5 fits is ``restarts=4``). Each start runs until EM
        gains less than 1 nat per iteration; only the best is then run on to ``tol``.
    seed
        Seed of the random starting points.
    threads
        Threads for the E step; by default all usable cores from 200,000 answers, else one.
        Results agree to rounding whatever the number.
    """
    data = pack(sequences)
    em = _EM(
        data,
        _default_threads(data.answers) if threads is None else threads,
        max_iter,
        fit_forget,
    )
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
    try:
        if not restarts:
            return replace(em.run(first, tol)[0], threshold=base.threshold)
        # Screen every start until EM slows to _SCREEN_TOL per iteration, then run only the
        # most likely one on to ``tol``: the starts' optima are told apart long before.
        rng = random.Random(seed)
        screen = max(tol, _SCREEN_TOL)
        best, best_loglik = em.run(first, screen)
        for _ in range(restarts):
            params, loglik = em.run(_random_start(rng, base, fit_forget), screen)
            if loglik > best_loglik:
                best, best_loglik = params, loglik
        return replace(em.run(best, tol)[0], threshold=base.threshold)
    finally:
        em.close()
