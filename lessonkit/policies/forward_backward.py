"""The E step of BKT fitting: forward-backward over many outcome sequences at once.

BKT has two hidden states (not known / known), so the forward-backward recursions are written
out elementwise instead of as 2x2 matrix products, and every time step handles all learners in a
few NumPy operations:

* the *forward* pass keeps ``k_t`` = P(known at t | answers before t) and the filtered
  ``f_t`` = P(known at t | answers up to t); the scale ``c_t`` = P(answer t | answers before t)
  multiplies up to the likelihood;
* the *backward* pass is the two-state smoother
  ``P(known_t | all) = f_t ((1-F) r1 + F r0)`` with ``r1 = P(known_{t+1} | all) / k_{t+1}``
  and ``r0 = P(not known_{t+1} | all) / (1 - k_{t+1})``; the same ratios give the expected
  learn and forget transitions, so no (N, T, 2, 2) array is ever built.

Sequences are *packed time-major*: sorted by length, longest first, so the answers at time
``t`` of every sequence still running are one contiguous slice of one flat array, with no
padding (memory is one float per answer whatever the spread of lengths).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING

from ..lesson.competency import MasteryParams

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

__all__ = ["Counts", "Packed", "add", "expected_counts", "pack", "split"]

# Take the log of the running product of scales this often: each scale is at least
# min(guess, slip, 1-guess, 1-slip) >= 1e-6 under the fit's bounds, so 32 steps stay > 1e-192.
_LOG_EVERY = 32


@dataclass(frozen=True, slots=True)
class Packed:
    """Outcome sequences packed time-major (see the module docs)."""

    outcomes: FloatArray
    """Every answer (0.0 or 1.0); the answers at time ``t`` are ``outcomes[starts[t]:...]``."""
    starts: tuple[int, ...]
    """Offset of time step ``t`` in the flat arrays."""
    counts: tuple[int, ...]
    """How many sequences are still running at time ``t`` (non-increasing)."""
    right: float
    """Number of right answers."""

    @property
    def sequences(self) -> int:
        """Number of (non-empty) sequences."""
        return self.counts[0]

    @property
    def answers(self) -> int:
        """Number of answers over all sequences."""
        return len(self.outcomes)


def pack(sequences: Sequence[Sequence[int | bool]]) -> Packed:
    """Pack 0/1 outcome sequences (empty ones are skipped) for :func:`expected_counts`.

    Raises :class:`ValueError` when no sequence has an answer or a value is not 0 or 1.
    """
    import numpy as np

    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    total = int(lengths.sum())
    if total == 0:
        raise ValueError("fit_bkt needs at least one non-empty sequence")
    values = _flat_values(sequences, total)
    bad = np.flatnonzero((values != 0.0) & (values != 1.0))
    if len(bad):
        index = int(np.searchsorted(np.cumsum(lengths), bad[0], side="right"))
        raise ValueError(f"sequence {index} holds values other than 0 and 1")
    lengths = lengths[lengths > 0]
    n, width = len(lengths), int(lengths.max())
    # counts[t] = sequences longer than t; time step t starts after all earlier steps
    counts = n - np.cumsum(np.bincount(lengths, minlength=width + 1))[:width]
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    if lengths.min() == width:  # all the same length: a transpose
        outcomes = np.ascontiguousarray(values.reshape(n, width).T).ravel()
    else:
        order = np.argsort(-lengths, kind="stable")
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        first = np.cumsum(lengths) - lengths
        seq_of = np.repeat(np.arange(n), lengths)
        time_of = np.arange(total) - np.repeat(first, lengths)
        outcomes = np.empty(total)
        outcomes[starts[time_of] + rank[seq_of]] = values
    return Packed(
        outcomes=outcomes,
        starts=tuple(int(s) for s in starts),
        counts=tuple(int(c) for c in counts),
        right=float(outcomes.sum()),
    )


def split(data: Packed, parts: int) -> list[Packed]:
    """``data`` cut into at most ``parts`` packs of whole sequences with about as many answers
    each (to run their E steps in parallel and :func:`add` the counts)."""
    import numpy as np

    counts = np.asarray(data.counts)
    n = int(counts[0])
    # the length of each sequence, longest first: how many time steps it is still running
    lengths = np.searchsorted(-counts, -np.arange(n), side="left")
    share = np.cumsum(lengths) / data.answers
    cuts = sorted({0, n, *(int(np.searchsorted(share, k / parts)) + 1 for k in range(1, parts))})
    cuts = [c for c in cuts if 0 <= c <= n]
    out = []
    for lo, hi in itertools.pairwise(cuts):
        slices = [
            (data.starts[t] + lo, data.starts[t] + min(c, hi))
            for t, c in enumerate(data.counts)
            if c > lo
        ]
        outcomes = np.concatenate([data.outcomes[a:b] for a, b in slices])
        sizes = [b - a for a, b in slices]
        out.append(
            Packed(
                outcomes=outcomes,
                starts=tuple(int(x) for x in np.cumsum([0, *sizes[:-1]])),
                counts=tuple(sizes),
                right=float(outcomes.sum()),
            )
        )
    return out


def _flat_values(sequences: Sequence[Sequence[int | bool]], total: int) -> FloatArray:
    """All values, concatenated, as floats."""
    import numpy as np

    try:
        # bytes() takes ints and bools (0..255) at C speed: ~3x faster than fromiter
        raw = bytes(chain.from_iterable(sequences))
    except (TypeError, ValueError):  # floats, strings, negative or large numbers
        return np.fromiter(chain.from_iterable(sequences), dtype=np.float64, count=total)
    return np.frombuffer(raw, dtype=np.uint8).astype(np.float64)


@dataclass(frozen=True, slots=True)
class Counts:
    """Expected sufficient statistics of one E step, and the log-likelihood."""

    loglik: float
    """Log-likelihood of all sequences under the parameters of this E step."""
    known_first: float
    """Sum over sequences of P(known at the first answer | all answers)."""
    known: float
    """Expected number of answers given in the known state."""
    known_right: float
    """Expected number of right answers given in the known state."""
    learned: float
    """Expected not known -> known transitions between answers."""
    unknown_before_next: float
    """Expected answers given not known that have a next answer (learn's denominator)."""
    forgot: float
    """Expected known -> not known transitions between answers."""
    known_before_next: float
    """Expected answers given known that have a next answer (forget's denominator)."""


def add(counts: Sequence[Counts]) -> Counts:
    """The counts of several packs' E steps, as if of one pack."""
    return Counts(
        **{name: math.fsum(getattr(c, name) for c in counts) for name in Counts.__slots__}
    )


def expected_counts(data: Packed, p: MasteryParams) -> Counts:
    """One E step: forward-backward over all sequences under ``p``.

    ``p`` must lie inside the fit's bounds (learn, guess and slip in (0, 1), prior in (0, 1)),
    which keeps every scale and predictive probability away from zero.
    """
    import numpy as np

    filt, pred, loglik = _forward(data, p)
    post, learned, unknown_next, forgot, known_next = _backward(data, p, filt, pred)
    return Counts(
        loglik=loglik,
        known_first=float(post[: data.counts[0]].sum()),
        known=float(post.sum()),
        # einsum, not np.dot: BLAS may hand a dot product to a second thread, and on a busy
        # machine waiting for that thread to be scheduled cost milliseconds per E step
        known_right=float(np.einsum("i,i->", post, data.outcomes)),
        learned=learned,
        unknown_before_next=unknown_next,
        forgot=forgot,
        known_before_next=known_next,
    )


def _forward(data: Packed, p: MasteryParams) -> tuple[FloatArray, FloatArray, float]:
    """Filtered f_t and predictive k_t for every answer, and the log-likelihood."""
    import numpy as np

    o, starts, counts = data.outcomes, data.starts, data.counts
    width = len(counts)
    # The likelihood ratio P(answer | not known) / P(answer | known) per answer gives
    # f = k / z with z = ratio + k (1 - ratio), and P(answer | earlier) = P(answer | known) z.
    r_right, r_wrong = p.guess / (1.0 - p.slip), (1.0 - p.guess) / p.slip
    ratio = o * (r_right - r_wrong)
    ratio += r_wrong
    one_minus = 1.0 - ratio
    right = data.right
    loglik = right * math.log(1.0 - p.slip) + (data.answers - right) * math.log(p.slip)
    stay, learn = 1.0 - p.forget - p.learn, p.learn
    filt = np.empty_like(o)
    pred = np.empty_like(o)
    pred[: counts[0]] = p.prior
    prod = np.ones(counts[0])  # running product of z per sequence, logged now and then
    z = np.empty(counts[0])
    for t in range(width):
        lo, n = starts[t], counts[t]
        k = pred[lo : lo + n]
        np.multiply(k, one_minus[lo : lo + n], out=z[:n])
        z[:n] += ratio[lo : lo + n]
        np.divide(k, z[:n], out=filt[lo : lo + n])
        prod[:n] *= z[:n]
        if t % _LOG_EVERY == _LOG_EVERY - 1 or t == width - 1:
            loglik += float(np.log(prod).sum())
            prod.fill(1.0)
        if t + 1 < width:
            nxt, m = starts[t + 1], counts[t + 1]
            np.multiply(filt[lo : lo + m], stay, out=pred[nxt : nxt + m])
            pred[nxt : nxt + m] += learn
    return filt, pred, loglik


def _backward(
    data: Packed, p: MasteryParams, filt: FloatArray, pred: FloatArray
) -> tuple[FloatArray, float, float, float, float]:
    """Smoothed P(known at t | all answers) and the expected transition counts."""
    import numpy as np

    starts, counts = data.starts, data.counts
    width = len(counts)
    learn, forget = p.learn, p.forget
    post = np.empty_like(filt)
    last = starts[width - 1]
    post[last:] = filt[last:]
    learned = unknown_next = forgot = known_next = 0.0
    r1 = np.empty(counts[0])
    for t in range(width - 2, -1, -1):
        lo, n = starts[t], counts[t]
        nxt, m = starts[t + 1], counts[t + 1]
        f = filt[lo : lo + m]
        post[lo + m : lo + n] = filt[lo + m : lo + n]  # sequences ending at t
        g = post[nxt : nxt + m]
        np.divide(g, pred[nxt : nxt + m], out=r1[:m])
        here = post[lo : lo + m]
        np.multiply(f, r1[:m], out=here)
        f_r1 = float(here.sum())
        learned += float(r1[:m].sum()) - f_r1
        unknown_next += m
        if forget > 0.0:
            # r0 = P(not known at t+1 | all) / (1 - k_{t+1}), the latter without cancellation
            f_r0 = f * (1.0 - g) / ((1.0 - f) * (1.0 - learn) + f * forget)
            sum_r0 = float(f_r0.sum())
            here *= 1.0 - forget
            here += forget * f_r0
            forgot += sum_r0
            known_next += (1.0 - forget) * f_r1 + forget * sum_r0
        else:
            known_next += f_r1
    return post, learned * learn, unknown_next - known_next, forgot * forget, known_next
