"""A lesson's questions as bank items, noting what a question bank cannot hold.

The reverse of :mod:`.mapping`, for export. A bank is a flat list of questions, so the
lesson's branching, its mastery-driven practice pools (exported as categories), learner
choices and code, frame and custom checks have no place in it; a question with randomised
variants is exported as the variant drawn with seed 0. Each loss is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ..lesson.model import Choice as ChoiceStep
from ..lesson.model import Content, End, Lesson, Practice, Question, Step
from ..lesson.specs import (
    Choice,
    Expression,
    FreeResponse,
    Numeric,
    Ordering,
    Text,
)
from .bank import BankAnswer, BankItem, Finding, Where

__all__ = ["ExportItem", "lesson_items", "penalty_of", "regex_wildcard"]


@dataclass
class ExportItem:
    """A question to write: the bank item, where it came from, what it lost."""

    item: BankItem
    step: str
    losses: list[str] = field(default_factory=list)


def penalty_of(scores: tuple[float, ...]) -> tuple[float | None, bool]:
    """The penalty per wrong attempt for an attempt score schedule, and whether it is exact."""
    if not scores:
        return None, True
    if len(scores) == 1:
        return 0.0, scores[0] == 1.0
    penalty = round(1.0 - scores[1], 7)
    expected = [max(0.0, 1.0 - i * penalty) for i in range(len(scores))]
    exact = scores[0] == 1.0 and all(  # schedules are written with 6 decimals
        abs(a - b) < 1e-5 for a, b in zip(scores, expected, strict=True)
    )
    return penalty, exact


def regex_wildcard(pattern: str) -> str | None:
    """A pattern made only of literal text and ``.*`` as a Moodle wildcard, else ``None``."""
    parts = pattern.split(".*")
    literal = []
    for part in parts:
        text = re.sub(r"\\(.)", r"\1", part)
        if re.escape(text) != part and re.sub(r"\\ ", " ", re.escape(text)) != part:
            return None
        literal.append(text.replace("*", "\\*"))
    return "*".join(literal)


def _steps(lesson: Lesson) -> Iterator[tuple[Step, tuple[str, ...]]]:
    for step in lesson.steps:
        if isinstance(step, Practice):
            for item in step.items:
                yield item, (step.title or step.id, *step.competencies)
        else:
            yield step, ()


def lesson_items(lesson: Lesson, source: str) -> tuple[list[ExportItem], list[Finding]]:
    """Bank items for every question and content step of ``lesson``, and lesson-wide losses."""
    from ..lesson.variants import draw, render

    notes: list[Finding] = []
    where = Where(source)
    branching = [s.id for s in lesson.steps if s.next is not None and s.next.rules]
    if branching:
        notes.append(
            Finding(
                where,
                "approximated",
                f"branching at {', '.join(branching)} is dropped: "
                "a bank lists its questions in order",
            )
        )
    titles = {c.id: c.title or c.id for c in lesson.competencies}
    found: list[ExportItem] = []
    for original, pool in _steps(lesson):
        step: Step = original
        step_where = Where(source, item=step.id)
        if isinstance(step, End):
            continue
        if isinstance(step, ChoiceStep):
            notes.append(Finding(step_where, "skipped", "a learner's choice is not a question"))
            continue
        if isinstance(step, Content):
            item = BankItem(
                where=step_where, kind="text", source_type="content", prompt=step.body, name=step.id
            )
            found.append(ExportItem(item, step.id))
            continue
        if not isinstance(step, Question):
            continue
        losses: list[str] = []
        if step.params or step.derived:
            step = render(step, draw(step, 0))
            losses.append("randomised variants: the variant drawn with seed 0 is exported")
        if pool:
            losses.append(f"practice pool {pool[0]!r}: mastery-driven selection is not kept")
        comps = tuple(dict.fromkeys((*pool[1:], *step.competencies)))
        category = (titles.get(comps[0], comps[0]),) if comps else ()
        try:
            item = _item(step, step_where, losses)
        except _Unsupported as exc:
            notes.append(Finding(step_where, "skipped", str(exc), step.id))
            continue
        penalty, exact = penalty_of(step.attempt_scores)
        if not exact:
            losses.append(
                f"attempt scores {list(step.attempt_scores)} written as a penalty of {penalty:g}"
            )
        if step.max_attempts is not None:
            losses.append(f"the limit of {step.max_attempts} attempts is the quiz's to set")
        item = replace(
            item,
            name=step.id,
            ident=step.id,
            points=step.points,
            hints=step.hints,
            penalty=penalty,
            general_feedback=step.solution,
            correct_feedback=step.feedback.correct,
            incorrect_feedback=step.feedback.incorrect,
            category=category,
            category_id=comps[0] if comps else "",
            tags=comps[1:],
        )
        found.append(ExportItem(item, step.id, losses))
    return found, notes


class _Unsupported(Exception):  # noqa: N818 - a reason to skip, not an error
    pass


def _item(step: Question, where: Where, losses: list[str]) -> BankItem:
    check = step.check
    base: dict[str, Any] = {"where": where, "prompt": step.prompt}
    wrong = {str(w.answer): w.message for w in step.feedback.wrong}
    if isinstance(check, Choice):
        values = [o.value for o in check.options]
        texts = [o.text or o.value for o in check.options]
        tf = sorted(t.strip().lower() for t in texts) == ["false", "true"] and not check.multiple
        right = set(check.answers())
        n = len(right)
        answers = tuple(
            BankAnswer(
                text=t,
                fraction=(1.0 if v in right else 0.0)
                if not check.multiple
                else (1 / n if v in right else -1 / n),
                feedback=o.feedback or wrong.get(v, ""),
            )
            for v, t, o in zip(values, texts, check.options, strict=True)
        )
        if check.multiple and not check.partial_credit:
            losses.append("all-or-nothing scoring is written as per-option credit")
        kind = "truefalse" if tf else "choice"
        return BankItem(
            kind=kind,
            source_type=kind,
            answers=answers,
            multiple=check.multiple,
            shuffle=check.shuffle,
            **base,
        )
    if isinstance(check, Numeric):
        return _numeric(check, wrong, base, losses)
    if isinstance(check, (Text, Expression)):
        return _text(check, wrong, base, losses)
    if isinstance(check, Ordering):
        answers = tuple(BankAnswer(text=i, fraction=1.0) for i in check.items)
        return BankItem(kind="ordering", source_type="ordering", answers=answers, **base)
    if isinstance(check, FreeResponse):
        return BankItem(kind="essay", source_type="essay", min_words=check.min_words, **base)
    raise _Unsupported(f"a {check.type} check cannot be expressed in a question bank")


def _numeric(
    check: Numeric, wrong: dict[str, str], base: dict[str, Any], losses: list[str]
) -> BankItem:
    if check.range is not None:
        low, high = check.range
        right = BankAnswer(
            text=f"{(low + high) / 2:g}",
            tolerance=(high - low) / 2,
            range=(low, high),
            fraction=1.0,
        )
    else:
        try:
            value = float(str(check.answer))
        except ValueError as exc:
            raise _Unsupported(f"the numeric answer {check.answer!r} is not a number") from exc
        tol = check.tolerance
        if check.relative_tolerance:
            tol = max(tol, abs(value) * check.relative_tolerance)
            losses.append(f"the relative tolerance is written as ±{tol:g}")
        if check.sig_figs:
            losses.append(f"comparing to {check.sig_figs} significant figures is not kept")
        right = BankAnswer(text=f"{value:.15g}", tolerance=tol, fraction=1.0)
    others = tuple(
        BankAnswer(text=a, tolerance=right.tolerance, feedback=m) for a, m in wrong.items()
    )
    units = ((check.units, 1.0),) if check.units else ()
    return BankItem(
        kind="numerical",
        source_type="numerical",
        answers=(right, *others),
        units=units,
        units_required=check.require_units,
        **base,
    )


def _text(
    check: Text | Expression, wrong: dict[str, str], base: dict[str, Any], losses: list[str]
) -> BankItem:
    if isinstance(check, Expression):
        losses.append(
            "an expression check becomes a short answer: equivalent forms are marked wrong"
        )
        answers = (BankAnswer(text=check.answer, fraction=1.0),)
        return BankItem(kind="shortanswer", source_type="shortanswer", answers=answers, **base)
    right = [BankAnswer(text=a, fraction=1.0) for a in check.answers()]
    for pattern in check.patterns():
        wildcard = regex_wildcard(pattern)
        if wildcard is None:
            losses.append(f"the pattern {pattern!r} cannot be written as a wildcard; dropped")
        else:
            right.append(BankAnswer(text=wildcard, fraction=1.0))
    if not right:
        raise _Unsupported("no answer of the text check can be expressed in the bank")
    if check.fuzzy is not None:
        losses.append("typo tolerance (fuzzy) is not kept")
    if check.ignore_accents and any(not a.text.isascii() for a in right):
        losses.append("answers are compared with their accents in the bank")
    others = tuple(BankAnswer(text=a, feedback=m) for a, m in wrong.items())
    return BankItem(
        kind="shortanswer",
        source_type="shortanswer",
        answers=(*right, *others),
        case_sensitive=check.case_sensitive,
        **base,
    )
