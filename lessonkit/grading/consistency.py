"""Could lessonkit have recorded this? Evidence checked against what the engine allows.

A learner's evidence file is the learner's to edit, including the times that order their
sessions. So what a grade rests on must not depend on that order where the engine's own rules
say more. :class:`~lessonkit.engine.session.LessonSession` carries attempts across a learner's
sessions and refuses an answer past a question's ``max_attempts`` and any answer after a right
one. Hence, per question (per presentation, for a practice item):

* **more answers than the question allows** — in whatever sessions, in whatever order — can
  only be edited evidence: the question is *impossible*;
* **two different events under one sequence number** of a session can only be edited: the
  questions they concern are impossible;
* **several sessions in a lesson that allows no restart**: every question answered in more
  than one of them is impossible;
* **answers the key accepts are counted after every other answer to the question**, whatever
  session they are in (in real evidence nothing follows a right answer, so this changes
  nothing there); of several — one may have been judged wrong live, e.g. code that timed
  out — only the last counts as right, and it carries every hint shown at the question.

An impossible question earns nothing, and its answers count as wrong for mastery, taken in
after all other evidence; :mod:`lessonkit.grading.regrade` applies that.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..engine.outcomes import CountedAnswer
from ..evidence.events import Event
from ..lesson.model import Lesson, Question

__all__ = ["Checked", "Review", "review"]


@dataclass(frozen=True, slots=True)
class Checked:
    """A recorded answer with the key's verdict, before it is numbered and scored."""

    answer: CountedAnswer
    """The answer as the learner's sessions counted it (in the sessions' recorded order)."""
    question: Question
    """The key's question."""
    understood: bool
    """Whether the key's checker could read the response."""
    correct: bool
    """The key's verdict."""
    unscaled: float
    """The key's score in [0, 1], before the attempt schedule."""
    recorded: bool = False
    """Recorded for grading without a verdict: the last such answer counts, as a first
    attempt, and takes no part in the numbering below."""


@dataclass(slots=True)
class Review:
    """What :func:`review` concluded, index by index of the answers it was given."""

    attempts: list[int]
    """Attempt number of each answer: right answers after all others."""
    hints: list[int]
    """Hints counted before each answer."""
    correct: list[bool]
    """Whether each answer counts as right (only the last right one of a presentation)."""
    impossible: dict[str, str] = field(default_factory=dict)
    """Question id -> why its evidence could not have been recorded."""
    notes: list[str] = field(default_factory=list)
    """Further things an instructor should look at."""


def _presentations(checked: Sequence[Checked]) -> list[list[int]]:
    """Indices of the numbered answers, grouped by question and presentation."""
    groups: dict[tuple[str, int], list[int]] = {}
    shown: dict[str, int] = defaultdict(lambda: -1)
    for index, item in enumerate(checked):
        if item.recorded:
            continue
        qid = item.question.id
        # The tally restarts a practice item's count when the pool gives it again: an answer
        # that is the first of its count (missing events aside) starts a presentation.
        if item.answer.attempt - item.answer.charged == 1 or shown[qid] < 0:
            shown[qid] += 1
        groups.setdefault((qid, shown[qid]), []).append(index)
    return list(groups.values())


def review(
    checked: Sequence[Checked],
    lesson: Lesson,
    *,
    conflicts: Sequence[Sequence[Event]] = (),
    sessions: int = 1,
    answers: Sequence[CountedAnswer] | None = None,
) -> Review:
    """Number ``checked`` (given in the sessions' recorded order) as the engine would have,
    and find the questions whose evidence it could not have recorded.

    ``conflicts`` are the versions of each event recorded twice with different contents,
    ``sessions`` the learner's sessions, ``answers`` every answer counted (default: those of
    ``checked``; recorded-only answers other than the last are not in ``checked``).
    """
    out = Review(
        attempts=[c.answer.attempt for c in checked],
        hints=[c.answer.hints_used for c in checked],
        correct=[c.correct for c in checked],
    )
    for indices in _presentations(checked):
        _number(checked, indices, out)
    known = {q.id for q in lesson.questions()}
    for versions in conflicts:
        first = versions[0]
        for event in versions:
            for qid in (event.step_id, event.data.get("item")):
                if isinstance(qid, str) and qid in known:
                    out.impossible.setdefault(
                        qid,
                        f"event {first.seq} of session {first.registration[:8]} is recorded "
                        f"{len(versions)} times with different contents",
                    )
    if sessions > 1 and not lesson.settings.allow_restart:
        out.notes.append(
            f"{sessions} sessions were recorded, but the lesson allows no restart "
            "(lessonkit refuses a second session)"
        )
        answered_in: dict[str, set[str]] = defaultdict(set)
        for answer in answers if answers is not None else [c.answer for c in checked]:
            answered_in[answer.event.step_id or ""].add(answer.event.registration)
        for qid, registrations in answered_in.items():
            if len(registrations) > 1 and qid in known:
                out.impossible.setdefault(
                    qid,
                    f"answered in {len(registrations)} sessions of a lesson that allows no restart",
                )
    return out


def _number(checked: Sequence[Checked], indices: list[int], out: Review) -> None:
    """Renumber one presentation: right answers last, only the last right one counts."""
    question = checked[indices[0]].question
    limit = question.max_attempts
    if limit is not None and len(indices) > limit:
        out.impossible.setdefault(
            question.id,
            f"{len(indices)} answers were recorded but it allows {limit} (lessonkit refuses "
            "more, in any session)",
        )
    right = [i for i in indices if checked[i].correct]
    counted = right[-1] if right else None
    for i in right[:-1]:
        out.correct[i] = False
    # Right answers after every other answer: in real evidence nothing follows a right one.
    order = [i for i in indices if not checked[i].correct] + right
    attempt = 0
    for i in order:
        attempt += 1 + checked[i].answer.charged
        out.attempts[i] = attempt
    if counted is not None:
        out.hints[counted] = max(checked[i].answer.hints_used for i in indices)
    claimed = [i for i in indices if checked[i].answer.event.data.get("correct") is True]
    if claimed and claimed[0] != indices[-1]:
        out.notes.append(
            f"{question.id}: answered again after an answer recorded as right (lessonkit "
            "accepts no answer after a right one)"
        )
