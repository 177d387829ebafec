"""What a simulation found: per-learner traces and the class-level report an author reads."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..lesson.model import Lesson

__all__ = ["LearnerTrace", "SimulationReport", "StuckStep", "summarize"]

LOOP_VISITS = 3
"""A learner who arrives at the same step this many times is counted as looping there."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LearnerTrace:
    """One simulated learner's run."""

    path: tuple[str, ...]
    """Step ids in visit order."""
    completed: bool
    """Reached an end step within the step budget."""
    answers: int
    """Answers submitted (questions and practice items, all attempts)."""
    exhausted: tuple[str, ...]
    """Steps left without a right answer after every allowed (or patient) attempt."""
    mastered: frozenset[str]
    """Competencies the lesson's tracker declared mastered at the end."""
    known: frozenset[str]
    """Competencies the learner really knew at the end (the hidden state)."""
    score: float
    max_score: float


@dataclass(frozen=True, slots=True, kw_only=True)
class StuckStep:
    """A step where learners got stuck."""

    step: str
    exhausted: int
    """Learners who used up their attempts there without a right answer."""
    looping: int
    """Learners who arrived there at least :data:`LOOP_VISITS` times."""
    cut_off: int
    """Learners whose run was stopped by the step budget there."""

    @property
    def total(self) -> int:
        """Learners stuck there in any way (one learner may count in several columns)."""
        return self.exhausted + self.looping + self.cut_off


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulationReport:
    """The class-level outcome of :func:`~lessonkit.simulation.simulate`."""

    lesson: str
    learners: int
    seed: int
    engine: str
    paths: tuple[tuple[tuple[str, ...], int], ...]
    """Distinct paths with how many learners took each, most common first."""
    steps_mean: float
    steps_median: float
    steps_max: int
    answers_mean: float
    completed: float
    """Share of learners who reached an end step."""
    score_mean: float
    """Mean share of available points earned."""
    mastered: dict[str, float]
    """Share of learners the tracker declared mastered, per competency."""
    known: dict[str, float]
    """Share of learners who really knew the competency at the end (the hidden truth)."""
    stuck: tuple[StuckStep, ...] = field(default=())
    """Steps where learners got stuck, worst first."""

    def to_json(self, top: int | None = None) -> dict[str, Any]:
        """A JSON-ready dict (``top`` limits the listed paths)."""
        return {
            "lesson": self.lesson,
            "learners": self.learners,
            "seed": self.seed,
            "engine": self.engine,
            "distinct_paths": len(self.paths),
            "paths": [
                {"path": list(p), "learners": n, "share": n / self.learners}
                for p, n in self.paths[:top]
            ],
            "steps": {
                "mean": self.steps_mean,
                "median": self.steps_median,
                "max": self.steps_max,
            },
            "answers_mean": self.answers_mean,
            "completed": self.completed,
            "score_mean": self.score_mean,
            "mastered": self.mastered,
            "known": self.known,
            "stuck": [
                {"step": s.step, "exhausted": s.exhausted, "looping": s.looping,
                 "cut_off": s.cut_off}
                for s in self.stuck
            ],
        }  # fmt: skip

    def to_text(self, top: int = 5) -> str:
        """A readable summary with aligned tables."""
        n = self.learners
        lines = [
            f"lesson {self.lesson}: {n} simulated learners (seed {self.seed}, {self.engine})",
            f"completed: {self.completed:.1%}   mean score: {self.score_mean:.1%}",
            f"steps: mean {self.steps_mean:.1f}, median {self.steps_median:g}, "
            f"max {self.steps_max}   answers: mean {self.answers_mean:.1f}",
            "",
            f"top paths ({len(self.paths)} distinct):",
        ]
        for path, count in self.paths[:top]:
            lines.append(f"  {count / n:6.1%}  {' > '.join(path)}")
        if self.mastered:
            lines += ["", f"  {'competency':<24} {'mastered':>9} {'known':>9}"]
            for cid, share in self.mastered.items():
                lines.append(f"  {cid:<24} {share:9.1%} {self.known.get(cid, 0.0):9.1%}")
        lines += ["", "stuck steps:" if self.stuck else "stuck steps: none"]
        if self.stuck:
            lines.append(f"  {'step':<24} {'exhausted':>9} {'looping':>9} {'cut off':>9}")
            for s in self.stuck:
                lines.append(
                    f"  {s.step:<24} {s.exhausted / n:9.1%} {s.looping / n:9.1%} "
                    f"{s.cut_off / n:9.1%}"
                )
        return "\n".join(lines)


def summarize(
    lesson: Lesson, traces: Sequence[LearnerTrace], *, seed: int, engine: str
) -> SimulationReport:
    """Aggregate learner traces into a report."""
    n = len(traces)
    steps = [len(t.path) for t in traces]
    path_counts = Counter(t.path for t in traces)
    # most common first; equal counts in path order so the report is deterministic
    paths = tuple(sorted(path_counts.items(), key=lambda kv: (-kv[1], kv[0])))
    comps = [c.id for c in lesson.competencies]
    for t in traces:
        comps.extend(c for c in sorted(t.mastered | t.known) if c not in comps)
    exhausted: Counter[str] = Counter()
    looping: Counter[str] = Counter()
    cut_off: Counter[str] = Counter()
    for t in traces:
        exhausted.update(set(t.exhausted))
        looping.update(s for s, k in Counter(t.path).items() if k >= LOOP_VISITS)
        if not t.completed and t.path:
            cut_off[t.path[-1]] += 1
    stuck = [
        StuckStep(step=s, exhausted=exhausted[s], looping=looping[s], cut_off=cut_off[s])
        for s in {*exhausted, *looping, *cut_off}
    ]
    stuck.sort(key=lambda s: (-s.total, s.step))
    return SimulationReport(
        lesson=lesson.id,
        learners=n,
        seed=seed,
        engine=engine,
        paths=paths,
        steps_mean=statistics.fmean(steps),
        steps_median=float(statistics.median(steps)),
        steps_max=max(steps),
        answers_mean=statistics.fmean(t.answers for t in traces),
        completed=sum(t.completed for t in traces) / n,
        score_mean=statistics.fmean(t.score / t.max_score if t.max_score else 1.0 for t in traces),
        mastered={c: sum(c in t.mastered for t in traces) / n for c in comps},
        known={c: sum(c in t.known for t in traces) / n for c in comps},
        stuck=tuple(stuck),
    )
