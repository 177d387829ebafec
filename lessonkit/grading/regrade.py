"""Re-grading recorded evidence against an answer key: what a grader may trust.

A learner's evidence file is in the learner's hands, so nothing in it is taken on faith:

* only the graded learner's statements count (:mod:`.learners`): other learners' evidence in
  the same folder is named in the report, never pooled;
* every recorded raw response is checked again against the instructor's lesson (the *key*);
* attempt numbers and hints are recounted from the event stream itself — per question,
  across all of the learner's sessions (:mod:`lessonkit.engine.history`) — and checked
  against what the engine allows (:mod:`.consistency`): a question whose evidence the engine
  could not have recorded (more answers than it allows, an event recorded twice with
  different contents, ...) earns nothing, whatever order the sessions' recorded times give;
* mastery is recomputed from the re-checked answers.

Reported to the instructor, each on its own list of :class:`GradeReport`:

* ``discrepancies`` — evidence the engine could not have recorded: an answer claimed correct
  that is not, more answers than a question allows, ...;
* ``gaps`` — events missing from a session (deleted lines): each missing event is counted as a
  failed attempt at the next question answered in that session, so deleting a wrong attempt
  never raises a grade;
* ``identity`` — other learners' evidence (not counted), recorded identities that disagree;
* ``problems`` — evidence that could not be used (damaged lines, unknown questions).

>>> report = regrade(key_lesson, store.read(lesson=key_lesson.id), student="kim")  # doctest: +SKIP
>>> report.question_points(), report.competencies["loops"].mastery    # doctest: +SKIP

This module is pure Python: the nbgrader integration, the course service and tests use it.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from ..engine.history import CountedAnswer, Tally
from ..lesson.model import Lesson, Question
from .consistency import Checked, Review, review
from .keys import hidden_questions, live_mode
from .learners import Student, account, read_events, select_learner
from .report import AttemptGrade, CompetencyGrade, GradeReport, QuestionGrade

__all__ = [
    "AttemptGrade",
    "CompetencyGrade",
    "GradeReport",
    "QuestionGrade",
    "regrade",
]

AttemptPolicy = Literal["best", "first", "last"]


def regrade(
    key: Lesson,
    statements: Iterable[Mapping[str, Any]],
    *,
    attempts: AttemptPolicy = "best",
    hint_penalty: float = 0.0,
    namespace: Mapping[str, Any] | None = None,
    practice: bool = True,
    student: Student | None = None,
) -> GradeReport:
    """Grade one learner's recorded statements for ``key.id`` against the lesson ``key``.

    Parameters
    ----------
    key
        The instructor's lesson, with every answer.
    statements
        Statements (any store's ``read()``); other lessons' are ignored.
    attempts
        Which attempt of a question counts: the best (default), the first or the last.
    hint_penalty
        Fraction of a question's score removed per hint used before the counted attempt.
    namespace
        Where code questions answered in a notebook (no recorded source) are looked up.
    practice
        Whether practice-pool answers count as mastery evidence (their keys are in a student
        copy: leave them out of a summative grade).
    student
        The learner to grade: an account name (the nbgrader student id, a JupyterHub user)
        or a :class:`~lessonkit.evidence.events.LearnerRef`. Only their statements count;
        other learners' are reported in ``identity``. ``None`` grades the one learner found,
        and nobody when the statements hold several.
    """
    graded = hidden_questions(key)
    recorded = {q.id for q in graded if live_mode(q) == "recorded"}
    report = GradeReport(
        lesson_id=key.id,
        questions={
            q.id: QuestionGrade(id=q.id, max_points=q.points, recorded=q.id in recorded)
            for q in graded
        },
        competencies={},
    )
    events, conflicts = _read_events(key.id, statements, report.problems)
    chosen = select_learner(events, student, report)
    events = [e for e in events if account(e.learner) in chosen]
    conflicts = [v for v in conflicts if account(v[0].learner) in chosen]
    report.sessions = len({e.registration for e in events})
    report.completed = any(e.kind == "completed" for e in events)
    tally = Tally(key, recorded=recorded.__contains__).add_all(events)
    _report_gaps(tally, report)
    questions = {q.id: q for q in key.questions()}
    shown: dict[str | None, dict[str, Question]] = {}
    # the language each session was asked for (its numbers were read that way), which may
    # differ from the one shown (a language the lesson has no translation into)
    asked = {e.registration: e.data.get("language") for e in events if e.kind == "started"}
    checked = []
    for a, last_recorded in _counted_answers(tally.answers, recorded):
        language = a.event.language
        if language not in shown:
            shown[language] = _questions_in(key, language)
        read_as = asked.get(a.event.registration) or language or key.language
        if c := _recheck(a, last_recorded, shown[language], namespace, report, language=read_as):
            checked.append(c)
    found = review(
        checked, key, conflicts=conflicts, sessions=report.sessions, answers=tally.answers
    )
    report.impossible = dict(found.impossible)
    for qid, why in found.impossible.items():
        report.discrepancies.append(f"{qid}: {why}: edited evidence? It earns nothing")
    report.discrepancies.extend(found.notes)
    grades = _attempt_grades(checked, found, report)
    report.answers = len(grades)
    by_question: dict[str, list[AttemptGrade]] = defaultdict(list)
    for g in grades:
        by_question[g.question_id].append(g)
    for qid, question_grades in by_question.items():
        if qid in report.questions:
            grade = report.questions[qid]
            grade.attempts = question_grades
            grade.impossible = found.impossible.get(qid, "")
            if not grade.impossible:
                grade.score = _score(question_grades, attempts, hint_penalty)
    for qid, why in found.impossible.items():  # also when no answer of it was understood
        if qid in report.questions:
            report.questions[qid].impossible = why
            report.questions[qid].score = 0.0
    top = {s.id for s in key.steps}
    evidence = [g for g in grades if practice or g.question_id in top]
    report.competencies = _mastery(key, questions, evidence, set(found.impossible))
    return report


def _read_events(
    lesson_id: str, statements: Iterable[Mapping[str, Any]], problems: list[str]
) -> tuple[list[Any], list[list[Any]]]:
    with warnings.catch_warnings(record=True) as caught:
        # Damaged lines raise StoreWarnings while the store is read; collect them as problems.
        warnings.simplefilter("always")
        found = read_events(lesson_id, statements, problems)
    problems.extend(str(w.message) for w in caught)
    return found


def _report_gaps(tally: Tally, report: GradeReport) -> None:
    for registration, missing in tally.gaps.items():
        report.gaps.append(
            f"session {registration[:8]}: {missing} recorded event(s) are missing; each counts "
            "as a failed attempt at the next question answered in that session"
        )


def _counted_answers(
    answers: Sequence[CountedAnswer], recorded: set[str]
) -> list[tuple[CountedAnswer, bool]]:
    """Every answer (with whether it is a recorded-only one), except that a recorded-only
    question keeps only its last recorded answer, which counts as a first attempt: the
    learner never learnt whether an earlier one was right."""
    last: dict[str, int] = {}

    def recorded_only(answer: CountedAnswer) -> bool:
        qid = answer.event.step_id or ""
        return qid in recorded and answer.event.data.get("recorded") is True

    for index, answer in enumerate(answers):
        if recorded_only(answer):
            last[answer.event.step_id or ""] = index
    keep = set(last.values())
    out = []
    for index, answer in enumerate(answers):
        if not recorded_only(answer):
            out.append((answer, False))
        elif index in keep:
            out.append((CountedAnswer(answer.event, 1, answer.hints_used), True))
    return out


def _questions_in(key: Lesson, language: str | None) -> dict[str, Question]:
    """The questions of ``key`` as a learner of ``language`` answered them (its translation's
    extra accepted answers included), by id."""
    from ..lesson.units import localize

    return {q.id: q for q in localize(key, language).questions()}


def _recheck(
    answer: CountedAnswer,
    last_recorded: bool,
    questions: Mapping[str, Question],
    namespace: Mapping[str, Any] | None,
    report: GradeReport,
    *,
    language: str | None = None,
) -> Checked | None:
    """The key's verdict on one answer (``None`` for an answer to an unknown question)."""
    from ..checks import grade

    event = answer.event
    question = questions.get(event.step_id or "")
    if question is None:
        report.problems.append(f"an answer to unknown question {event.step_id!r} was ignored")
        return None
    data = event.data
    raw = data.get("raw")
    seed = data.get("variant_seed")
    result = grade(
        question,
        raw if raw is not None else data.get("response"),
        attempt=1,  # the schedule is applied once the answer is numbered
        hints_used=answer.hints_used,
        seed=seed if isinstance(seed, int) else None,
        namespace=namespace,
        language=language,
    )
    if not result.understood and result.details.get("mode") == "unavailable":
        report.problems.append(f"{question.id}: {result.feedback}")  # code could not be re-run
    unscaled = result.details.get("unscaled_score", result.score)
    return Checked(
        answer=answer,
        question=question,
        understood=result.understood,
        correct=bool(result.understood and result.correct),
        unscaled=min(1.0, max(0.0, float(unscaled))) if result.understood else 0.0,
        recorded=last_recorded,
    )


def _attempt_grades(
    checked: Sequence[Checked], found: Review, report: GradeReport
) -> list[AttemptGrade]:
    """Each understood answer scored at its attempt number (attempts past a limit, which
    missing events counted as failed attempts may cause, are ignored)."""
    from ..checks.scoring import _multiplier

    out = []
    for index, item in enumerate(checked):
        question, attempt = item.question, found.attempts[index]
        if not item.understood:
            continue
        claimed = item.answer.event.data.get("correct")
        claimed_correct = claimed if isinstance(claimed, bool) else None
        if claimed_correct and not item.correct:
            report.discrepancies.append(
                f"{question.id}: attempt {attempt} was recorded as correct but is incorrect"
            )
        limit = question.max_attempts
        if limit is not None and attempt > limit and question.id not in found.impossible:
            report.discrepancies.append(
                f"{question.id}: attempt {attempt} (counting missing events as failed attempts) "
                f"exceeds the limit of {limit} and was ignored"
            )
            continue
        correct = found.correct[index]
        # Of several right answers only the last counts as right: the others were judged
        # wrong when given (the engine takes no answer after a right one).
        demoted = item.correct and not correct
        out.append(
            AttemptGrade(
                question_id=question.id,
                registration=item.answer.event.registration,
                attempt=attempt,
                hints_used=found.hints[index],
                correct=correct,
                score=0.0 if demoted else item.unscaled * _multiplier(question, attempt),
                claimed_correct=claimed_correct,
            )
        )
    return out


def _score(grades: Sequence[AttemptGrade], policy: AttemptPolicy, hint_penalty: float) -> float:
    """The question's score over all of the learner's attempts, by policy."""
    ordered = sorted(grades, key=lambda g: g.attempt)
    if policy == "first":
        ordered = ordered[:1]
    elif policy == "last":
        ordered = ordered[-1:]
    return max(
        (max(0.0, g.score * (1.0 - hint_penalty * g.hints_used)) for g in ordered), default=0.0
    )


def _mastery(
    key: Lesson,
    questions: Mapping[str, Question],
    graded: Sequence[AttemptGrade],
    impossible: set[str],
) -> dict[str, CompetencyGrade]:
    """Mastery from the answers in order; a question whose evidence is impossible counts as
    wrong, taken in after everything else (a wrong answer taken in later never leaves
    mastery higher), and its competencies earn no points."""
    from ..policies.mastery import MasteryTracker

    tracker = MasteryTracker.for_lesson(key)
    result = {
        c.id: CompetencyGrade(
            id=c.id,
            prior=c.mastery.prior,
            threshold=c.mastery.threshold,
            mastery=c.mastery.prior,
        )
        for c in key.competencies
    }
    trusted = [g for g in graded if g.question_id not in impossible]
    late = [g for g in graded if g.question_id in impossible]
    for g in [*trusted, *late]:
        correct = g.correct and g.question_id not in impossible
        for cid in questions[g.question_id].competencies:
            change = tracker.observe(cid, correct, attempt=g.attempt, hinted=g.hints_used > 0)
            if cid not in result:
                continue
            if g.question_id in impossible and g.question_id not in result[cid].untrusted:
                result[cid].untrusted.append(g.question_id)
            if change is not None:
                result[cid].observations += 1
                result[cid].correct += int(correct)
    for cid, comp in result.items():
        comp.mastery = float(tracker.probability(cid))
    return result
