"""A simulated class taking a real lesson through the real engine, with planted item behaviour.

:func:`class_statements` runs learners through :class:`~lessonkit.engine.LessonSession` (every
answer checked by the lesson's own checkers, every branch taken by its own rules) and returns
their statements. Each learner has one ability ``theta`` drawn from a standard normal
distribution; a question is answered right with the two-parameter logistic probability
``guess + (1 - guess) / (1 + exp(-a (theta - b)))`` of its :class:`ItemBehaviour`. A negative
``a`` plants a misleading question (the stronger the learner, the likelier the wrong answer);
``wrong`` plants common wrong answers. Other wrong answers are scattered, so that no wrong
answer is common by accident. Item analysis must find what was planted: the ground truth is
in the arguments.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..engine.session import LessonSession
from ..evidence.statements import event_to_statement
from ..lesson import specs
from ..lesson.model import Choice, Lesson, Question
from ..simulation.engines import UnanswerableError, respond

__all__ = ["ItemBehaviour", "class_statements"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemBehaviour:
    """How the simulated class answers one question."""

    difficulty: float = 0.0
    """``b``: the ability at which half of the learners (above the guess floor) are right."""
    discrimination: float = 1.5
    """``a``: how sharply ability separates right from wrong; negative for a misleading
    question."""
    guess: float = 0.0
    """Chance of a right answer whatever the ability."""
    wrong: Mapping[str, float] = field(default_factory=dict)
    """Planted wrong answers and the share of wrong answers that are each; the rest are
    scattered."""
    seconds: float = 30.0
    """Median seconds from seeing the question to answering it."""

    def p_right(self, theta: float) -> float:
        """Chance that a learner of ability ``theta`` is right."""
        z = max(-30.0, min(30.0, self.discrimination * (theta - self.difficulty)))
        return self.guess + (1.0 - self.guess) / (1.0 + math.exp(-z))


def _scattered(question: Question, rng: random.Random) -> Any:
    """A wrong response that few other learners give."""
    check = question.check
    if isinstance(check, specs.Numeric) and check.range is None:
        try:
            target = float(str(check.answer))
        except ValueError:  # a range or a text answer: any far-off number is wrong
            target = 0.0
        return str(round(target) + rng.choice([-1, 1]) * rng.randint(20, 400))
    if isinstance(check, specs.Text):
        return f"guess-{rng.randint(0, 10**6)}"
    if isinstance(check, specs.Expression):
        return f"({check.answer}) + {rng.randint(20, 400)}"
    if isinstance(check, specs.Choice) and check.multiple:
        values = [o.value for o in check.options]
        picks = [v for v in values if rng.random() < 0.5] or [rng.choice(values)]
        return picks if set(picks) != set(check.answers()) else [values[0]]
    if isinstance(check, specs.Choice):
        others = [o.value for o in check.options if o.value not in check.answers()]
        return rng.choice(others)
    return respond(check, False)


def _response(question: Question, right: bool, behaviour: ItemBehaviour, rng: random.Random) -> Any:
    if right:
        return respond(question.check, True)
    draw = rng.random()
    for answer, share in behaviour.wrong.items():
        if draw < share:
            return answer
        draw -= share
    return _scattered(question, rng)


def _run(
    lesson: Lesson,
    learner: str,
    theta: float,
    *,
    behaviour: Mapping[str, ItemBehaviour],
    rng: random.Random,
    start: datetime,
    hint_rate: float,
) -> list[Any]:
    clock = [start]

    def tick(seconds: float) -> None:
        clock[0] += timedelta(seconds=max(1.0, seconds))

    session = LessonSession(
        lesson, learner=learner, seed=rng.getrandbits(32), clock=lambda: clock[0]
    )
    session.start()
    default = ItemBehaviour()
    for _ in range(400):  # a step budget: a lesson that loops forever still ends
        if session.finished:
            break
        view = session.current
        tick(5)
        if isinstance(view.step, Choice):
            session.choose(rng.choice([o.value for o in view.step.options]))
            continue
        question = view.question
        if question is not None and view.can_submit:
            plan = behaviour.get(question.id, default)
            try:
                for tries in range(3):
                    if not session.current.can_submit:
                        break
                    boost = 0.0
                    if session.current.hints_left and rng.random() < hint_rate:
                        session.hint()
                        tick(10)
                        boost = 0.5
                    right = rng.random() < plan.p_right(theta + boost + 0.7 * tries)
                    tick(plan.seconds * math.exp(rng.gauss(0.0, 0.4)))
                    session.submit(_response(question, right, plan, rng))
            except UnanswerableError:
                if not session.current.record.answered:
                    session.skip("a simulated learner cannot answer this kind of question")
                    continue
        if session.current.can_advance:
            session.advance()
        else:
            break  # nothing more this learner can do
    return [event_to_statement(e) for e in session.events]


def class_statements(
    lesson: Lesson,
    *,
    learners: int,
    behaviour: Mapping[str, ItemBehaviour] | None = None,
    seed: int = 0,
    hint_rate: float = 0.1,
    prefix: str = "learner",
) -> Iterator[dict[str, Any]]:
    """Statements of ``learners`` simulated learners (``<prefix>-0``, ...) taking ``lesson``.

    ``behaviour`` maps question ids to :class:`ItemBehaviour` (default: ``b = 0, a = 1.5``).
    Same arguments, same statements.
    """
    rng = random.Random(seed)
    start = datetime(2025, 9, 1, 8, tzinfo=UTC)
    for i in range(learners):
        theta = rng.gauss(0.0, 1.0)
        mine = random.Random(rng.getrandbits(64))
        when = start + timedelta(minutes=7 * i)
        yield from _run(
            lesson,
            f"{prefix}-{i}",
            theta,
            behaviour=behaviour or {},
            rng=mine,
            start=when,
            hint_rate=hint_rate,
        )
