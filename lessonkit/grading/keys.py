"""Answer keys that stay out of a student's copy of a lesson.

A graded lesson exists twice: the instructor's lesson (the *key*, every answer in it) and the
student's copy, in which the check of every graded question is replaced by one of two
registered checkers:

``lessonkit.hashed``
    The copy holds salted SHA-256 hashes of the accepted answers, so the learner still gets
    live right/wrong feedback. Possible only where "right" is a finite set of exact answers
    after normalisation: single/multiple choice, exact numbers, text without regular
    expressions or fuzzy matching, ordering. Partial credit is not available live (the grader
    gives it). A hash is a deterrent, not a vault: anyone can hash each option of a choice
    question and compare, so a determined student can recover small answer spaces offline.

``lessonkit.recorded``
    Everything else (numbers with a tolerance, expressions, regular expressions, code,
    DataFrames, randomized variants): the answer is recorded and checked only at grading.

Either way the grader ignores what the copy concluded and re-checks every recorded raw
response against the key (:mod:`lessonkit.grading`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from .. import checks
from ..checks.result import CheckResult, jsonable
from ..lesson.model import Lesson, Question, Step, WrongAnswer

__all__ = [
    "HASHED",
    "RECORDED",
    "check_hashed",
    "check_recorded",
    "display_spec",
    "hidden_questions",
    "student_copy",
]

HASHED = "lessonkit.hashed"
"""Registered name of the hashed-key checker."""
RECORDED = "lessonkit.recorded"
"""Registered name of the record-only checker."""

RECORDED_MESSAGE = "Your answer has been recorded. It will be checked when your work is graded."
_SEP = "\x1f"


def _digest(salt: str, canonical: str) -> str:
    return hashlib.sha256(f"{salt}{_SEP}{canonical}".encode()).hexdigest()[:32]


def _normal_text(text: str, *, case_sensitive: bool, ignore_accents: bool) -> str:
    text = unicodedata.normalize("NFKC", text)
    if ignore_accents:
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    if not case_sensitive:
        text = text.casefold()
    return re.sub(r"\s+", " ", text).strip()


def _number(value: Any) -> str | None:
    """Canonical text of a finite number, or ``None`` when ``value`` is not one."""
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip().replace("\u2212", "-").replace(" ", ""))
    except (TypeError, ValueError, OverflowError):
        return None
    return repr(number + 0.0) if math.isfinite(number) else None


def _canonical(kind: str, options: Mapping[str, Any], response: Any) -> str | None:
    """The response in the canonical form its hash was made from, or ``None`` if unreadable."""
    if kind == "number":
        return _number(response)
    if kind == "text":
        if not isinstance(response, str):
            return None
        return _normal_text(
            response,
            case_sensitive=bool(options.get("case_sensitive")),
            ignore_accents=bool(options.get("ignore_accents", True)),
        )
    try:  # str() of a learner's huge int raises ValueError: unreadable, not the key's fault
        if kind == "choice":
            if isinstance(response, str):
                picks = [response]
            elif isinstance(response, Sequence):
                picks = [str(p) for p in response]
            else:
                return None
            return _SEP.join(sorted(p.strip() for p in picks))
        if kind == "ordering":
            if isinstance(response, str) or not isinstance(response, Sequence):
                return None
            return "\x1e".join(str(p) for p in response)
    except ValueError:
        return None
    return None


def _hash_spec(spec: checks.CheckSpec, salt: str) -> dict[str, Any] | None:
    """The hashed key for ``spec``, or ``None`` when its answers are not a finite exact set."""
    if isinstance(spec, checks.Choice):
        return {"kind": "choice", "hashes": [_digest(salt, _SEP.join(sorted(spec.answers())))]}
    if isinstance(spec, checks.Numeric):
        exact = not (spec.tolerance or spec.relative_tolerance or spec.sig_figs or spec.range)
        canonical = _number(spec.answer)
        if not exact or spec.units or canonical is None:
            return None
        return {"kind": "number", "hashes": [_digest(salt, canonical)]}
    if isinstance(spec, checks.Text):
        if spec.patterns() or spec.fuzzy is not None or not spec.answers():
            return None
        options = {"case_sensitive": spec.case_sensitive, "ignore_accents": spec.ignore_accents}
        hashes = sorted({_digest(salt, _normal_text(a, **options)) for a in spec.answers()})
        return {"kind": "text", "hashes": hashes, **options}
    if isinstance(spec, checks.Ordering):
        return {"kind": "ordering", "hashes": [_digest(salt, "\x1e".join(spec.items))]}
    return None


def _hide(question: Question, salt: str) -> tuple[Question, str]:
    key = None if question.params or question.derived else _hash_spec(question.check, salt)
    feedback = question.feedback
    if key is None:
        display = _display_options(question.check)
        check: checks.CheckSpec = checks.Custom(checker=RECORDED, answer=display)
        how = "recorded"
    else:
        display = _display_options(question.check)
        check = checks.Custom(checker=HASHED, answer={"salt": salt, **key, **display})
        how = "hashed"
        # Known wrong answers are hashed too, so targeted feedback still works live.
        feedback = dataclasses.replace(
            feedback, wrong=tuple(_hashed_wrong(question.check, w, salt) for w in feedback.wrong)
        )
    # The solution and any solution-revealing settings would print the key: drop them.
    hidden = dataclasses.replace(
        question, check=check, feedback=feedback, solution="", show_solution_after=None
    )
    return hidden, how


def _hashed_wrong(spec: checks.CheckSpec, wrong: WrongAnswer, salt: str) -> WrongAnswer:
    from ..checks.scoring import _with_answer

    try:
        as_key = _with_answer(spec, wrong.answer)
    except (TypeError, ValueError):
        as_key = None
    hashed = _hash_spec(as_key, salt) if as_key is not None else None
    answer = {"salt": salt, **hashed} if hashed else wrong.answer
    return dataclasses.replace(wrong, answer=answer)


def _display_options(spec: checks.CheckSpec) -> dict[str, Any]:
    """What the player needs to show the question's input (never the key itself)."""
    shown: dict[str, Any] = {"input": spec.type}
    if isinstance(spec, checks.Choice):
        shown["options"] = [{"value": o.value, "text": o.text} for o in spec.options]
        shown["multiple"] = spec.multiple
    elif isinstance(spec, checks.Ordering):
        shown["items"] = sorted(spec.items)
    elif isinstance(spec, checks.Code):
        shown["name"] = spec.name
    elif isinstance(spec, checks.Numeric) and spec.units:
        shown["units"] = spec.units
    return shown


