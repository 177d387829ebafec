"""Simulated learners: try a lesson on a synthetic class before real students see it.

Each simulated learner has a hidden knowledge state per competency, drawn and evolved by the BKT
model with the lesson's own parameters (or ones you pass): they start knowing a competency with
probability ``prior``; a question is answered right with probability ``1 - slip`` if they know
every competency it tests, ``guess`` otherwise; after each answer they may learn (``learn``) or
forget (``forget``). They pick choice options at random (or with given weights) and ask for a
hint with some probability. They keep answering a question until it is right or no attempts are
left (``patience`` attempts where the question has no limit).

The learners run through the lesson's real decision code: by default the fast engine (the
session's state and decision helpers without events or answer checking, see
:mod:`lessonkit.simulation.engines`), or ``engine="session"`` for a full
:class:`~lessonkit.engine.session.LessonSession` with responses derived from each check spec. Code,
frame, free-response and custom checks cannot be answered by the session engine; with the fast
engine their outcome is simulated from the learner's knowledge, with no response at all.

The result is a :class:`~lessonkit.simulation.report.SimulationReport`: path distribution,
steps taken, share completing, share reaching mastery, and the steps where learners get stuck.
Same lesson, options and seed: same report.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ..lesson.model import Choice, Lesson, MasteryParams, Question
from ..policies.mastery import MasteryTracker
from .engines import Engine, FastEngine, SessionEngine, UnanswerableError
from .report import LearnerTrace, SimulationReport, summarize

__all__ = [
    "LearnerModel",
    "SimulatedLearner",
    "UnanswerableError",
    "run_learner",
    "simulate",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class LearnerModel:
    """How simulated learners behave."""

    hint_rate: float = 0.1
    """Chance of taking a hint before an attempt (when the question has one left)."""
    hint_help: float = 0.5
    """Chance a hint turns an answer the learner would get wrong into a right one."""
    patience: int = 3
    """Attempts at a question without an attempt limit before moving on."""
    choices: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    """Option weights per choice step id (uniform when a step is not listed)."""
    params: Mapping[str, MasteryParams] = field(default_factory=dict)
    """Hidden BKT parameters per competency (default: the lesson's own)."""
    unlinked_p_correct: float = 0.7
    """Chance of a right answer to a question that names no competency."""
    max_visits: int = 200
    """Step budget per learner; a run still going after it counts as stuck in a loop."""

    def __post_init__(self) -> None:
        for name in ("hint_rate", "hint_help", "unlinked_p_correct"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.patience < 1 or self.max_visits < 1:
            raise ValueError("patience and max_visits must be >= 1")


class SimulatedLearner:
    """One learner's hidden knowledge and behaviour; all randomness comes from ``rng``."""

    def __init__(self, model: LearnerModel, tracker: MasteryTracker, rng: random.Random) -> None:
        self.model = model
        self.rng = rng
        self._tracker = tracker  # the lesson's parameters, for competencies the model omits
        self._params: dict[str, MasteryParams] = {}
        self.known: dict[str, bool] = {}

    def params(self, competency_id: str) -> MasteryParams:
        """The hidden (generating) parameters of a competency."""
        params = self._params.get(competency_id)
        if params is None:
            params = self.model.params.get(competency_id) or self._tracker.params(competency_id)
            self._params[competency_id] = params
        return params

    def knows(self, competency_id: str) -> bool:
        """Whether the learner knows it now (drawn from the prior on first use)."""
        state = self.known.get(competency_id)
        if state is None:
            state = self.known[competency_id] = self.rng.random() < self.params(competency_id).prior
        return state

    def pick(self, step: Choice) -> str:
        """An option value of a choice step."""
        values = [o.value for o in step.options]
        weights = self.model.choices.get(step.id)
        if not weights:
            return self.rng.choice(values)
        return self.rng.choices(values, [float(weights.get(v, 0.0)) for v in values])[0]

    def wants_hint(self) -> bool:
        """Whether to take a hint before the next attempt."""
        return self.rng.random() < self.model.hint_rate

    def answer(self, question: Question, *, hinted: bool) -> bool:
        """Whether the next answer is right; then learning (or forgetting) happens."""
        rng = self.rng
        if question.competencies:
            right = True
            for cid in question.competencies:
                p = self.params(cid)
                right = (rng.random() < (1.0 - p.slip if self.knows(cid) else p.guess)) and right
        else:
            right = rng.random() < self.model.unlinked_p_correct
        if not right and hinted:
            right = rng.random() < self.model.hint_help
        for cid in question.competencies:  # the answer (and its feedback) is an opportunity
            p = self.params(cid)
            if self.known[cid]:
                self.known[cid] = not (p.forget and rng.random() < p.forget)
            else:
                self.known[cid] = rng.random() < p.learn
        return right


def run_learner(engine: Engine, learner: SimulatedLearner) -> LearnerTrace:
    """Drive one learner through a lesson until it ends or the step budget runs out."""
    model = learner.model
    exhausted: list[str] = []
    answers = 0
    while not engine.finished and len(engine.path) < model.max_visits:
        step = engine.step
        if isinstance(step, Choice):
            engine.choose(learner.pick(step))
            continue
        question = engine.question
        if question is not None:
            limit = question.max_attempts or model.patience
            tries = 0
            while tries < limit and engine.can_submit():
                rec = engine.record
                if rec.hints_used < len(question.hints) and learner.wants_hint():
                    engine.hint()
                engine.submit(learner.answer(question, hinted=rec.hints_used > 0))
                tries += 1
            answers += tries
            if tries and not engine.record.correct:
                exhausted.append(step.id)
        engine.advance()
    tracker = engine.mastery
    comps = sorted({*tracker.snapshot(), *learner.known})
    earned, available = engine.score()
    return LearnerTrace(
        path=tuple(engine.path),
        completed=engine.finished,
        answers=answers,
        exhausted=tuple(exhausted),
        mastered=frozenset(c for c in comps if tracker.mastered(c)),
        known=frozenset(c for c, k in learner.known.items() if k),
        score=earned,
        max_score=available,
    )


def simulate(
    lesson: Lesson,
    *,
    learners: int = 1000,
    seed: int = 0,
    model: LearnerModel | None = None,
    engine: Literal["fast", "session"] = "fast",
) -> SimulationReport:
    """Run ``learners`` simulated learners through ``lesson`` and summarise what happened.

    Deterministic for a given ``seed``: learner ``i`` draws from ``Random(seed, i)`` and its
    practice pools are seeded with the same number.
    """
    if learners < 1:
        raise ValueError("simulate needs at least one learner")
    model = model or LearnerModel()
    items = {q.id: q for q in lesson.questions()}
    traces: list[LearnerTrace] = []
    for i in range(learners):
        learner_seed = seed * 1_000_003 + i
        run: Engine
        if engine == "session":
            run = SessionEngine(lesson, learner_seed, learner=f"sim-{i}")
        else:
            run = FastEngine(lesson, learner_seed, items)
        learner = SimulatedLearner(model, run.mastery, random.Random(learner_seed))
        traces.append(run_learner(run, learner))
    return summarize(lesson, traces, seed=seed, engine=engine)
