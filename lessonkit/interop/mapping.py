"""Bank items to lesson steps, noting everything that does not carry over exactly.

One set of rules for every format:

- per-answer feedback becomes option feedback or targeted ``feedback.wrong`` messages; the
  bank's feedback for right and wrong answers becomes ``feedback.correct``/``incorrect``;
- general feedback (shown after any attempt) becomes the worked ``solution``, shown after
  the first attempt; hints stay hints;
- a penalty per wrong attempt ``p`` becomes the attempt score schedule ``1, 1-p, 1-2p, ... 0``;
- partial credit that lessonkit scores differently is reported, never silently changed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..lesson.model import Content, Feedback, Question, Step, WrongAnswer
from ..lesson.specs import FreeResponse, Numeric, Option, Ordering, Text
from .bank import BankAnswer, BankItem
from .choices import choice_check, matching_steps

__all__ = ["Mapped", "attempt_scores", "map_item", "wildcard_regex"]

FULL = 0.9999  # fractions are read from text ("100", "0.3333333"): full credit within rounding


@dataclass
class Mapped:
    """What an item became: steps (usually one), and what was lost on the way."""

    steps: list[Step] = field(default_factory=list)
    losses: list[str] = field(default_factory=list)
    skipped: str = ""


def attempt_scores(penalty: float | None) -> tuple[float, ...]:
    """Moodle's penalty per wrong attempt as lessonkit's score multiplier per attempt."""
    if not penalty or penalty <= 0:
        return ()
    penalty = min(penalty, 1.0)
    scores = [1.0]
    while scores[-1] > 0 and len(scores) < 20:  # Moodle: max(0, 1 - k * penalty)
        score = round(1.0 - len(scores) * penalty, 6)
        scores.append(score if score > 1e-6 else 0.0)
    return tuple(scores)


def wildcard_regex(pattern: str) -> str:
    """Moodle's short-answer wildcard (``*`` is any text, ``\\*`` a star) as a regex."""
    parts = re.split(r"(?<!\\)\*", pattern)
    literal = [re.escape(" ".join(p.replace("\\*", "*").split())) for p in parts]
    return ".*".join(literal)


def map_item(
    item: BankItem, step_id: Callable[[str], str], competencies: tuple[str, ...]
) -> Mapped:
    """The step(s) for ``item``; ``step_id(base)`` hands out unique ids."""
    if item.kind == "unsupported":
        return Mapped(skipped=item.skip_reason or f"{item.source_type} has no equivalent")
    base = item.name or item.ident or _first_words(item.prompt) or item.source_type
    if item.kind == "text":
        body = item.prompt or item.name
        return Mapped(steps=[Content(id=step_id(base), body=body)], losses=list(item.notes))
    mapped = Mapped(losses=list(item.notes))
    common = _common(item, mapped, competencies)
    if item.kind == "matching":
        steps, losses = matching_steps(item, step_id, common)
        mapped.steps.extend(steps)
        mapped.losses.extend(losses)
        return mapped if steps else Mapped(skipped=losses[0] if losses else "no pairs")
    feedback = common.pop("feedback")
    assert isinstance(feedback, Feedback)
    try:
        check, feedback = _check(item, feedback, mapped.losses)
    except _SkipError as skip:
        return Mapped(skipped=str(skip))
    mapped.steps.append(
        Question(id=step_id(base), check=check, feedback=feedback, **common)  # type: ignore[arg-type]
    )
    return mapped


def _first_words(text: str, count: int = 6) -> str:
    words = re.sub(r"[^\w\s]", " ", re.sub(r"\(media/[^)]*\)", "", text)).split()
    return " ".join(words[:count])


class _SkipError(Exception):
    pass


def _common(item: BankItem, mapped: Mapped, competencies: tuple[str, ...]) -> dict[str, object]:
    partial = item.partial_feedback.strip()
    if partial and not re.fullmatch(r"(?i)your answer is partially correct\.?", partial):
        mapped.losses.append("the message for a partly right answer is not kept")
    out: dict[str, object] = {
        "prompt": item.prompt or item.name or "(no question text)",
        "points": item.points,
        "competencies": competencies,
        "hints": item.hints,
        "attempt_scores": attempt_scores(item.penalty),
        "feedback": Feedback(correct=item.correct_feedback, incorrect=item.incorrect_feedback),
    }
    if item.general_feedback:
        out["solution"] = item.general_feedback
        out["show_solution_after"] = 1
    return out


def _check(item: BankItem, feedback: Feedback, losses: list[str]) -> tuple[object, Feedback]:
    if item.kind in ("choice", "truefalse"):
        if item.kind == "truefalse":
            item = _truefalse(item)
        spec = choice_check(item, losses)
        if spec is None:
            raise _SkipError("no option of the question is right")
        return spec, feedback
    if item.kind == "shortanswer":
        return _short(item, feedback, losses)
    if item.kind == "numerical":
        return _numerical(item, feedback, losses)
    if item.kind == "essay":
        return FreeResponse(min_words=item.min_words), feedback
    if item.kind == "ordering":
        return _ordering(item, losses), feedback
    raise _SkipError(f"{item.source_type} has no equivalent in lessonkit")


def _truefalse(item: BankItem) -> BankItem:
    answers = []
    for answer in item.answers:
        word = answer.text.strip().lower()
        value = "true" if word in ("true", "t", "1", "yes") else "false"
        answers.append(replace(answer, text=value.capitalize()))
    return replace(item, answers=tuple(answers), multiple=False)


def _catch_all(answers: tuple[BankAnswer, ...], feedback: Feedback, losses: list[str]) -> Feedback:
    for answer in answers:
        if answer.catch_all and answer.feedback:
            if answer.fraction > 0:
                losses.append(f"credit {answer.fraction:.0%} for any other answer is not kept")
            joined = "\n\n".join(t for t in (answer.feedback, feedback.incorrect) if t)
            return Feedback(correct=feedback.correct, incorrect=joined, wrong=feedback.wrong)
    return feedback


