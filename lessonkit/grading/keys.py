"""Answer keys that stay out of a student's copy of a lesson.

A graded lesson exists twice: the instructor's lesson (the *key*, every answer in it) and the
student's copy, in which the check of every graded question is replaced by one of two
registered checkers (:mod:`lessonkit.grading.live`):

``lessonkit.hashed``
    The copy holds salted SHA-256 hashes of the accepted answers, so the learner still gets
    live right/wrong feedback that agrees with the grade. Possible where "right" is a finite
    set of exact answers after the grader's own normalisation: single and multiple choice,
    exact numbers (units allowed) and numbers to significant figures, text without regular
    expressions or fuzzy matching, ordering. A hash is a deterrent, not a vault: anyone can
    hash each option of a choice question and compare.

``lessonkit.recorded``
    Everything else (numbers with a tolerance or range, expressions, regular expressions,
    code, randomized variants): the answer is recorded and judged only at grading. Live it is
    neither right nor wrong: it costs no attempt and moves no mastery.

What a copy keeps of a hidden question is only what the player needs to show its input
(:func:`display_spec`). The grader ignores what the copy concluded and re-checks every
recorded raw response against the key (:mod:`lessonkit.grading.regrade`).
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Mapping
from typing import Any, Literal

from .. import checks
from ..checks.custom import load_checker
from ..checks.scoring import _with_answer
from ..lesson.model import Exercise, Feedback, Lesson, Question, Step
from ..lesson.specs import HASHED_CHECKER, RECORDED_CHECKER
from .live import (
    ITEM_SEP,
    SEP,
    canonical_number,
    check_hashed,
    check_recorded,
    digest,
    seal,
)

__all__ = [
    "HASHED",
    "RECORDED",
    "check_hashed",
    "check_recorded",
    "display_spec",
    "gradable_problems",
    "hidden_questions",
    "live_mode",
    "student_copy",
]

HASHED = HASHED_CHECKER
"""Registered name of the hashed-key checker."""
RECORDED = RECORDED_CHECKER
"""Registered name of the record-only checker."""

LiveMode = Literal["hashed", "recorded"]
_NAME = re.compile(r"[A-Za-z_]\w*")
_BLANK_CORRECT = " "  # non-empty, so grade() adds no default; the sealed message is shown


def hidden_questions(lesson: Lesson) -> list[Question]:
    """The questions whose keys a student copy hides: every top-level question with points."""
    return [s for s in lesson.steps if isinstance(s, Question) and s.points > 0]


def _key_forms(spec: checks.CheckSpec) -> tuple[str, list[str], dict[str, Any]] | None:
    """``(kind, canonical right answers, options)`` when ``spec`` can be hashed, else ``None``."""
    if isinstance(spec, checks.Choice):
        return "choice", [SEP.join(sorted(set(spec.answers())))], {}
    if isinstance(spec, checks.Numeric):
        if spec.tolerance or spec.relative_tolerance or spec.range or spec.answer is None:
            return None
        try:
            from ..checks.numeric import _round_sig, _target

            target = _target(spec)
        except ValueError:
            return None
        if target is None or canonical_number(target) is None:
            return None
        if spec.sig_figs is not None:
            if spec.sig_figs > 8:
                return None
            form = canonical_number(_round_sig(target, spec.sig_figs))
            return ("sigfigs", [form], {"figures": spec.sig_figs}) if form else None
        form = canonical_number(target)
        if form is None or float(form) != target:  # more than 9 significant digits
            return None
        return "number", [form], {}
    if isinstance(spec, checks.Text):
        if spec.patterns() or spec.fuzzy is not None or not spec.answers():
            return None
        from ..checks.text import normalise

        opts = {"case_sensitive": spec.case_sensitive, "ignore_accents": spec.ignore_accents}
        return "text", sorted({normalise(a, **opts) for a in spec.answers()}), opts
    if isinstance(spec, checks.Ordering):
        return "ordering", [ITEM_SEP.join(spec.items)], {}
    return None


def live_mode(question: Question) -> LiveMode:
    """How a student copy checks ``question`` live: ``"hashed"`` or ``"recorded"``."""
    if question.params or question.derived or _key_forms(question.check) is None:
        return "recorded"
    return "hashed"


def gradable_problems(lesson: Lesson) -> list[tuple[str, str]]:
    """``(step id, why)`` for each graded question lessonkit cannot grade from evidence."""
    found: list[tuple[str, str]] = []
    for step in lesson.steps:
        # Practice items never carry points (they are formative: their keys stay in the copy
        # so the pool can pick items), so only top-level questions matter here.
        if isinstance(step, Question) and step.points > 0:
            # A free response with a rubric is graded by a teacher (lessonkit.grading.rubrics).
            why = "" if step.rubric is not None else _ungradable(step.check)
            if why:
                found.append((step.id, why))
    return found


def _ungradable(spec: checks.CheckSpec) -> str:
    """Why a graded question with this check cannot be graded from evidence ("" if it can)."""
    if isinstance(spec, checks.Frame):
        return (
            "a DataFrame answer is not kept in the evidence, so it cannot be graded later: "
            "give the question points: 0"
        )
    if isinstance(spec, checks.FreeResponse):
        return (
            "a free response is not graded automatically: give it a rubric (a teacher grades "
            "it) or points: 0"
        )
    if not isinstance(spec, checks.Custom):
        return ""
    if not isinstance(spec.checker, str):
        return (
            "a custom checker given as a Python function cannot be kept in the answer key: "
            "register it under a name"
        )
    if spec.checker in (HASHED, RECORDED):
        return "this is already a student copy (its key is hidden)"
    try:
        load_checker(spec.checker)
    except Exception as exc:
        return f"custom checker: {exc}"
    return ""


def _display(spec: checks.CheckSpec) -> dict[str, Any]:
    """What the player needs to show the question's input (never the key itself)."""
    shown: dict[str, Any] = {"input": spec.type}
    if isinstance(spec, checks.Choice):
        shown["options"] = [{"value": o.value, "text": o.text} for o in spec.options]
        shown["multiple"] = spec.multiple
        shown["shuffle"] = spec.shuffle
    elif isinstance(spec, checks.Ordering):
        shown["items"] = sorted(spec.items)
    elif isinstance(spec, checks.Code):
        shown["name"] = spec.name
    elif isinstance(spec, checks.Numeric):
        shown["units"] = spec.units
        shown["require_units"] = spec.require_units
    elif isinstance(spec, checks.Expression):
        shown["variables"] = list(spec.variables)
    return shown


