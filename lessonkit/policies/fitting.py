"""Fitting BKT parameters to class evidence with expectation-maximisation (Baum-Welch).

Each learner contributes one sequence of 0/1 outcomes (first attempts, in order) for one
competency. The hidden state is known / not known; :func:`fit_bkt` alternates the forward-backward
pass (E step, vectorised over learners with NumPy) and closed-form parameter updates (M step)
until the log-likelihood stops improving.

Guess and slip are kept below 0.5: above that the two hidden states swap meaning ("knowing"
would make a wrong answer likelier), a degenerate optimum EM otherwise drifts into on sparse
data. NumPy is imported inside the functions so that ``import lessonkit`` stays light.

>>> seqs = [[0, 1, 1, 1], [0, 0, 1, 1], [1, 1, 1, 1], [0, 0, 0, 1]] * 25
>>> params = fit_bkt(seqs)
>>> 0 < params.guess < 0.5 and 0 < params.slip < 0.5
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..lesson.model import MasteryParams

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

__all__ = ["GUESS_SLIP_MAX", "bkt_log_likelihood", "fit_bkt"]

GUESS_SLIP_MAX = 0.499
"""Upper bound for guess and slip (see module docs)."""
_EPS = 1e-6
_START = MasteryParams(prior=0.3, learn=0.1, guess=0.2, slip=0.1)


def _arrays(sequences: Sequence[Sequence[int | bool]]) -> tuple[FloatArray, FloatArray]:
    """Outcomes padded into an (N, T) array, and the (N, T) mask of real observations."""
    import numpy as np

    seqs = [s for s in sequences if len(s)]
    if not seqs:
        raise ValueError("fit_bkt needs at least one non-empty sequence")
    width = max(len(s) for s in seqs)
    obs = np.zeros((len(seqs), width))
    mask = np.zeros((len(seqs), width))
    for i, seq in enumerate(seqs):
        values = np.asarray(seq, dtype=float)
        if not np.all((values == 0) | (values == 1)):
            raise ValueError(f"sequence {i} holds values other than 0 and 1")
        obs[i, : len(seq)] = values
        mask[i, : len(seq)] = 1.0
    return obs, mask


def _forward_backward(
    obs: FloatArray, mask: FloatArray, p: MasteryParams
) -> tuple[FloatArray, FloatArray, float]:
    """Posterior state probabilities gamma (N, T, 2), transition counts (2, 2), log-likelihood.

    State 0 is "not known", 1 is "known". Padded positions emit with likelihood 1 in both
    states, so they carry no evidence and leave the real positions' posteriors unchanged.
    """
    import numpy as np

    n, width = obs.shape
    trans = np.array([[1.0 - p.learn, p.learn], [p.forget, 1.0 - p.forget]])
    p_right = np.array([p.guess, 1.0 - p.slip])
    # emission likelihood per learner, time and state
    emit = np.where(obs[..., None] == 1.0, p_right, 1.0 - p_right)
    emit = np.where(mask[..., None] == 1.0, emit, 1.0)

    alpha = np.empty((n, width, 2))
    scale = np.empty((n, width))
    a = np.array([1.0 - p.prior, p.prior]) * emit[:, 0]
    for t in range(width):
        if t:
            a = (alpha[:, t - 1] @ trans) * emit[:, t]
        c = a.sum(axis=1)
        c[c == 0.0] = 1e-300  # impossible evidence under degenerate bounds: avoid 0/0
        alpha[:, t] = a / c[:, None]
        scale[:, t] = c
    beta = np.ones((n, width, 2))
    for t in range(width - 2, -1, -1):
        beta[:, t] = ((emit[:, t + 1] * beta[:, t + 1]) @ trans.T) / scale[:, t + 1, None]

    gamma = alpha * beta
    gamma /= gamma.sum(axis=2, keepdims=True)
    # expected transitions i -> j between two real observations
    both = (mask[:, :-1] * mask[:, 1:])[..., None, None]
    xi = (
        alpha[:, :-1, :, None]
        * trans[None, None]
        * (emit[:, 1:] * beta[:, 1:])[:, :, None, :]
        / scale[:, 1:, None, None]
    )
    counts = (xi * both).sum(axis=(0, 1))
    loglik = float(np.log(scale).sum())  # padded positions have scale 1
    return gamma, counts, loglik


def bkt_log_likelihood(sequences: Sequence[Sequence[int | bool]], params: MasteryParams) -> float:
    """Log-likelihood of the outcome sequences under ``params`` (higher fits better)."""
    obs, mask = _arrays(sequences)
    return _forward_backward(obs, mask, params)[2]


def _clip(value: Any, low: float, high: float) -> float:
    return float(min(max(float(value), low), high))


def fit_bkt(
    sequences: Sequence[Sequence[int | bool]],
    *,
    init: MasteryParams | None = None,
    max_iter: int = 200,
    tol: float = 1e-6,
    fit_forget: bool = False,
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
        Most EM iterations.
    tol
        Stop when the log-likelihood improves by less than this.
    fit_forget
        Also estimate ``forget``; otherwise it stays at ``init.forget`` (standard BKT: 0).
    """
    import numpy as np

    obs, mask = _arrays(sequences)
    params = init or _START
    params = replace(
        params,
        guess=min(params.guess, GUESS_SLIP_MAX),
        slip=min(params.slip, GUESS_SLIP_MAX),
        # EM never moves a probability off exactly 0, so forgetting needs a non-zero start
        forget=max(params.forget, 0.05) if fit_forget else params.forget,
    )
    previous = -np.inf
    for _ in range(max_iter):
        gamma, counts, loglik = _forward_backward(obs, mask, params)
        g_unknown = gamma[..., 0] * mask
        g_known = gamma[..., 1] * mask
        # learn: unknown -> known transitions over time spent unknown (before a next answer)
        learn = counts[0, 1] / max(counts[0].sum(), _EPS)
        forget = counts[1, 0] / max(counts[1].sum(), _EPS) if fit_forget else params.forget
        guess = (g_unknown * obs).sum() / max(g_unknown.sum(), _EPS)
        slip = (g_known * (1.0 - obs)).sum() / max(g_known.sum(), _EPS)
        params = replace(
            params,
            prior=_clip(gamma[:, 0, 1].mean(), _EPS, 1.0 - _EPS),
            learn=_clip(learn, _EPS, 1.0 - _EPS),
            forget=_clip(forget, 0.0, 1.0 - _EPS),
            guess=_clip(guess, _EPS, GUESS_SLIP_MAX),
            slip=_clip(slip, _EPS, GUESS_SLIP_MAX),
        )
        if loglik - previous < tol:
            break
        previous = loglik
    return params
