"""``grade``: a question-level judgement on top of :func:`~lessonkit.checks.check`.

On top of the checker's verdict, ``grade`` regenerates the learner's variant (when given the
original question and a seed), picks targeted feedback for known wrong answers, applies the
attempt score schedule, decides whether the worked solution may be shown and records the
attempt and hints used. It never raises, whatever the response.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..lesson.specs import CheckSpec, Choice, Custom, Expression, Numeric, Ordering, Text
from .dispatch import COULD_NOT_CHECK, CheckerWarning, check
from .result import CheckResult, not_understood

if TYPE_CHECKING:
    from ..lesson.model import Question

__all__ = ["DEFAULT_CORRECT", "DEFAULT_INCORRECT", "DEFAULT_PARTIAL", "grade"]

DEFAULT_CORRECT = "Correct!"
DEFAULT_INCORRECT = "Not quite."
DEFAULT_PARTIAL = "Partly right."


def _with_answer(spec: CheckSpec, answer: Any) -> CheckSpec | None:
    """``spec`` judging ``answer`` as the only right answer; ``None`` if that means nothing."""
    if isinstance(spec, Numeric):
        return dataclasses.replace(spec, answer=answer, range=None)
    if isinstance(spec, Text):
        many = isinstance(answer, (list, tuple))
        return dataclasses.replace(spec, answer=tuple(answer) if many else str(answer), regex=())
    if isinstance(spec, Choice):
        many = isinstance(answer, (list, tuple))
        return dataclasses.replace(spec, answer=tuple(answer) if many else str(answer))
    if isinstance(spec, Expression):
        return dataclasses.replace(spec, answer=str(answer))
    if isinstance(spec, Ordering) and isinstance(answer, (list, tuple)):
        return dataclasses.replace(spec, items=tuple(str(a) for a in answer), partial_credit=False)
    if isinstance(spec, Custom):
        return dataclasses.replace(spec, answer=answer)
    return None  # code, frame and free responses have no single wrong answer to name


def _targeted(
    question: Question, response: Any, values: Mapping[str, Any], language: str | None
) -> str:
    """The message of the first listed wrong answer the response matches, else ``""``."""
    for wrong in question.feedback.wrong:
        try:
            spec = _with_answer(question.check, wrong.answer)
        except Exception:  # a wrong answer that does not fit the spec is simply not matched
            continue
        if spec is None:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CheckerWarning)
            outcome = check(spec, response, params=values, language=language)
        if outcome.understood and outcome.correct:
            return wrong.message
    return ""


def _multiplier(question: Question, attempt: int) -> float:
    schedule = question.attempt_scores
    if not schedule:
        return 1.0
    return float(schedule[min(max(attempt, 1), len(schedule)) - 1])


def _solution_due(question: Question, attempts_made: int) -> bool:
    if not question.solution or question.show_solution_after is None:
        return False
    if attempts_made >= question.show_solution_after:
        return True
    return question.max_attempts is not None and attempts_made >= question.max_attempts


def _join(*parts: str) -> str:
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def grade(
    question: Question,
    response: Any,
    *,
    attempt: int,
    hints_used: int,
    seed: int | None,
    namespace: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> CheckResult:
    """Judge ``response`` to ``question`` as attempt number ``attempt``.

    Parameters
    ----------
    question
        The question as shown, or the original question together with its variant ``seed``.
    response
        The learner's answer (anything; never raises).
    attempt
        1 for the first attempt; drives ``attempt_scores`` and when the solution is shown.
    hints_used
        Hints seen before this attempt (recorded in ``details``).
    seed
        The variant seed; with a question that still has params, the variant is regenerated.
    namespace
        The kernel namespace for code checks (see :func:`~lessonkit.checks.check`).
    language
        The learner's language: numbers are read as its learners write them (see
        :func:`~lessonkit.checks.check`).
    """
    try:
        return _grade(
            question,
            response,
            attempt,
            hints_used,
            seed=seed,
            namespace=namespace,
            language=language,
        )
    except Exception as exc:  # the lesson must go on; the instructor gets a warning
        warnings.warn(
            f"grading {getattr(question, 'id', '?')!r} failed: {type(exc).__name__}: {exc}",
            CheckerWarning,
            stacklevel=2,
        )
        return not_understood(
            response, COULD_NOT_CHECK, attempt=attempt, hints_used=hints_used, error=repr(exc)
        )


def _grade(
    question: Question,
    response: Any,
    attempt: int,
    hints_used: int,
    *,
    seed: int | None,
    namespace: Mapping[str, Any] | None,
    language: str | None = None,
) -> CheckResult:
    values: dict[str, Any] = {}
    if (question.params or question.derived) and seed is not None:
        from ..lesson.variants import draw, render

        values = draw(question, seed)
        question = render(question, values)
    result = check(question.check, response, namespace=namespace, params=values, language=language)
    attempts_made = attempt if result.understood else attempt - 1
    details = dict(result.details)
    details.update(attempt=attempt, hints_used=hints_used)
    if seed is not None:
        details["variant_seed"] = seed
    if _solution_due(question, attempts_made):
        details["solution"] = question.solution
    if not result.understood:
        return dataclasses.replace(result, score=0.0, correct=False, details=details)

    multiplier = _multiplier(question, attempt)
    score = result.score * multiplier
    details["unscaled_score"] = result.score
    if multiplier != 1.0:
        details["attempt_multiplier"] = multiplier
    if result.correct:
        feedback = _join(question.feedback.correct or DEFAULT_CORRECT, result.feedback)
    else:
        targeted = _targeted(question, response, values, language)
        if targeted:
            details["targeted"] = True
        default = DEFAULT_PARTIAL if result.score > 0 else DEFAULT_INCORRECT
        specific = targeted or result.feedback
        feedback = _join(specific, question.feedback.incorrect) or default
    return dataclasses.replace(result, score=score, feedback=feedback, details=details)
