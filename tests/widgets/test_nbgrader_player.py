"""The player of a released nbgrader assignment, without a browser: it records under the
student's nbgrader id, says plainly when an answer is only recorded, draws code questions in
its editor, and honours ``allow_restart: false``."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

import lessonkit as lk
from lessonkit.grading.keys import student_copy
from lessonkit.integrations.nbgrader import EVIDENCE_DIR, grading, player, points
from lessonkit.integrations.nbgrader_player import identity, student_id

ROOT = Path(__file__).resolve().parents[2]
KEY = lk.load_lesson(ROOT / "tests" / "data" / "valid" / "course.lesson.yaml")


def released(tmp_path: Path, *, allow_restart: bool = True) -> Path:
    copy, _ = student_copy(KEY, salt="s")
    if not allow_restart:
        settings = dataclasses.replace(copy.settings, allow_restart=False)
        copy = dataclasses.replace(copy, settings=settings)
    path = tmp_path / "course.lesson.yaml"
    lk.lesson.save_lesson(copy, path)
    return path


ANSWERS = {"q-choice": "keystone-zq", "q-multi": ["red", "green"], "q-number": "0.375"}
ANSWERS |= {"q-tolerance": "3.14", "q-units": "9.807 m/s", "q-text": "photosynthesis-zq"}
ANSWERS |= {"q-expr": "2*x + 14", "q-order": ["wake-zq", "shower-zq", "breakfast-zq"]}


def to_step(shown: Any, step: str) -> None:
    """Answer (through the session) and move on until ``step`` is shown."""
    session = shown.session
    while session.current.step.id != step:
        if session.current.can_submit:
            session.submit(ANSWERS[session.current.step.id])
        shown.act({"action": "next", "token": shown.view["token"]})


def submit(shown: Any, value: Any) -> dict[str, str]:
    """What the page sends on Check; returns the feedback box shown."""
    shown.act({"action": "submit", "value": value, "token": shown.view["token"]})
    return dict(shown.view["feedback"])


@pytest.fixture(autouse=True)
def not_grading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def test_the_player_records_under_the_nbgrader_student(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", "hub-ada")
    shown = player(released(tmp_path), evidence=str(tmp_path / EVIDENCE_DIR))
    session = shown.session  # type: ignore[attr-defined]
    assert session.learner.id == student_id()
    started = session.events[0]
    assert (
        started.data["identity"]
        == identity()
        == {
            "nbgrader_student": student_id(),
            "jupyterhub_user": "hub-ada",
        }
    )
    assert (tmp_path / EVIDENCE_DIR / KEY.id).is_dir()


def test_a_recorded_answer_is_said_to_be_recorded_not_wrong(tmp_path: Path) -> None:
    shown: Any = player(released(tmp_path), evidence=str(tmp_path / EVIDENCE_DIR))
    to_step(shown, "q-tolerance")
    feedback = submit(shown, "3")
    assert feedback["kind"] == "info" and feedback["title"] == "Recorded for grading."
    assert "recorded for grading" in feedback["html"]
    to_step(shown, "ex-code")
    editor = shown.view["input"]
    assert editor["kind"] == "code" and editor["starter"].startswith("def triple(x):")


def test_points_previews_without_the_key_and_is_silent_when_grading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lesson = released(tmp_path)
    assert points(lesson, None, max_points=2, questions=["q-choice"]) == 0.0
    assert capsys.readouterr().out.startswith("Preview")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert grading() and player(lesson) is None


def test_allow_restart_false_is_enforced_behind_the_button(tmp_path: Path) -> None:
    lesson = released(tmp_path, allow_restart=False)
    evidence = str(tmp_path / EVIDENCE_DIR)
    shown = player(lesson, evidence=evidence)
    assert shown._new_session is None  # type: ignore[attr-defined]  # no Restart button
    to_step(shown, "q-choice")
    shown.session.store.close()  # type: ignore[attr-defined]  # as when the kernel ends
    again = player(lesson, evidence=evidence)  # the notebook reopened: the same session
    assert again.session.registration == shown.session.registration  # type: ignore[attr-defined]
    with pytest.raises(lk.SessionStateError, match="does not allow a restart"):
        lk.LessonSession(
            lk.load_lesson(lesson),
            learner=again.session.learner,  # type: ignore[attr-defined]
            store=again.session.store,  # type: ignore[attr-defined]
        ).start()


def test_submitting_student_is_read_from_the_autograde_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lessonkit.integrations.nbgrader import submitting_student

    folder = "/course/autograded/bob/ps1"
    assert submitting_student(folder) is None  # not under autograde
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert submitting_student(folder) == "bob"
    assert submitting_student("/course/release/ps1") is None
