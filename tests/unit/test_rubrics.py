"""Rubrics end to end in the core: the model, answers left to the teacher, grades taken in by
the engine the same way live, on resume and in a new session, and re-grading that trusts only
the grades it is given (tests/data/valid/rubric.lesson.yaml)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import lessonkit as lk
from lessonkit.engine.session import LessonSession
from lessonkit.errors import LessonDefinitionError
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.grades import grade_statement, void_statement
from lessonkit.evidence.stores import load_session_events, open_store
from lessonkit.grading import regrade, student_copy
from lessonkit.grading.rubrics import RubricGradeError, answers_to_grade, make_grade
from lessonkit.hub.keys import is_keyed, service_copy
from lessonkit.lesson.loader import dumps_lesson, loads_lesson
from lessonkit.lesson.rubric import Criterion, Level, Rubric
from lessonkit.policies.mastery import MasteryTracker, bkt_credit_posterior, bkt_posterior

PATH = Path(__file__).resolve().parents[1] / "data" / "valid" / "rubric.lesson.yaml"
LESSON = lk.load_lesson(PATH)
TESS = LearnerRef(id="tess")
ESSAY = "A while loop stops when its condition is false before a pass."
CODE = "def double(x):\n    return 2 * x\n"


def test_the_rubric_and_its_points() -> None:
    explain, code = LESSON.step("explain"), LESSON.step("code")
    assert explain.rubric.max_points == 4 and explain.checked_points == 0  # type: ignore[union-attr]
    assert code.rubric.max_points == 1 and code.checked_points == 2  # type: ignore[union-attr]
    rubric = explain.rubric  # type: ignore[union-attr]
    assert rubric.points({"idea": "Partly", "words": "Precise"}) == 2
    assert rubric.credit({"idea": "Partly", "words": "Vague"}) == {"loops": 1 / 3, "naming": 0.0}
    assert rubric.problems({"idea": "Great"}) == [
        "criterion 'idea' has no level 'Great' (its levels: 'Clear', 'Partly', 'Missing')",
        "pick a level for criterion 'words'",
    ]
    text = PATH.read_text()
    assert dumps_lesson(loads_lesson(dumps_lesson(LESSON))) == dumps_lesson(LESSON)
    assert loads_lesson(text) == LESSON
    two = (Level(label="A", points=1), Level(label="B", points=1))
    with pytest.raises(LessonDefinitionError, match="its own points"):
        Rubric(criteria=(Criterion(id="x", levels=two),))
    with pytest.raises(LessonDefinitionError, match="rubric's maximum 4"):
        dataclasses.replace(explain, points=3)
    with pytest.raises(LessonDefinitionError, match="not a 'numeric' check"):
        dataclasses.replace(explain, check=lk.checks.Numeric(answer=1))


def test_a_free_response_with_a_rubric_waits_for_the_teacher() -> None:
    s = LessonSession(LESSON, learner="ada")
    s.start()
    result = s.submit(ESSAY).result
    assert result.details["recorded"] and not result.correct  # type: ignore[union-attr]
    assert "rubric" in result.feedback  # type: ignore[union-attr]
    assert s.current.can_submit and s.current.can_advance  # may change it, may move on
    assert s.pending() == (1, 4.0) and s.score() == (0.0, 0.0)
    assert s.mastery.snapshot() == {"loops": 0.2, "naming": 0.2}  # no verdict, no evidence
    s.submit("Too short")  # fewer than three words: asked for more
    assert s.records["explain"].responses == [ESSAY]


def work(store: Any, learner: str = "ada") -> LessonSession:
    s = LessonSession(LESSON, learner=learner, store=store)
    s.start()
    s.submit(ESSAY)
    s.advance()
    s.submit(CODE)
    return s


def give(store: Any, question: str, levels: dict[str, str], version: int = 1) -> Any:
    todo = {a.learner.id: a for a in answers_to_grade(LESSON, question, store.read())}["ada"]
    made = make_grade(
        LESSON,
        question,
        learner=todo.learner,
        grader=TESS,
        registration=todo.answer.registration,
        answer_seq=todo.answer.seq,
        levels=levels,
        comment=f"version {version}",
        version=version,
        timestamp=datetime(2026, 1, version, tzinfo=UTC),
    )
    batch = [grade_statement(made)]
    if todo.grade is not None:
        batch.insert(0, void_statement(todo.grade, made))
    store.append(batch)
    return made


def test_grades_count_the_same_live_on_resume_in_a_new_session_and_at_grading() -> None:
    store = open_store("memory://")
    live = work(store)
    before = live.mastery.snapshot()
    give(store, "explain", {"idea": "Clear", "words": "Vague"})
    changes = live.take_grades(store.read())
    assert set(changes) == {"loops", "naming"} and live.mastery.snapshot() != before
    assert live.score() == (5.0, 6.0) and live.pending() == (1, 1.0)  # the code's rubric waits
    assert not live.records["explain"].responses or not _can_change(live, "explain")
    events = load_session_events(store, live.learner, LESSON.id)
    resumed = LessonSession.resume(LESSON, events, store=store)
    fresh = LessonSession(LESSON, learner="ada", store=store)
    report = regrade(LESSON, list(store.read()), grades=store.read())
    expected = {c.id: c.mastery for c in report.competencies.values()}
    for other in (resumed, fresh):
        assert other.mastery.snapshot() == pytest.approx(live.mastery.snapshot())
    assert live.mastery.snapshot() == pytest.approx(expected)
    assert report.questions["explain"].points == 3 and report.questions["code"].points == 2
    assert report.questions["code"].pending and not report.questions["explain"].pending
    # A regrade replaces the grade and its evidence, everywhere.
    give(store, "explain", {"idea": "Missing", "words": "Vague"}, version=2)
    live.take_grades(store.read())
    events = load_session_events(store, live.learner, LESSON.id)
    resumed = LessonSession.resume(LESSON, events, store=store)
    report = regrade(LESSON, list(store.read()), grades=store.read())
    assert live.records["explain"].rubric_grade.points == 0  # type: ignore[union-attr]
    assert report.questions["explain"].points == 0
    assert live.mastery.snapshot() == pytest.approx(resumed.mastery.snapshot())
    assert live.mastery.snapshot() == pytest.approx(
        {c.id: c.mastery for c in report.competencies.values()}
    )


def _can_change(session: LessonSession, step: str) -> bool:
    session.back()
    allowed = session.current.can_submit
    session.advance()
    return allowed


def test_a_grade_is_taken_in_after_the_answer_it_grades() -> None:
    """The code answer came after the essay: the essay's grade goes before it, whenever it
    arrived; taking it in last would give another estimate."""
    store = open_store("memory://")
    live = work(store)
    made = give(store, "explain", {"idea": "Partly", "words": "Precise"})
    live.take_grades(store.read())
    params = LESSON.competency("loops").mastery
    tracker = MasteryTracker.for_lesson(LESSON)
    tracker.observe_credit("loops", made.credit["loops"])  # the essay, then the code
    tracker.observe("loops", True)
    assert live.mastery.probability("loops") == pytest.approx(tracker.probability("loops"))
    late = MasteryTracker.for_lesson(LESSON)
    late.observe("loops", True)
    late.observe_credit("loops", made.credit["loops"])
    assert late.probability("loops") != pytest.approx(tracker.probability("loops"))
    assert bkt_credit_posterior(0.3, 1.0, params) == bkt_posterior(0.3, True, params)
    assert bkt_credit_posterior(0.3, 0.0, params) == bkt_posterior(0.3, False, params)


def test_regrading_trusts_only_the_grades_it_is_given() -> None:
    """A grade written into the learner's own evidence (which the learner can edit) counts
    only when the caller says where trusted grades come from."""
    store = open_store("memory://")
    work(store)
    give(store, "explain", {"idea": "Clear", "words": "Precise"})  # forged by the learner
    evidence = list(store.read())
    untrusted = regrade(LESSON, evidence)
    assert untrusted.questions["explain"].points == 0 and untrusted.questions["explain"].pending
    trusted = regrade(LESSON, evidence, grades=evidence)
    assert trusted.questions["explain"].points == 4
    assert untrusted.problems == [] == trusted.problems  # a grade is not "damaged evidence"


def test_grades_must_fit_the_rubric() -> None:
    store = open_store("memory://")
    work(store)
    with pytest.raises(RubricGradeError, match="pick a level for criterion 'words'"):
        give(store, "explain", {"idea": "Clear"})
    with pytest.raises(RubricGradeError, match="has no rubric"):
        make_grade(
            LESSON,
            "done",
            learner=LearnerRef(id="ada"),
            grader=TESS,
            registration="1d6b1a9e-5f0c-4a51-9d0e-3c2f4b6a7e81",
            answer_seq=1,
            levels={},
            comment="",
            version=1,
            timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        )


def test_copies_keep_the_rubric_and_the_service_leaves_the_essay_to_the_teacher() -> None:
    copy, how = student_copy(LESSON)
    assert copy.step("explain").rubric == LESSON.step("explain").rubric  # type: ignore[union-attr]
    assert how["explain"] == "recorded"
    served = service_copy(LESSON)
    assert not is_keyed(LESSON.step("explain"))  # type: ignore[arg-type]
    assert served.step("explain").check == LESSON.step("explain").check  # type: ignore[union-attr]
    assert served.step("code").rubric is not None  # type: ignore[union-attr]
    s = LessonSession(copy, learner="kim")
    s.start()
    assert s.submit(ESSAY).result.details["recorded"]  # type: ignore[union-attr]


def test_the_course_record_takes_grades_in_as_the_session_does(tmp_path: Path) -> None:
    """A learner's course record (their plan's mastery) folds a grade in after its answer;
    the answer recorded for grading is no evidence of its own."""
    from lessonkit.course import load_course
    from lessonkit.course.record import build_record

    (tmp_path / "rubric.lesson.yaml").write_text(PATH.read_text())
    course_file = tmp_path / "essays.course.yaml"
    course_file.write_text(
        "lessonkit-course: 1\nid: essays\ntitle: Essays\n"
        "competencies:\n  - {id: loops, title: loops}\n  - {id: naming, title: naming}\n"
        "lessons:\n  - {id: loops-essay, file: rubric.lesson.yaml, develops: [loops, naming]}\n"
    )
    course = load_course(course_file)
    store = open_store("memory://")
    live = work(store)
    ada = live.learner
    before = build_record(course, store.read(), ada)
    assert before.probability("naming") == pytest.approx(live.mastery.probability("naming"))
    give(store, "explain", {"idea": "Partly", "words": "Precise"})
    live.take_grades(store.read())
    after = build_record(course, store.read(), ada)
    for cid in ("loops", "naming"):
        assert after.probability(cid) == pytest.approx(live.mastery.probability(cid)), cid
    assert after.probability("naming") > before.probability("naming")
