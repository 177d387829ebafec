"""Simulated learners through a whole course: the recommendation policy against a fixed order.

Each simulated learner has a hidden knowledge state per competency that persists from lesson to
lesson (:class:`~lessonkit.simulation.SimulatedLearner`, BKT with the course's parameters). At
the start they know a competency with probability ``known`` (default: its prior) *if* they know
its prerequisites, never otherwise: knowledge respects the prerequisite graph. While a
prerequisite is not known, the chance of learning at an opportunity is multiplied by
``unready_learn`` (1 = prerequisites do not matter to learning).

Two policies choose the lessons, on the same learners (the same starting knowledge):

- ``recommended``: each time the first item of the learning plan
  (:func:`~lessonkit.course.recommend.recommend` — the real policy, on a record kept exactly as a
  store-built one would be), which starts with the placement check when the course requires it;
- ``fixed``: the course's lessons in the author's order, placement excluded, the whole sequence
  again until every milestone is reached.

Both run every lesson on the fast engine with mastery carried in from the learner's record, and
stop when every milestone is reached or after ``max_steps`` steps. A *step* is a screen: a step
of a lesson, or one more item of a practice pool. At the moment a milestone is reached, each of
its competencies that the learner does not really know counts as a **false mastery**.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from ..engine.decisions import all_mastered, known_choice
from ..lesson.model import MasteryParams, Practice, Question
from ..policies.mastery import MasteryTracker
from ..simulation import LearnerModel, SimulatedLearner, run_learner
from ..simulation.engines import FastEngine
from .model import Course
from .recommend import recommend
from .record import CompetencyRecord, LearnerRecord, LessonProgress

__all__ = ["CourseLearnerModel", "LearnerRun", "PolicyResult", "simulate_course"]

POLICIES = ("recommended", "fixed")
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseLearnerModel:
    """How simulated learners of a course behave."""

    known: float | None = None
    """P(knowing a competency at the start, given its prerequisites); ``None``: its prior."""
    unready_learn: float = 1.0
    """Factor on P(learn) while a prerequisite is not known (1: no effect)."""
    hint_rate: float = 0.1
    """Chance of taking a hint before an attempt."""
    patience: int = 3
    """Attempts at a question without a limit before moving on."""
    max_steps: int = 600
    """Step budget per learner over the whole course."""

    def __post_init__(self) -> None:
        for name in ("unready_learn", "hint_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.known is not None and not 0.0 <= self.known <= 1.0:
            raise ValueError("known must be between 0 and 1")
        if self.max_steps < 1 or self.patience < 1:
            raise ValueError("max_steps and patience must be >= 1")


@dataclass
class LearnerRun:
    """One simulated learner under one policy."""

    steps: int = 0
    """Steps taken in all."""
    lessons: list[str] = field(default_factory=list)
    """Lessons taken, in order."""
    reached: dict[str, int] = field(default_factory=dict)
    """Milestone id -> steps taken when it was reached."""
    false_mastery: dict[str, int] = field(default_factory=dict)
    """Milestone id -> its competencies declared mastered but not known when it was reached."""


@dataclass
class PolicyResult:
    """Every learner's run under one policy."""

    policy: str
    """``recommended`` or ``fixed``."""
    runs: list[LearnerRun]
    """One per learner, in learner order."""

    def steps_to(self, milestone: str, budget: int) -> list[int]:
        """Steps to reach a milestone per learner (the budget where it was not reached)."""
        return [run.reached.get(milestone, budget) for run in self.runs]

    def reached_share(self, milestone: str) -> float:
        """Share of learners who reached the milestone."""
        return sum(milestone in r.reached for r in self.runs) / len(self.runs)

    def false_mastery_rate(self, course: Course, milestone: str | None = None) -> float:
        """Competencies declared mastered but not known, over all declared, when milestones
        were reached (one milestone, or all)."""
        ids = [milestone] if milestone else [m.id for m in course.milestones]
        size = {m.id: len(m.competencies) for m in course.milestones}
        declared = sum(size[m] for r in self.runs for m in ids if m in r.reached)
        false = sum(r.false_mastery.get(m, 0) for r in self.runs for m in ids)
        return false / declared if declared else 0.0

    def mean_steps(self, milestone: str, budget: int) -> float:
        """Mean steps to a milestone (unreached counted at the budget: a lower bound)."""
        return statistics.fmean(self.steps_to(milestone, budget))


