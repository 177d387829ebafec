"""Whose evidence a grade counts: one learner's, never a folder's pooled statements.

Folders as they are found: an instructor's try-out next to a student's own evidence (what
nbgrader released before lessonkit's configuration kept it back), two students' files copied
into one submission, the same name under nbgrader's and a hub's account. Each learner is
written by a real :class:`JsonlStore`, under the account the nbgrader player records
(``urn:lessonkit:nbgrader`` + the nbgrader student id). Expected grades are written by hand
from tests/data/valid/graded.lesson.yaml: ``bigger`` 2 points, 2 attempts paying [1, 0.5];
``third`` 2 points, recorded for grading in the student copy (its last answer counts).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import lessonkit as lk
from lessonkit.cli import main
from lessonkit.evidence import event_to_statement
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.stores import JsonlStore
from lessonkit.grading import regrade
from lessonkit.grading.keys import student_copy
from lessonkit.integrations.nbgrader import EVIDENCE_DIR, grade_report, points
from lessonkit.integrations.nbgrader_player import NBGRADER_HOME_PAGE, student_id

DATA = Path(__file__).resolve().parents[1] / "data" / "valid"
LESSON = DATA / "graded.lesson.yaml"
KEY = lk.load_lesson(LESSON)
COPY, _ = student_copy(KEY, salt="s")
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def nbgrader_learner(name: str) -> LearnerRef:
    return LearnerRef(id=name, home_page=NBGRADER_HOME_PAGE)


def record(
    folder: Path,
    learner: LearnerRef,
    answers: dict[str, list[str]],
    *,
    start: datetime = T0,
    lesson: lk.Lesson = COPY,
) -> None:
    """A learner working through ``lesson`` (the student copy by default) into ``folder``."""
    ticks = iter(range(10_000))
    clock: Callable[[], datetime] = lambda: start + timedelta(seconds=next(ticks))  # noqa: E731
    with JsonlStore(folder) as store:
        session = lk.LessonSession(
            lesson,
            learner=learner,
            store=store,
            clock=clock,
            identity={"nbgrader_student": learner.id},
        )
        session.start()
        while not session.finished:
            for value in answers.get(session.current.step.id, []):
                if session.current.can_submit:
                    session.submit(value)
            if not session.current.can_advance:
                break
            session.advance()


def test_an_instructors_try_out_is_not_pooled_with_the_students_evidence(tmp_path: Path) -> None:
    folder = tmp_path / "release" / "ps1" / EVIDENCE_DIR
    # The instructor tried the lesson (the full key) the day before and used both attempts.
    record(
        folder,
        nbgrader_learner("teacher"),
        {"bigger": ["3/5", "4/7"]},
        start=T0 - timedelta(days=1),
        lesson=KEY,
    )
    record(folder, nbgrader_learner("ada"), {"bigger": ["2/3"], "half": ["0.375"]})
    report = grade_report(KEY, evidence=folder, student="ada")
    # By hand: ada's right answer is her first attempt: 2 points (pooled, it was the third).
    assert report.questions["bigger"].points == 2.0
    assert report.questions["half"].points == 1.0
    assert report.student == "ada" and report.sessions == 1
    assert report.learners == ["ada", "teacher"]
    assert report.identity == [
        "evidence of teacher (1 session(s)) was not counted: it is not ada's (copied "
        "evidence, or a try-out released with the assignment?)"
    ]
    assert not report.discrepancies and not report.impossible
    # The instructor's own grade, from the same folder, is theirs alone.
    teacher = grade_report(KEY, evidence=folder, student="teacher")
    assert teacher.questions["bigger"].points == 0.0 and not teacher.impossible


def test_two_students_files_in_one_submission_are_graded_apart(tmp_path: Path) -> None:
    folder = tmp_path / "submitted" / "ada" / "ps1" / EVIDENCE_DIR
    on_the_way = {"half": ["0.375"], "name": ["denominator"]}
    record(folder, nbgrader_learner("ada"), {"bigger": ["3/5"], "third": ["0.5"], **on_the_way})
    # Bob's files, copied in, recorded an hour later: his recorded answer to 'third' would be
    # the last one if the learners were pooled.
    later = T0 + timedelta(hours=1)
    bob_answers = {"bigger": ["2/3"], "third": ["0.333"], **on_the_way}
    record(folder, nbgrader_learner("bob"), bob_answers, start=later)
    ada = grade_report(KEY, evidence=folder, student="ada")
    assert ada.questions["third"].points == 0.0  # her own last recorded answer: wrong
    assert [g.correct for g in ada.questions["third"].attempts] == [False]
    assert ada.questions["bigger"].points == 0.0  # her one wrong attempt
    assert "evidence of bob (1 session(s)) was not counted" in ada.identity[0]
    bob = grade_report(KEY, evidence=folder, student="bob")
    assert bob.questions["third"].points == 2.0 and bob.questions["bigger"].points == 2.0
    assert "evidence of ada" in bob.identity[0]


def test_a_student_is_an_account_name_and_an_account_is_exact(tmp_path: Path) -> None:
    folder = tmp_path / "ev"
    record(folder, nbgrader_learner("ada"), {"bigger": ["3/5"]})
    hub = LearnerRef(id="ada", home_page="https://hub.example.org/")
    record(folder, hub, {"bigger": ["4/7"]}, start=T0 + timedelta(hours=1), lesson=KEY)
    record(folder, LearnerRef(id="bob"), {"bigger": ["2/3"]}, lesson=KEY)
    by_name = grade_report(KEY, evidence=folder, student="ada")
    # The nbgrader and the hub account are both ada's: two wrong attempts, 0 points.
    assert by_name.sessions == 2 and by_name.questions["bigger"].points == 0.0
    assert [g.attempt for g in by_name.questions["bigger"].attempts] == [1, 2]
    exact = regrade(KEY, JsonlStore(folder, create=False).read(), student=nbgrader_learner("ada"))
    assert exact.sessions == 1
    assert any("ada (https://hub.example.org/)" in line for line in exact.identity)
    assert any(line.startswith("evidence of bob ") for line in exact.identity)


def test_without_a_student_one_learner_is_graded_and_several_are_not(tmp_path: Path) -> None:
    folder = tmp_path / "ev"
    record(folder, nbgrader_learner("ada"), {"bigger": ["2/3"]})
    alone = grade_report(KEY, evidence=folder)
    assert alone.student == "ada" and alone.questions["bigger"].points == 2.0
    record(folder, nbgrader_learner("bob"), {"bigger": ["2/3"]})
    several = grade_report(KEY, evidence=folder)
    assert several.student is None and several.sessions == 0
    assert several.question_points() == (0.0, 6.0)
    assert "holds 2 learners' sessions (ada, bob) and no student was named" in several.identity[0]


def test_a_started_event_naming_another_student_is_flagged(tmp_path: Path) -> None:
    session = lk.LessonSession(
        KEY, learner=nbgrader_learner("ada"), identity={"nbgrader_student": "bob"}
    )
    session.start()
    report = regrade(KEY, [event_to_statement(e) for e in session.events], student="ada")
    assert report.sessions == 1
    assert any("records the nbgrader student bob" in line for line in report.identity)


def test_the_grade_command_grades_the_student_of_the_submission_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "submitted" / "ada" / "ps1" / EVIDENCE_DIR
    record(folder, nbgrader_learner("teacher"), {"bigger": ["3/5", "4/7"]}, lesson=KEY)
    record(folder, nbgrader_learner("ada"), {"bigger": ["2/3"]}, start=T0 + timedelta(hours=1))
    assert main(["nbgrader", "grade", str(LESSON), str(folder), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["student"] == "ada" and report["questions"]["bigger"] == 2.0
    assert report["identity"][0].startswith("evidence of teacher (1 session(s)) was not counted")
    # Elsewhere, a folder of several learners needs --student.
    elsewhere = tmp_path / "elsewhere"
    record(elsewhere, nbgrader_learner("teacher"), {"bigger": ["3/5"]}, lesson=KEY)
    record(elsewhere, nbgrader_learner("ada"), {"bigger": ["2/3"]})
    assert main(["nbgrader", "grade", str(LESSON), str(elsewhere)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lessonkit: error: ") and "pass --student NAME" in err
    assert "Traceback" not in err
    argv = ["nbgrader", "grade", str(LESSON), str(elsewhere), "--student", "teacher", "--json"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["questions"]["bigger"] == 0.0


def test_a_preview_grades_the_student_running_the_notebook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Outside autograde the grade cell shows the grade of the student the player records."""
    folder = tmp_path / EVIDENCE_DIR
    record(folder, nbgrader_learner("teacher"), {"bigger": ["3/5", "4/7"]}, lesson=KEY)
    record(folder, nbgrader_learner(student_id()), {"bigger": ["2/3"]}, start=T0 + timedelta(1))
    assert points(KEY, KEY, max_points=2, questions=["bigger"], evidence=folder) == 2.0
    out = capsys.readouterr().out
    assert "evidence of teacher" in out


@pytest.mark.parametrize("login", ["ada", "jovyan"])
def test_the_player_records_the_id_nbgrader_files_the_submission_under(
    monkeypatch: pytest.MonkeyPatch, login: str
) -> None:
    """The graded student is nbgrader's id of the submission; the evidence is recorded under
    lessonkit's id of the student: both from the same login and environment, they agree (on
    a Kubernetes hub every login is jovyan and JUPYTERHUB_USER names the student)."""
    import pwd

    import nbgrader.utils

    real = pwd.getpwuid
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: (login, *real(uid)[1:]))
    monkeypatch.setattr(nbgrader.utils, "get_osusername", lambda: login)
    monkeypatch.setenv("JUPYTERHUB_USER", "hub-ada")
    assert student_id() == nbgrader.utils.get_username()
    assert student_id() == ("hub-ada" if login == "jovyan" else login)
