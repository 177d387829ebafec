"""Simulated classes with known ground truth, written to real stores through LessonSession."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import matplotlib
import pytest

from lessonkit import LessonSession, MasteryParams, loads_lesson
from lessonkit.evidence.stores import open_store
from lessonkit.lesson.model import Lesson
from lessonkit.simulation import LearnerModel, SimulatedLearner, run_learner
from lessonkit.simulation.engines import SessionEngine, respond

matplotlib.use("Agg")

_QUESTION = """
  - id: {id}
    kind: question
    prompt: What is {a} {op} {b}?
    check: {{type: numeric, answer: {answer}}}
    competencies: [{comp}]
    hints: [Count carefully.]
    max_attempts: 2
    next: {next}
"""

ADD = MasteryParams(prior=0.3, learn=0.2, guess=0.2, slip=0.1)
MUL = MasteryParams(prior=0.15, learn=0.3, guess=0.15, slip=0.05)
N_PER_COMP = 5


def lesson_yaml(add: MasteryParams = ADD, mul: MasteryParams = MUL) -> str:
    """Arithmetic: a choice branches to a worked example or straight to the questions."""
    qs = [("a", "+", "add", i) for i in range(N_PER_COMP)]
    qs += [("m", "*", "mul", i) for i in range(N_PER_COMP)]
    ids = [f"{k}{i}" for k, _, _, i in qs]
    steps = []
    for n, (_kind, op, comp, i) in enumerate(qs):
        a, b = i + 2, i + 3
        steps.append(
            _QUESTION.format(
                id=ids[n],
                a=a,
                b=b,
                op=op,
                answer=a + b if op == "+" else a * b,
                comp=comp,
                next=ids[n + 1] if n + 1 < len(ids) else "done",
            )
        )

    def params(p: MasteryParams) -> str:
        return f"{{prior: {p.prior}, learn: {p.learn}, guess: {p.guess}, slip: {p.slip}}}"

    return f"""
lessonkit: 1
id: arith
title: Arithmetic
version: "1"
competencies:
  - {{id: add, mastery: {params(add)}}}
  - {{id: mul, mastery: {params(mul)}}}
steps:
  - id: intro
    kind: content
    body: Welcome.
    next: route
  - id: route
    kind: choice
    prompt: Show a worked example first?
    field: route
    options:
      - {{value: example, label: "Yes"}}
      - {{value: skip, label: "No"}}
    next:
      rules:
        - when: profile.route == 'example'
          goto: example
      default: {ids[0]}
  - id: example
    kind: content
    body: 2 + 3 = 5.
    next: {ids[0]}
{"".join(steps)}
  - id: done
    kind: end
"""


@pytest.fixture(scope="session")
def arith() -> Lesson:
    return loads_lesson(lesson_yaml())


class StoreEngine(SessionEngine):
    """The session engine, recording to a store with a ticking clock and answer durations."""

    def __init__(self, lesson: Lesson, seed: int, learner: str, store: Any, start: datetime):
        ticks = iter(start + timedelta(seconds=5 * n) for n in range(100_000))
        self.session = LessonSession(
            lesson, learner=learner, seed=seed, store=store, clock=lambda: next(ticks)
        )
        self.session.start()
        self.path = self.session.path
        self.mastery = self.session.mastery

    def submit(self, correct: bool) -> None:
        question = self.question
        assert question is not None
        duration = 20.0 if correct else 40.0
        self.session.submit(respond(question.check, correct), duration=duration)


@dataclass
class SimClass:
    url: str
    lesson: Lesson
    learners: list[SimulatedLearner]
    traces: list[Any]
    model: LearnerModel


def simulate_class(
    store_url: str,
    lesson: Lesson,
    n: int,
    *,
    seed: int = 0,
    model: LearnerModel | None = None,
    drop_after: dict[int, int] | None = None,
) -> SimClass:
    """Run ``n`` simulated learners (``sim-0``, ...) through ``lesson`` into the store.

    ``drop_after`` maps a learner index to the number of steps after which they quit.
    """
    model = model or LearnerModel(hint_rate=0.2, choices={"route": {"example": 0.7, "skip": 0.3}})
    learners, traces = [], []
    start = datetime(2025, 3, 1, 9, tzinfo=UTC)
    store = open_store("memory://")  # sessions append one statement at a time: batch it
    if True:
        for i in range(n):
            engine = StoreEngine(lesson, seed * 100_003 + i, f"sim-{i}", store, start)
            learner = SimulatedLearner(model, engine.mastery, random.Random(seed * 7919 + i))
            if drop_after and i in drop_after:
                learner.model = LearnerModel(
                    hint_rate=model.hint_rate, choices=model.choices, max_visits=drop_after[i]
                )
            traces.append(run_learner(engine, learner))
            learners.append(learner)
            start += timedelta(hours=1)
    with open_store(store_url) as target:
        target.append_many(store.read())
    return SimClass(store_url, lesson, learners, traces, model)


@pytest.fixture(scope="session")
def sim_class(tmp_path_factory: pytest.TempPathFactory, arith: Lesson) -> SimClass:
    folder: Path = tmp_path_factory.mktemp("class") / "evidence"
    return simulate_class(str(folder), arith, 150, seed=1, drop_after={3: 4, 7: 6})


@pytest.fixture(scope="session")
def sim_frame(sim_class: SimClass) -> Any:
    from lessonkit.analytics import load_frame

    return load_frame(sim_class.url)


@pytest.fixture
def agg() -> Iterator[None]:
    import matplotlib.pyplot as plt

    yield
    plt.close("all")