class _Learner(SimulatedLearner):
    """A simulated learner whose learning slows while a prerequisite is not known, and who
    learns nothing from a test (a lesson whose settings say ``assessment``)."""

    testing = False

    def __init__(
        self, model: LearnerModel, course: Course, factor: float, rng: random.Random
    ) -> None:
        tracker = MasteryTracker({c.id: c.mastery for c in course.competencies})
        super().__init__(model, tracker, rng)
        self._requires = {c.id: c.requires for c in course.competencies}
        self._factor = factor
        self._changed: dict[tuple[str, float], MasteryParams] = {}

    def params(self, competency_id: str) -> MasteryParams:
        params = SimulatedLearner.params(self, competency_id)
        factor = 1.0
        requires = self._requires.get(competency_id, ())
        if self._factor < 1.0 and not all(self.known.get(r, False) for r in requires):
            factor = self._factor
        if self.testing:
            factor = 0.0
        if factor == 1.0:
            return params
        key = (competency_id, factor)
        changed = self._changed.get(key)
        if changed is None:
            changed = self._changed[key] = replace(params, learn=params.learn * factor)
        return changed


class _Engine(FastEngine):
    """The fast engine, counting the screens a learner sees: practice items after the first
    count too, choice steps passed over because the profile knows the answer do not."""

    extra = 0

    def advance(self) -> None:
        step = self.step
        super().advance()
        if self.step is step and isinstance(step, Practice):
            self.extra += 1

    def _enter(self, step_id: str) -> None:
        step = self.state.lesson.step(step_id)
        if known_choice(step, self.state.profile) is not None or (
            isinstance(step, Practice) and all_mastered(step, self.state)
        ):
            self.extra -= 1  # passed over: a choice the profile knows, a mastered pool
        super()._enter(step_id)


