"""Learner scripts: the moves a learner makes, and the answers they give, worked out from the
lesson itself: the answer key (or a wrong answer the author wrote feedback for) and, for
practice items with random numbers, the item's template matched against what the page shows."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lessonkit.lesson import specs
from lessonkit.lesson.graph import Edge
from lessonkit.lesson.model import Practice, Question
from lessonkit.lesson.variants import evaluate, format_value, render

__all__ = ["Front", "Move", "Played", "Script", "Shown", "can_answer", "response", "solve_item"]


@dataclass(frozen=True, slots=True)
class Move:
    """One thing a learner does at ``step``."""

    step: str
    do: str
    """``continue``, ``choose``, ``answer``, ``skip``, ``practice`` or ``restart``."""
    option: str = ""
    hints: int = 0
    wrong: int = 0
    """Wrong answers before the last one."""
    right: bool = True
    """The last answer is right; else the learner moves on after the wrong ones."""

    def __str__(self) -> str:
        if self.do == "choose":
            return f"{self.step}: choose {self.option}"
        if self.do == "answer":
            parts = [f"{self.hints} hint"] if self.hints else []
            parts += [f"{self.wrong} wrong"] if self.wrong else []
            parts.append("right" if self.right else "move on")
            return f"{self.step}: {', '.join(parts)}"
        return f"{self.step}: {self.do}"


Script = tuple[Move, ...]


@dataclass(frozen=True, slots=True)
class Shown:
    """A step on screen: its id, title and position (``Step n``, 0 when the lesson is done)."""

    step: str
    title: str
    position: int


@dataclass
class Front:
    """What a front end can check, and the answers a test supplies.

    ``code`` maps a code question to (right, wrong) source typed into the page (Voilà);
    ``kernel`` maps a question to (right, wrong) source run in the notebook's kernel before
    it is checked (JupyterLab); ``names`` maps a DataFrame question to the (right, wrong)
    variable names typed as the answer.
    """

    name: str
    code: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    kernel: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    names: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    unreachable: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """(source, label) of edges no learner can take here, with the reason."""
    unreachable_when: Callable[[Edge], str] | None = None
    """For a kind of edge no learner may be able to take: the reason (else ``""``). Such an
    edge is still searched for; it may stay untaken only if this gives a reason."""
    course: Any = None
    """The course the lesson is launched in (its record starts a new session)."""
    runs: int = 1
    """Sessions per script: 2 lets a learner restart after the end (an edge may need the
    evidence of a first session)."""
    prior: Callable[[Any, str], None] | None = None
    """Fills a fresh store with a learner's earlier work before their first session."""

    def why_unreachable(self, edge: Edge) -> str:
        """Why no learner can take ``edge`` here (``""``: a learner can)."""
        listed = self.unreachable.get((edge.source, edge.label), "")
        return listed or (self.unreachable_when(edge) if self.unreachable_when else "")

    @property
    def in_kernel(self) -> bool:
        return self.name == "lab"


@dataclass
class Played:
    """What a script did, headlessly."""

    script: Script
    shown: list[Shown]
    """The screen before each move, then the last screen."""
    edges: set[Edge]
    states: set[str]
    """Feedback kinds met, as ``check type: kind``."""


def _plain(markdown: str) -> str:
    """Markdown option text as the page shows it (code ticks and emphasis gone)."""
    return re.sub(r"[`*$]", "", markdown).strip()


def _first_wrong(question: Question) -> Any:
    wrong = question.feedback.wrong
    return wrong[0].answer if wrong else None


def response(question: Question, right: bool, front: Front) -> Any:
    """What the learner answers (``None``: the kernel's name, checked in JupyterLab)."""
    spec = question.check
    if isinstance(spec, specs.Choice):
        answer = spec.answer if isinstance(spec.answer, tuple) else (spec.answer,)
        if right:
            return list(answer) if isinstance(spec.answer, tuple) else spec.answer
        other = next(o.value for o in spec.options if o.value not in answer)
        return [other] if isinstance(spec.answer, tuple) else other
    if isinstance(spec, specs.Ordering):
        return list(spec.items) if right else list(reversed(spec.items))
    if isinstance(spec, specs.Code):
        return None if front.in_kernel else front.code[question.id][0 if right else 1]
    if isinstance(spec, specs.Frame):
        return front.names[question.id][0 if right else 1]
    if isinstance(spec, specs.FreeResponse):
        return " ".join(["because"] * max(spec.min_words, 1) + ["the", "outliers", "pull"])
    key = spec.answer[0] if isinstance(spec.answer, tuple) else spec.answer  # type: ignore[attr-defined]
    if right:
        return format_value(key)
    wrong = _first_wrong(question)
    if wrong is not None:
        return format_value(wrong)
    return "-987654" if isinstance(spec, specs.Numeric) else "zz wrong"


def can_answer(question: Question, right: bool, front: Front) -> bool:
    """Whether this front end can check such an answer (else the learner skips)."""
    spec = question.check
    if isinstance(spec, specs.Frame):
        return front.in_kernel and question.id in front.names
    if isinstance(spec, specs.Code):
        return question.id in (front.kernel if front.in_kernel else front.code)
    if isinstance(spec, specs.FreeResponse):
        return right  # any long enough text is accepted
    return True


def solve_item(pool: Practice, text: str) -> str:
    """The right answer to the pool's item whose rendered prompt is ``text`` (as the page
    shows it): the item's numbers are matched against its template, the rest derived."""
    letters = re.sub(r"[^a-z]", "", text.lower())
    found: list[str] = []
    for item in pool.items:
        # a code fence's language tag is not shown on the page
        prompt = re.sub(r"```[\w-]+", "```", item.prompt)
        parts = re.split(r"{{\s*(\w+)\s*}}", prompt)
        shape: list[tuple[str, Any]] = []
        for index, part in enumerate(parts):
            if index % 2:
                shape.append(("name", part))
            else:
                shape += [("lit", float(n)) for n in re.findall(r"-?\d+(?:\.\d+)?", part)]
        words = re.sub(r"[^a-z]", "", re.sub(r"{{\s*\w+\s*}}", "", prompt).lower())
        if not shape or words not in letters:
            continue
        # the page may show the pool's intro before the item: the item's numbers come last
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", text)][-len(shape) :]
        if len(numbers) != len(shape):
            continue
        bound: dict[str, float] = {}
        if any(
            (kind == "lit" and value != n) or (kind == "name" and bound.setdefault(value, n) != n)
            for (kind, value), n in zip(shape, numbers, strict=True)
        ):
            continue
        free = [p for p in item.params if p not in bound]
        ranges = [range(*_span(item.params[p])) for p in free]
        for combo in itertools.product(*ranges):
            values: dict[str, Any] = {
                k: int(v) if v == int(v) else v for k, v in bound.items() if k in item.params
            }
            values.update(zip(free, combo, strict=True))
            for name, expression in item.derived.items():
                values[name] = evaluate(expression, values)
            if all(float(values[k]) == v for k, v in bound.items()):
                answer = render(item, values).check.answer  # type: ignore[attr-defined]
                found.append(format_value(answer))
                break
    if not found:
        raise AssertionError(f"no item of {pool.id!r} reads {text!r}")
    return found[0]


def _span(param: Any) -> tuple[int, int]:
    low, high = param.randint
    return int(low), int(high) + 1
