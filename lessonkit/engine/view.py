"""The current step as a learner should see it, read off a run's state."""

from __future__ import annotations

from ..lesson.model import Choice, End, Question, Step
from .outcomes import StepRecord, StepView
from .state import RunState

__all__ = ["step_view"]


def step_view(state: RunState) -> StepView:
    """What the learner sees now: the step, its question, hints, attempts, what is allowed."""
    step = state.step()
    question = state.active_question()
    rec = state.record(question.id) if question else state.record(step.id)
    limit = question.max_attempts if question else None
    if question and limit is not None:  # a teacher may grant one learner more
        limit += state.extra_attempts.get(question.id, 0)
    attempts_left = None if limit is None else max(0, limit - rec.attempts)
    hints = question.hints[: rec.hints_used] if question else ()
    solution = ""
    if (
        question
        and question.show_solution_after is not None
        and question.solution
        and (rec.attempts >= question.show_solution_after or rec.correct)
    ):
        solution = question.solution
    practice = state.practice.get(step.id)
    return StepView(
        step=step,
        question=question,
        record=rec,
        hints=hints,
        hints_left=(len(question.hints) - rec.hints_used) if question else 0,
        attempts_left=attempts_left,
        can_submit=bool(question)
        and not rec.correct
        and attempts_left != 0
        and not state.finished
        and rec.rubric_grade is None,  # graded by a teacher: that answer stands
        can_advance=_can_advance(state, step, question, rec, attempts_left),
        can_go_back=state.lesson.settings.allow_back and len(state.path) > 1 and not state.finished,
        solution=solution,
        position=len(state.path),
        practice_progress=(practice.given, practice.max_items) if practice else None,
    )


def _can_advance(
    state: RunState,
    step: Step,
    question: Question | None,
    rec: StepRecord,
    attempts_left: int | None,
) -> bool:
    if state.finished or isinstance(step, End):
        return False
    if isinstance(step, Choice):
        return state.choices.get(step.id) is not None
    if question is None:
        return True
    return rec.correct or attempts_left == 0 or rec.answered