def _right_feedback(right: list[BankAnswer], feedback: Feedback, losses: list[str]) -> Feedback:
    """The right answers' own message, when they share one (lessonkit has one for all)."""
    messages = {a.feedback for a in right}
    if messages == {""}:
        return feedback
    if len(messages) > 1:
        kept = [a for a in right if a.feedback]
        losses.append(
            "the message for the right answer"
            + (f" {kept[0].text!r}" if len(kept) == 1 else "s")
            + " is not kept (lessonkit shows one message for every right answer)"
        )
        return feedback
    correct = "\n\n".join(t for t in (feedback.correct, messages.pop()) if t)
    return Feedback(correct=correct, incorrect=feedback.incorrect, wrong=feedback.wrong)


def _short(item: BankItem, feedback: Feedback, losses: list[str]) -> tuple[Text, Feedback]:
    answers = [a for a in item.answers if not a.catch_all and a.text.strip() != "*"]
    feedback = _catch_all(
        tuple(a if a.text.strip() != "*" else _as_catch_all(a) for a in item.answers),
        feedback,
        losses,
    )
    right = [a for a in answers if a.fraction >= FULL]
    if not right:
        raise _SkipError("no answer of the question is fully right")
    literal = tuple(" ".join(a.text.split()) for a in right if not re.search(r"(?<!\\)\*", a.text))
    patterns = tuple(wildcard_regex(a.text) for a in right if re.search(r"(?<!\\)\*", a.text))
    wrong: list[WrongAnswer] = []
    for answer in answers:
        if answer.fraction >= FULL:
            continue
        if answer.fraction > 0:
            losses.append(f"partial credit {answer.fraction:.0%} for {answer.text!r} became none")
        if re.search(r"(?<!\\)\*", answer.text):
            if answer.feedback:
                losses.append(f"the message for answers like {answer.text!r} is not kept")
            continue
        wrong.append(WrongAnswer(answer=answer.text.replace("\\*", "*"), message=answer.feedback))
    feedback = _right_feedback(right, feedback, losses)
    feedback = Feedback(correct=feedback.correct, incorrect=feedback.incorrect, wrong=tuple(wrong))
    spec = Text(
        answer=literal,
        regex=patterns,
        case_sensitive=item.case_sensitive,
        ignore_accents=False,
        fuzzy=item.fuzzy,
    )
    return spec, feedback


def _as_catch_all(answer: BankAnswer) -> BankAnswer:
    return replace(answer, catch_all=True)


def _number(text: str) -> float:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError as exc:
        raise _SkipError(f"the answer {text!r} is not a number") from exc
    if not math.isfinite(value):
        raise _SkipError(f"the answer {text!r} is not a finite number")
    return value


def _numerical(item: BankItem, feedback: Feedback, losses: list[str]) -> tuple[Numeric, Feedback]:
    feedback = _catch_all(item.answers, feedback, losses)
    answers = [a for a in item.answers if not a.catch_all]
    right = [a for a in answers if a.fraction >= FULL]
    if not right:
        raise _SkipError("no answer of the question is fully right")
    first = right[0]
    for other in right[1:]:
        losses.append(f"another right answer ({other.range or other.text}) is not kept")
    unit, _multiplier = next(((u, m) for u, m in item.units if abs(m - 1) < 1e-12), ("", 1.0))
    for name, mult in item.units:
        if name != unit:
            losses.append(f"unit {name!r} (x{mult:g}) is not converted; only {unit!r} is accepted")
    if item.units and not unit:
        losses.append("no unit has multiplier 1; units are not checked")
    wrong = []
    for answer in answers:
        if answer.fraction >= FULL:
            continue
        if answer.fraction > 0:
            label = answer.range or answer.text
            losses.append(f"partial credit {answer.fraction:.0%} for {label} became none")
        if answer.range is not None:
            if answer.feedback:
                losses.append(f"the message for answers in {list(answer.range)} is not kept")
            continue
        if answer.feedback:
            if abs(answer.tolerance - first.tolerance) > 1e-12:
                losses.append(
                    f"the message for {answer.text} matches within the right answer's "
                    f"tolerance ({first.tolerance:g}), not its own ({answer.tolerance:g})"
                )
            wrong.append(WrongAnswer(answer=_number(answer.text), message=answer.feedback))
    feedback = _right_feedback(right[:1], feedback, losses)
    feedback = Feedback(correct=feedback.correct, incorrect=feedback.incorrect, wrong=tuple(wrong))
    if first.range is not None:
        spec = Numeric(
            range=first.range, units=unit, require_units=bool(unit) and item.units_required
        )
    else:
        spec = Numeric(
            answer=_number(first.text),
            tolerance=first.tolerance,
            sig_figs=item.sig_figs,
            units=unit,
            require_units=bool(unit) and item.units_required,
        )
    return spec, feedback


def _ordering(item: BankItem, losses: list[str]) -> Ordering:
    answers = list(item.answers)
    fractions = [a.fraction for a in answers]
    if len(set(fractions)) == len(fractions) and all(f > 0 for f in fractions):
        answers.sort(key=lambda a: a.fraction)  # Moodle's ordering numbers the right order
    items = tuple(a.text for a in answers)
    if len(items) < 2 or len(set(items)) != len(items):
        raise _SkipError("an ordering needs at least two different items")
    return Ordering(items=items)


def option(value: str, text: str, feedback: str) -> Option:
    """An option that shows ``text`` (dropped when it equals the value)."""
    return Option(value=value, text="" if text == value else text, feedback=feedback)