def display_spec(spec: checks.CheckSpec) -> checks.CheckSpec:
    """A stand-in spec of the original type for rendering a hidden question's input.

    Its answer is a placeholder: it is for choosing and laying out the input only, never for
    checking (the hidden question is checked by its ``lessonkit.*`` checker).
    """
    shown = getattr(spec, "answer", None)
    if not isinstance(spec, checks.Custom) or not isinstance(shown, Mapping):
        return spec
    kind = shown.get("input")
    if kind == "choice" and shown.get("options"):
        options = tuple(
            checks.Option(value=str(o.get("value")), text=str(o.get("text") or ""))
            for o in shown["options"]
        )
        first = options[0].value
        return checks.Choice(options=options, answer=(first,) if shown.get("multiple") else first)
    if kind == "ordering" and shown.get("items"):
        return checks.Ordering(items=tuple(str(i) for i in shown["items"]))
    if kind == "code" and shown.get("name"):
        return checks.Code(name=str(shown["name"]))
    if kind == "numeric":
        return checks.Numeric(answer=0, units=str(shown.get("units") or ""))
    if kind == "expression":
        return checks.Expression(answer="0")
    if kind == "frame":
        return checks.Frame(answer={})
    if kind == "free":
        return checks.FreeResponse()
    return spec


def hidden_questions(lesson: Lesson) -> list[Question]:
    """The questions whose keys a student copy hides: every top-level question with points."""
    return [s for s in lesson.steps if isinstance(s, Question) and s.points > 0]


def student_copy(lesson: Lesson, *, salt: str | None = None) -> tuple[Lesson, dict[str, str]]:
    """The lesson with graded keys hidden, and how each hidden question is checked live
    (``"hashed"`` or ``"recorded"``). Practice items and ungraded questions keep their keys:
    they are formative, and practice needs live checking to pick the next item."""
    salt = salt or secrets.token_hex(8)
    hidden = {q.id for q in hidden_questions(lesson)}
    how: dict[str, str] = {}
    steps: list[Step] = []
    for step in lesson.steps:
        if isinstance(step, Question) and step.id in hidden:
            shown, how[step.id] = _hide(step, salt)
            steps.append(shown)
        else:
            steps.append(step)
    return dataclasses.replace(lesson, steps=tuple(steps)), how


def check_hashed(response: Any, answer: Any = None, **_: Any) -> CheckResult:
    """Live check against a hashed key (the ``lessonkit.hashed`` checker)."""
    if not isinstance(answer, Mapping) or "salt" not in answer:
        return check_recorded(response)
    canonical = _canonical(str(answer.get("kind")), answer, response)
    raw = jsonable(response)
    text = raw if isinstance(raw, str) else str(raw)
    if canonical is None:
        return CheckResult(
            correct=False,
            score=0.0,
            understood=False,
            feedback="Sorry, I could not understand your answer. Please try again.",
            details={"raw": raw},
            response_text=text,
        )
    right = _digest(str(answer["salt"]), canonical) in set(answer.get("hashes") or ())
    return CheckResult(
        correct=right,
        score=1.0 if right else 0.0,
        details={"raw": raw, "hashed": True},
        response_text=text,
    )


def check_recorded(response: Any, answer: Any = None, **_: Any) -> CheckResult:
    """Record without judging (the ``lessonkit.recorded`` checker): checked at grading."""
    raw = jsonable(response)
    return CheckResult(
        correct=False,
        score=0.0,
        feedback=RECORDED_MESSAGE,
        details={"raw": raw, "graded": False},
        response_text=raw if isinstance(raw, str) else str(raw),
    )