class _Record:
    """A learner's record kept while simulating (no store: the same fold, done directly)."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.p = {c.id: c.mastery.prior for c in course.competencies}
        self.seen = dict.fromkeys(self.p, 0)
        self.mastered_at: dict[str, datetime] = {}
        self.completed: dict[str, int] = {}
        self.profile: dict[str, str] = {}

    def take(self, lesson_id: str, tracker: MasteryTracker, profile: Mapping[str, str]) -> None:
        self.completed[lesson_id] = self.completed.get(lesson_id, 0) + 1
        self.profile.update(profile)
        for cid in self.p:
            if tracker.opportunities(cid):
                self.p[cid] = tracker.probability(cid)
                self.seen[cid] += tracker.opportunities(cid)
                if tracker.mastered(cid):
                    self.mastered_at[cid] = _EPOCH

    def mastered(self, cid: str) -> bool:
        return self.p[cid] >= self.course.params(cid).threshold

    def start(self, lesson_id: str) -> dict[str, float]:
        lesson = self.course.lesson(lesson_id).lesson
        own = {c.id for c in lesson.competencies} if lesson else set()
        return {c: p for c, p in self.p.items() if c in own and self.seen[c]}

    def as_record(self) -> LearnerRecord:
        from ..evidence.events import LearnerRef

        comps = {
            cid: CompetencyRecord(
                id=cid,
                probability=p,
                threshold=self.course.params(cid).threshold,
                opportunities=self.seen[cid],
                mastered_at=self.mastered_at.get(cid),
            )
            for cid, p in self.p.items()
        }
        lessons = {
            lid: LessonProgress(lesson=lid, sessions=n, completed=n)
            for lid, n in self.completed.items()
        }
        return LearnerRecord(
            course=self.course.id,
            learner=LearnerRef(id="simulated"),
            as_of=_EPOCH,
            competencies=comps,
            lessons=lessons,
        )


def _initial(course: Course, known: float | None, rng: random.Random) -> dict[str, bool]:
    state: dict[str, bool] = {}
    for cid in course.order:
        p = course.params(cid).prior if known is None else known
        ready = all(state.get(r, False) for r in course.competency(cid).requires)
        state[cid] = ready and rng.random() < p
    return state


def _chooser(course: Course, policy: str) -> Callable[[_Record, int], str | None]:
    sequence = [e.id for e in course.lessons if e.kind != "placement"]

    def fixed(record: _Record, taken: int) -> str | None:
        return sequence[taken % len(sequence)] if sequence else None

    def recommended(record: _Record, taken: int) -> str | None:
        item = recommend(course, record.as_record()).next
        return item.lesson if item is not None else None

    return recommended if policy == "recommended" else fixed


def _run(
    course: Course, policy: str, known: dict[str, bool], model: CourseLearnerModel, seed: int
) -> LearnerRun:
    behaviour = LearnerModel(hint_rate=model.hint_rate, patience=model.patience)
    learner = _Learner(behaviour, course, model.unready_learn, random.Random(seed))
    learner.known.update(known)
    record, run = _Record(course), LearnerRun()
    choose = _chooser(course, policy)
    while run.steps < model.max_steps and len(run.reached) < len(course.milestones):
        lesson_id = choose(record, len(run.lessons))
        lesson = course.lesson(lesson_id).lesson if lesson_id else None
        if lesson is None:
            break
        # Common random numbers: the k-th run of a lesson draws the same numbers under both
        # policies, so a learner in the same state fares the same; only the policy differs.
        taken = run.lessons.count(lesson.id)
        learner.rng = rng = random.Random(f"{seed}|{lesson.id}|{taken}")
        learner.testing = lesson.settings.assessment
        items: dict[str, Question] = {q.id: q for q in lesson.questions()}
        engine = _Engine(
            lesson,
            rng.randrange(2**31),
            items,
            profile=record.profile,
            mastery_start=record.start(lesson.id),
        )
        run_learner(engine, learner)
        run.steps += len(engine.path) + engine.extra
        run.lessons.append(lesson.id)
        record.take(lesson.id, engine.mastery, engine.state.profile)
        for m in course.milestones:
            if m.id not in run.reached and all(record.mastered(c) for c in m.competencies):
                run.reached[m.id] = run.steps
                run.false_mastery[m.id] = sum(not learner.known.get(c) for c in m.competencies)
    return run


def simulate_course(
    course: Course,
    *,
    learners: int = 500,
    seed: int = 0,
    model: CourseLearnerModel | None = None,
    policies: tuple[str, ...] = POLICIES,
) -> dict[str, PolicyResult]:
    """Run ``learners`` simulated learners through ``course`` under each policy (same
    learners, same starting knowledge). Deterministic for a given ``seed``.

    Raises
    ------
    ValueError
        For an unknown policy, or a course without milestones (nothing to reach).
    """
    model = model or CourseLearnerModel()
    if not course.milestones:
        raise ValueError(f"course {course.id!r} has no milestones to reach")
    for policy in policies:
        if policy not in POLICIES:
            raise ValueError(f"unknown policy {policy!r}; use {', '.join(POLICIES)}")
    starts = [_initial(course, model.known, random.Random(f"{seed}|{i}")) for i in range(learners)]
    results: dict[str, PolicyResult] = {}
    for policy in policies:
        runs = [
            _run(course, policy, known, model, seed * 1_000_003 + i)
            for i, known in enumerate(starts)
        ]
        results[policy] = PolicyResult(policy=policy, runs=runs)
    return results


def summary(course: Course, results: Mapping[str, PolicyResult], budget: int) -> dict[str, object]:
    """The comparison as plain data (what ``lessonkit course simulate --json`` prints)."""
    out: dict[str, object] = {"course": course.id, "budget_steps": budget, "milestones": {}}
    table: dict[str, object] = {}
    for m in course.milestones:
        table[m.id] = {
            policy: {
                "reached": result.reached_share(m.id),
                "mean_steps": result.mean_steps(m.id, budget),
                "median_steps": statistics.median(result.steps_to(m.id, budget)),
                "false_mastery": result.false_mastery_rate(course, m.id),
            }
            for policy, result in results.items()
        }
    out["milestones"] = table
    out["false_mastery"] = {p: r.false_mastery_rate(course) for p, r in results.items()}
    if {"recommended", "fixed"} <= set(results):
        out["false_mastery_difference"] = _paired(course, results["recommended"], results["fixed"])
    out["mean_lessons"] = {
        p: statistics.fmean(len(run.lessons) for run in r.runs) for p, r in results.items()
    }
    return out


def _paired(course: Course, ours: PolicyResult, base: PolicyResult) -> dict[str, float]:
    """False masteries per declared competency, ours minus the baseline, paired by learner:
    the mean difference and its standard error (the same learners ran under both)."""
    size = {m.id: len(m.competencies) for m in course.milestones}

    def per_learner(run: LearnerRun) -> tuple[int, int]:
        return sum(run.false_mastery.values()), sum(size[m] for m in run.reached)

    a = [per_learner(r) for r in ours.runs]
    b = [per_learner(r) for r in base.runs]
    declared = statistics.fmean(n for _, n in a + b) or 1.0
    diffs = [(fa - fb) / declared for (fa, _), (fb, _) in zip(a, b, strict=True)]
    se = statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else 0.0
    return {"mean": statistics.fmean(diffs), "standard_error": se}