def display_spec(spec: checks.CheckSpec) -> checks.CheckSpec:
    """What a widget needs to render a question's input, as a spec of the original type.

    For a hidden question of a student copy this is a stand-in (options, ordering items, the
    code editor's function name, units, variables) holding no key: its answer is a
    placeholder, for laying out the input only, never for checking. Any other spec is
    returned as it is.
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
        answer = (first,) if shown.get("multiple") else first
        return checks.Choice(options=options, answer=answer, shuffle=bool(shown.get("shuffle")))
    if kind == "ordering" and shown.get("items"):
        return checks.Ordering(items=tuple(str(i) for i in shown["items"]))
    if kind == "code" and shown.get("name"):
        return checks.Code(name=str(shown["name"]))
    if kind == "numeric":
        return checks.Numeric(
            answer=0,
            units=str(shown.get("units") or ""),
            require_units=bool(shown.get("require_units")),
        )
    if kind == "expression":
        variables = tuple(str(v) for v in shown.get("variables") or ())
        return checks.Expression(answer="0", variables=variables)
    if kind == "text":
        return checks.Text(answer="")
    if kind == "frame":
        return checks.Frame(answer={})
    if kind == "free":
        return checks.FreeResponse()
    return spec


def _hashed_key(question: Question, salt: str) -> dict[str, Any] | None:
    forms = _key_forms(question.check)
    if forms is None:
        return None
    kind, right, options = forms
    key: dict[str, Any] = {"salt": salt, "kind": kind, **options}
    key["hashes"] = sorted({digest(salt, f) for f in right})
    if question.feedback.correct:
        key["sealed"] = {digest(salt, f): seal(salt, f, question.feedback.correct) for f in right}
    wrong = []
    for entry in question.feedback.wrong:
        try:
            as_key = _with_answer(question.check, entry.answer)
        except (TypeError, ValueError):
            continue
        found = _key_forms(as_key) if as_key is not None else None
        if found is None or found[0] != kind:
            continue
        for form in found[1]:
            wrong.append(
                {"hashes": [digest(salt, form)], "message": seal(salt, form, entry.message)}
            )
    if wrong:
        key["wrong"] = wrong
    return key


def _hide(question: Question, salt: str) -> tuple[Question, LiveMode]:
    display = _display(question.check)
    key = _hashed_key(question, salt) if live_mode(question) == "hashed" else None
    feedback = Feedback()
    if key is None:
        check: checks.CheckSpec = checks.Custom(checker=RECORDED, answer=display)
        how: LiveMode = "recorded"
    else:
        check = checks.Custom(checker=HASHED, answer={**display, **key})
        how = "hashed"
        # The "correct" and targeted messages travel sealed in the key; the general
        # "incorrect" message reveals nothing the learner has not just been told.
        correct = _BLANK_CORRECT if question.feedback.correct else ""
        feedback = Feedback(correct=correct, incorrect=question.feedback.incorrect)
    # Solutions, per-option and targeted feedback would give the key away: dropped.
    hidden = dataclasses.replace(
        question,
        check=check,
        feedback=feedback,
        solution="",
        show_solution_after=None,
        derived=_shown_derived(question),
    )
    return hidden, how


def _shown_derived(question: Question) -> dict[str, str]:
    """The derived values a copy still needs: those its prompt, hints or inputs show."""
    text = " ".join(
        [question.prompt, question.title, *question.hints, repr(_display(question.check))]
    )
    if isinstance(question, Exercise):
        text += " " + question.starter
    wanted = set(_NAME.findall(text))
    kept: dict[str, str] = {}
    changed = True
    while changed:  # derived values may use other derived values
        changed = False
        for name, expression in question.derived.items():
            if name in wanted and name not in kept:
                kept[name] = expression
                wanted |= set(_NAME.findall(expression))
                changed = True
    return {n: e for n, e in question.derived.items() if n in kept}


def student_copy(lesson: Lesson, *, salt: str | None = None) -> tuple[Lesson, dict[str, LiveMode]]:
    """The lesson with graded keys hidden, and how each hidden question is checked live.

    Practice items and ungraded questions keep their keys: they are formative, and practice
    needs live checking to pick the next item. Check :func:`gradable_problems` first.
    """
    salt = salt or secrets.token_hex(8)
    hidden = {q.id for q in hidden_questions(lesson)}
    how: dict[str, LiveMode] = {}
    steps: list[Step] = []
    for step in lesson.steps:
        if isinstance(step, Question) and step.id in hidden:
            shown, how[step.id] = _hide(step, salt)
            steps.append(shown)
        else:
            steps.append(step)
    return dataclasses.replace(lesson, steps=tuple(steps)), how
