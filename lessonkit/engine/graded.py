"""Rubric grades in a run: which grade counts, and mastery with each grade in its place.

A teacher's rubric grade (:class:`~lessonkit.evidence.grades.RubricGrade`) is the delayed
verdict of one answer. The same rules hold live, on resume and when re-grading
(:mod:`lessonkit.grading.regrade` applies them too):

* the grade that counts for a question is the current grade of its **latest graded answer**
  (a regrade of that answer replaces it; grades of earlier answers no longer count);
* its credit is evidence of mastery taken in **right after the answer it grades**, one
  observation per competency tied to the rubric's criteria (always counted: it is the
  teacher's reading, not an attempt after feedback).

A grade usually arrives after later answers were taken in, so placing it where its answer was
means recomputing mastery: :class:`RunGrades` keeps the run's mastery observations in order
(only for lessons with a rubric) and replays them from the priors with each counted grade in
its place. BKT updates cost a few float operations, so a replay is cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..evidence.grades import RubricGrade
    from ..policies.mastery import MasteryTracker

__all__ = ["RunGrades", "TakesGrades", "learner_grades"]

MasteryChanges = dict[str, tuple[float, float]]


@dataclass(slots=True)
class RunGrades:
    """The grades a run knows, its rubric questions' answers, and its mastery observations."""

    fresh: MasteryTracker
    """The lesson's tracker at the priors (replays start from a copy of it)."""
    grades: dict[str, RubricGrade] = field(default_factory=dict)
    """Answer statement id -> its current grade (every grade the run was given)."""
    answers: dict[str, list[str]] = field(default_factory=dict)
    """Rubric question id -> its answers' statement ids, in the order they were taken in."""
    log: list[tuple[Any, ...]] = field(default_factory=list)
    """``("obs", competency, correct, attempt, hinted)``, ``("slot", question, answer)`` or
    ``("start", probabilities)``, in order."""

    def observed(self, competency: str, correct: bool, attempt: int, hinted: bool) -> None:
        """Note an answer's observation (already made on the live tracker)."""
        self.log.append(("obs", competency, correct, attempt, hinted))

    def started(self, probabilities: Mapping[str, float]) -> None:
        """Note a start from a learner's record (see ``RunState.start_from``)."""
        self.log.append(("start", dict(probabilities)))

    def answered(self, question: str, answer: str) -> None:
        """Note an answer to a rubric question: the place its grade goes."""
        known = self.answers.setdefault(question, [])
        if answer not in known:
            known.append(answer)
            self.log.append(("slot", question, answer))

    def counted(self, question: str) -> RubricGrade | None:
        """The grade that counts for ``question``: that of its latest graded answer."""
        for answer in reversed(self.answers.get(question, ())):
            grade = self.grades.get(answer)
            if grade is not None:
                return grade
        return None

    def replay(self, tracker: MasteryTracker) -> MasteryChanges:
        """Recompute ``tracker`` from the priors and the log, each counted grade after its
        answer; returns the competencies whose P(known) changed, as ``(before, after)``."""
        before = tracker.snapshot()
        counted = {q: g.answer for q in self.answers if (g := self.counted(q)) is not None}
        fresh = self.fresh.copy()
        for entry in self.log:
            if entry[0] == "obs":
                _, cid, correct, attempt, hinted = entry
                fresh.observe(cid, correct, attempt=attempt, hinted=hinted)
            elif entry[0] == "start":
                fresh.start_from(entry[1])
            elif counted.get(entry[1]) == entry[2]:
                for cid, credit in self.grades[entry[2]].credit.items():
                    fresh.observe_credit(cid, credit)
        tracker.assign(fresh)
        after = tracker.snapshot()
        return {
            cid: (before.get(cid, tracker.params(cid).prior), p)
            for cid, p in after.items()
            if abs(p - before.get(cid, tracker.params(cid).prior)) > 1e-12
        }


def learner_grades(items: Iterable[Any], learner_id: str, lesson_id: str) -> dict[str, RubricGrade]:
    """Answer statement id -> current grade, of ``learner_id``'s answers in ``lesson_id``,
    among ``items`` (statements; events and anything else are skipped)."""
    from ..evidence.grades import GradeIndex

    index = GradeIndex.of(i for i in items if isinstance(i, Mapping))
    return {
        answer: grade
        for answer, grade in index.current.items()
        if grade.learner.id == learner_id and grade.lesson_id == lesson_id
    }


def take_replies(state: Any, items: Iterable[Any], learner_id: str) -> None:
    """The learner's replies to teachers' comments among ``items`` (statements), into
    ``state.replies`` (the player shows a reply at its grade, and offers none twice)."""
    from ..evidence.replies import replies_of

    statements = (i for i in items if isinstance(i, Mapping))
    for grade, reply in replies_of(statements).items():
        if reply.learner.id == learner_id and reply.lesson_id == state.lesson.id:
            state.replies.setdefault(grade, reply.text)


class TakesGrades:
    """The session's side of teachers' grades (a mix-in of ``LessonSession``)."""

    state: Any
    learner: Any
    lesson: Any

    def take_grades(self, statements: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
        """Take in teachers' rubric grades (statements, e.g. from the course service): points,
        and mastery with each grade after its answer; returns the mastery changes."""
        statements = list(statements)
        changes: dict[str, Any] = self.state.take_grades(
            learner_grades(statements, self.learner.id, self.lesson.id)
        )
        take_replies(self.state, statements, self.learner.id)
        return changes
