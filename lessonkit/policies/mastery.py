"""Mastery estimation with Bayesian Knowledge Tracing (BKT), one competency at a time.

BKT models a competency as a hidden two-state variable (known / not known). Each answer is
evidence: a learner who knows answers correctly with probability ``1 - slip``, one who does not
with probability ``guess``. After the evidence is taken in, the learner may learn (``learn``) or
forget (``forget``) before the next opportunity. With ``p`` the current P(known):

* posterior after a correct answer: ``p(1-S) / (p(1-S) + (1-p)G)``
* posterior after a wrong answer:   ``pS / (pS + (1-p)(1-G))``
* next P(known): ``post(1-F) + (1-post)T``

Each observation costs a handful of float operations: O(1) per answer, whatever the history.

>>> from lessonkit.lesson.model import MasteryParams
>>> params = MasteryParams(prior=0.5, learn=0.1, guess=0.2, slip=0.1)
>>> round(bkt_update(0.5, True, params), 4)
0.8364
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..lesson.model import MasteryParams

if TYPE_CHECKING:
    from ..lesson.model import Lesson

__all__ = [
    "MasteryTracker",
    "Observation",
    "bkt_credit_posterior",
    "bkt_posterior",
    "bkt_update",
    "decayed",
    "p_correct",
]

_DEFAULT_PARAMS = MasteryParams()


def bkt_posterior(p_known: float, correct: bool, params: MasteryParams) -> float:
    """P(known | this answer), before any learning or forgetting."""
    if correct:
        num = p_known * (1.0 - params.slip)
        den = num + (1.0 - p_known) * params.guess
    else:
        num = p_known * params.slip
        den = num + (1.0 - p_known) * (1.0 - params.guess)
    # den is 0 only with degenerate parameters (e.g. slip=0 and a wrong answer from p=1):
    # the evidence is impossible under the model, so keep the belief rather than divide by 0.
    return num / den if den > 0.0 else p_known


def bkt_credit_posterior(p_known: float, credit: float, params: MasteryParams) -> float:
    """P(known | an answer judged worth ``credit`` in [0, 1]) (a teacher's rubric grade).

    Partial credit is taken as a soft observation: the posterior after a right answer
    weighted by ``credit``, after a wrong one by ``1 - credit``. Credit 1 and 0 give exactly
    :func:`bkt_posterior` of a right and a wrong answer.
    """
    credit = min(1.0, max(0.0, credit))
    right = bkt_posterior(p_known, True, params)
    wrong = bkt_posterior(p_known, False, params)
    return credit * right + (1.0 - credit) * wrong


def bkt_update(p_known: float, correct: bool, params: MasteryParams) -> float:
    """P(known) at the next opportunity: the posterior, then the learn/forget transition."""
    post = bkt_posterior(p_known, correct, params)
    return post * (1.0 - params.forget) + (1.0 - post) * params.learn


def decayed(p_known: float, days: float, half_life_days: float | None) -> float:
    """P(known) after ``days`` without practice, forgetting at a constant rate.

    Between opportunities the known state is lost with a constant hazard, so P(known) halves
    every ``half_life_days`` (an exponential forgetting curve); ``None`` or ``0`` means no
    forgetting over time. Elapsed time below zero (clock skew) counts as none.
    """
    if not half_life_days or days <= 0.0:
        return p_known
    return float(p_known * 0.5 ** (days / half_life_days))


def p_correct(p_known: float, params: MasteryParams) -> float:
    """Predicted probability of a correct answer at the next opportunity."""
    return p_known * (1.0 - params.slip) + (1.0 - p_known) * params.guess


@dataclass(frozen=True, slots=True)
class Observation:
    """One answer as mastery sees it (what :meth:`MasteryTracker.replay` takes)."""

    competency: str
    correct: bool
    attempt: int = 1
    hinted: bool = False


class MasteryTracker:
    """P(known) per competency for one learner, updated online from answers.

    Parameters
    ----------
    params
        BKT parameters per competency id. A competency not listed (a question naming one the
        lesson does not declare) is tracked with the default :class:`MasteryParams`.
    first_attempt_only
        Only the first attempt at a question is evidence: later attempts follow feedback and
        say more about the feedback than about what the learner knew.
    hint_counts_as_wrong
        A first attempt made after a hint counts as a wrong answer (the learner did not know
        unaided), whatever the answer was.
    learning
        Apply the learn/forget transition after each answer (``False`` for a test such as a
        placement check: the answer is evidence, not an opportunity to learn).
    """

    __slots__ = ("_first_only", "_hint_wrong", "_learning", "_opportunities", "_p", "_params")

    def __init__(
        self,
        params: Mapping[str, MasteryParams] | None = None,
        *,
        first_attempt_only: bool = True,
        hint_counts_as_wrong: bool = True,
        learning: bool = True,
    ) -> None:
        self._params: dict[str, MasteryParams] = dict(params or {})
        self._first_only = first_attempt_only
        self._hint_wrong = hint_counts_as_wrong
        self._learning = learning
        self._p: dict[str, float] = {cid: p.prior for cid, p in self._params.items()}
        self._opportunities: dict[str, int] = dict.fromkeys(self._params, 0)

    @classmethod
    def for_lesson(cls, lesson: Lesson) -> MasteryTracker:
        """A tracker with the lesson's competencies, parameters and settings, at the priors."""
        return cls(
            {c.id: c.mastery for c in lesson.competencies},
            first_attempt_only=lesson.settings.first_attempt_only,
            hint_counts_as_wrong=lesson.settings.hint_counts_as_wrong,
            learning=not lesson.settings.assessment,
        )

    # ------------------------------------------------------------------ reading

    def params(self, competency_id: str) -> MasteryParams:
        """The BKT parameters used for a competency."""
        return self._params.get(competency_id, _DEFAULT_PARAMS)

    def probability(self, competency_id: str) -> float:
        """Current P(known); the prior before any evidence."""
        p = self._p.get(competency_id)
        return self.params(competency_id).prior if p is None else p

    def threshold(self, competency_id: str) -> float:
        """P(known) at which the competency counts as mastered."""
        return self.params(competency_id).threshold

    def mastered(self, competency_id: str) -> bool:
        """Whether P(known) has reached the competency's threshold."""
        return self.probability(competency_id) >= self.threshold(competency_id)

    def opportunities(self, competency_id: str) -> int:
        """How many answers have counted as evidence for a competency."""
        return self._opportunities.get(competency_id, 0)

    def snapshot(self) -> dict[str, float]:
        """P(known) of every competency seen so far (declared ones always), by id."""
        return dict(self._p)

    # ------------------------------------------------------------------ updating

    def observe(
        self, competency_id: str, correct: bool, *, attempt: int = 1, hinted: bool = False
    ) -> tuple[float, float] | None:
        """Take in one answer; ``(before, after)`` P(known), or ``None`` when it is not evidence.

        ``attempt`` is the 1-based attempt number at the question, ``hinted`` whether hints were
        shown before this answer. Which answers count is set by the lesson's settings.
        """
        if self._first_only and attempt > 1:
            return None
        if hinted and self._hint_wrong:
            correct = False
        params = self.params(competency_id)
        before = self.probability(competency_id)
        if self._learning:
            after = bkt_update(before, correct, params)
        else:
            after = bkt_posterior(before, correct, params)
        self._p[competency_id] = after
        self._opportunities[competency_id] = self._opportunities.get(competency_id, 0) + 1
        return before, after

    def observe_credit(self, competency_id: str, credit: float) -> tuple[float, float]:
        """Take in a teacher's judgement worth ``credit`` in [0, 1] (a rubric grade's credit
        for this competency); ``(before, after)`` P(known).

        Unlike :meth:`observe`, a grade always counts: it is not an attempt the learner made
        after feedback or a hint, but a teacher's reading of the answer.
        """
        params = self.params(competency_id)
        before = self.probability(competency_id)
        post = bkt_credit_posterior(before, credit, params)
        after = post
        if self._learning:
            after = post * (1.0 - params.forget) + (1.0 - post) * params.learn
        self._p[competency_id] = after
        self._opportunities[competency_id] = self._opportunities.get(competency_id, 0) + 1
        return before, after

    def assign(self, other: MasteryTracker) -> None:
        """Take on ``other``'s parameters, settings and state (a recomputed estimate)."""
        self._params = dict(other._params)
        self._first_only = other._first_only
        self._hint_wrong = other._hint_wrong
        self._learning = other._learning
        self._p = dict(other._p)
        self._opportunities = dict(other._opportunities)

    def restore(
        self, probabilities: Mapping[str, float], opportunities: Mapping[str, int] | None = None
    ) -> None:
        """Set the state from a :meth:`snapshot` (e.g. saved with a session); others reset."""
        self.reset()
        for cid, p in probabilities.items():
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"P(known) of {cid!r} must be between 0 and 1, got {p!r}")
            self._p[cid] = float(p)
        for cid, n in (opportunities or {}).items():
            self._opportunities[cid] = int(n)

    def start_from(self, probabilities: Mapping[str, float]) -> None:
        """Make ``probabilities`` the starting P(known) (the prior) of those competencies.

        A course carries a learner's estimate from lesson to lesson this way: the lesson's BKT
        prior becomes the learner's current estimate. :meth:`reset` and :meth:`replay` start
        from it too. The state of each competency given is reset to its new prior.
        """
        from dataclasses import replace

        for cid, p in probabilities.items():
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"P(known) of {cid!r} must be between 0 and 1, got {p!r}")
            self._params[cid] = replace(self.params(cid), prior=float(p))
            self._p[cid] = float(p)
            self._opportunities.setdefault(cid, 0)

    def replay(self, observations: Iterable[Observation]) -> None:
        """Rebuild the state from the priors and a learner's answers, in order."""
        self.reset()
        for obs in observations:
            self.observe(obs.competency, obs.correct, attempt=obs.attempt, hinted=obs.hinted)

    def reset(self) -> None:
        """Back to the priors, with no evidence."""
        self._p = {cid: p.prior for cid, p in self._params.items()}
        self._opportunities = dict.fromkeys(self._params, 0)

    def copy(self) -> MasteryTracker:
        """An independent tracker with the same parameters, settings and state."""
        other = MasteryTracker(
            self._params,
            first_attempt_only=self._first_only,
            hint_counts_as_wrong=self._hint_wrong,
            learning=self._learning,
        )
        other._p = dict(self._p)
        other._opportunities = dict(self._opportunities)
        return other

    def __repr__(self) -> str:
        shown = ", ".join(f"{cid}={p:.3f}" for cid, p in self._p.items())
        return f"MasteryTracker({shown})"
