"""Keys on the server: the learner's copy of a lesson with no key at all.

In the copy, every top-level question is checked by the ``lessonkit.service`` checker
(:mod:`lessonkit.hub.remote_check`), which sends the response to the service; the service
checks it against the instructor's lesson it holds, counts the attempt across all the
learner's sessions, and answers with the verdict. The copy keeps what the learner must see
(prompt, options, hints, general feedback, the variant parameters the prompt shows) and drops
the key, the solution, targeted wrong-answer feedback (the service gives it) and derived
values the prompt does not show.

Code exercises follow the course's ``code_checks``: ``service`` (the default) sends the code
to the service, which runs it in its own sandbox (:mod:`lessonkit.isolation`); ``learner``
keeps the tests in the copy and runs them in the learner's own server, as an ungraded
exercise would. Practice-pool items keep their keys: they are formative and pick the next
item from live results.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from .. import checks
from ..lesson.model import Exercise, Feedback, Lesson, Question, Step
from ..lesson.rubric import teacher_judges
from ..lesson.specs import SERVICE_CHECKER

__all__ = ["SERVICE_CHECKER", "display_options", "is_keyed", "keyed_questions", "service_copy"]


_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def is_keyed(question: Question, code_checks: str = "service") -> bool:
    """Whether the service checks ``question`` (a top-level question of a course lesson).

    A free response with a rubric has no key: it is recorded for a teacher to grade."""
    if teacher_judges(question):
        return False
    return not (code_checks == "learner" and isinstance(question.check, checks.Code))


def keyed_questions(lesson: Lesson, code_checks: str = "service") -> list[Question]:
    """The questions whose keys stay on the service."""
    return [s for s in lesson.steps if isinstance(s, Question) and is_keyed(s, code_checks)]


def display_options(spec: checks.CheckSpec) -> dict[str, Any]:
    """What the player needs to show a question's input, never the key (the same shape as
    :func:`lessonkit.grading.display_spec` reads)."""
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


def _shown_names(question: Question) -> set[str]:
    texts = [question.prompt, *question.hints]
    if isinstance(question, Exercise):
        texts.append(question.starter)
    return {m.group(1) for text in texts for m in _PLACEHOLDER.finditer(text)}


def _hide(lesson: Lesson, question: Question) -> Question:
    answer = {"lesson": lesson.id, "question": question.id, **display_options(question.check)}
    shown = _shown_names(question)
    fields: dict[str, Any] = {
        name: getattr(question, name)
        for name in (
            "id",
            "title",
            "next",
            "prompt",
            "points",
            "competencies",
            "hints",
            "max_attempts",
            "attempt_scores",
            "params",
            "rubric",
        )
    }
    fields.update(
        check=checks.Custom(checker=SERVICE_CHECKER, answer=answer),
        feedback=Feedback(correct=question.feedback.correct, incorrect=question.feedback.incorrect),
        derived={k: v for k, v in question.derived.items() if k in shown},
    )
    if isinstance(question, Exercise) and question.starter:
        # An exercise must keep a code check; the copy is a plain question showing the starter.
        answer["starter"] = question.starter
        fields["prompt"] = f"{question.prompt}\n\n```python\n{question.starter}\n```"
    return Question(**fields)


def service_copy(lesson: Lesson, *, code_checks: str = "service") -> Lesson:
    """The learner's copy of ``lesson``: keyed questions ask the service (see module doc)."""
    steps: list[Step] = []
    keyed = {q.id for q in keyed_questions(lesson, code_checks)}
    for step in lesson.steps:
        steps.append(
            _hide(lesson, step) if isinstance(step, Question) and step.id in keyed else step
        )
    return dataclasses.replace(lesson, steps=tuple(steps))


def service_seed(user: str, lesson_id: str, question: Question) -> int | None:
    """The variant the service checks ``user``'s answers to ``question`` against (``None``
    for a question without variants). Drawn from the hub user's name: the learner's copy
    renders the same variant, and a learner cannot choose another."""
    if not (question.params or question.derived):
        return None
    from ..lesson.variants import variant_seed

    return variant_seed(user, lesson_id, question.id, 0)
