"""Whether a wrong answer already gets a message of its own, decided by the real checker.

A recorded response is judged again against the lesson as it is now, through
:func:`lessonkit.checks.grade` (the function a live session calls), so "covered" means exactly
"a learner typing this today would see targeted feedback": a ``feedback.wrong`` entry that the
checker matches (``5.0`` and `` 5`` match an entry ``5`` on a numeric question), or, on a choice
question, the feedback written on the option picked. String equality is never used.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

from ..checks.dispatch import CheckerWarning
from ..checks.scoring import grade
from ..i18n import N_
from ..lesson.model import Question
from ..lesson.specs import Choice, Ordering

__all__ = ["COVERAGE_KINDS", "coverage", "coverage_of_seeds", "response_value"]

COVERAGE_KINDS = {
    "targeted": N_("a `feedback.wrong` entry of the question matches it"),
    "option": N_("the option picked has feedback of its own"),
    "none": N_("only the general feedback: no message for this answer yet"),
    "some variants": N_("targeted feedback matches it in some learners' variants only"),
    "right": N_("the lesson now accepts this answer"),
    "unreadable": N_("the lesson can no longer read this answer (the question changed)"),
    "n/a": N_(
        "this kind of question takes no targeted feedback (code, data frames, free text) "
        "or its variants cannot be rebuilt"
    ),
    "unknown": N_("the lesson was not given: whether it answers this is not known"),
}
"""The values of the ``feedback`` column of the wrong-answer table, and what each means."""

_NO_TARGETS = ("code", "frame", "free")


def response_value(question: Question, text: str) -> Any:
    """The response a learner gave, from its recorded text (multiple picks and orderings are
    recorded joined with `` | ``)."""
    check = question.check
    if (isinstance(check, Choice) and check.multiple) or isinstance(check, Ordering):
        return [part for part in text.split(" | ")]
    return text


def coverage(question: Question, text: str, seed: int | None = None) -> str:
    """How the lesson answers ``text`` now: one of the keys of :data:`COVERAGE_KINDS`."""
    if question.check.type in _NO_TARGETS:
        return "n/a"
    if (question.params or question.derived) and seed is None:
        return "n/a"  # the learner's variant cannot be rebuilt without its seed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CheckerWarning)
        result = grade(question, response_value(question, text), attempt=1, hints_used=0, seed=seed)
    if not result.understood:
        return "unreadable"
    if result.correct:
        return "right"
    if result.details.get("targeted"):
        return "targeted"
    if isinstance(question.check, Choice) and _option_feedback(question.check, result):
        return "option"
    return "none"


def _option_feedback(spec: Choice, result: Any) -> bool:
    """Whether a wrong option the learner picked carries feedback (the checker resolved the
    response to option values: ``response_text`` for one pick, ``picks`` for several)."""
    picks = result.details.get("picks") if spec.multiple else [result.response_text]
    answers = set(spec.answers())
    chosen = {str(p) for p in picks or ()}
    return any(o.feedback for o in spec.options if o.value in chosen and o.value not in answers)


def coverage_of_seeds(question: Question, text: str, seeds: Iterable[int | None]) -> str:
    """:func:`coverage` over the variants the answer was given in: the common verdict, or
    ``some variants`` when targeted feedback fires in some of them only."""
    verdicts = {coverage(question, text, seed) for seed in seeds} or {coverage(question, text)}
    if len(verdicts) == 1:
        return verdicts.pop()
    if verdicts & {"targeted", "option"}:
        return "some variants"
    return "none" if "none" in verdicts else sorted(verdicts)[0]
