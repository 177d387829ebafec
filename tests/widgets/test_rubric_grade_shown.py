"""The learner sees a teacher's rubric grade in the player: after a reload, the question shows
the points, each criterion's level and the comment (as text), and the answer stands; the
learner replies to the comment there, once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import lessonkit as lk
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.grades import grade_statement
from lessonkit.evidence.replies import MAX_REPLY, replies_of
from lessonkit.evidence.stores import open_store
from lessonkit.grading.rubrics import answers_to_grade, make_grade
from lessonkit.widgets import show

from .conftest import send, text

LESSON = lk.load_lesson(Path(__file__).resolve().parents[1] / "data/valid/rubric.lesson.yaml")


def test_the_grade_and_comment_are_shown_after_a_reload(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LESSONKIT_LEARNER", "grace")
    store = (tmp_path / "store").as_uri()
    first = show(LESSON, store=store)
    send(first, "submit", value="A loop stops when its test fails.", n=1)
    assert first.view["feedback"]["title"] == "Recorded for grading."
    assert first.view["notice"] is None  # nothing graded yet
    first.session.store.close()
    first.close()

    with open_store(store) as teacher:
        todo = answers_to_grade(LESSON, "explain", teacher.read())[0]
        grade = make_grade(
            LESSON,
            "explain",
            learner=todo.learner,
            grader=LearnerRef(id="tess"),
            registration=todo.answer.registration,
            answer_seq=todo.answer.seq,
            levels={"idea": "Partly", "words": "Precise"},
            comment="Say <when> the test runs.",
            version=1,
            timestamp=datetime.now(UTC),
        )
        teacher.append([grade_statement(grade)])

    again = show(LESSON, store=store)
    box = again.view["feedback"]
    assert box["title"] == "Graded by your teacher: 2 of 4 points."
    shown = text(box["html"])
    assert "The idea: Partly (1 of 3)" in shown and "Wording: Precise (1 of 1)" in shown
    assert "Say <when> the test runs." in shown and "<when>" not in box["html"]
    assert not again.session.current.can_submit  # graded: that answer stands
    # A banner says something new is there, once: the next visit has nothing new.
    news = again.view["notice"]
    assert news["kind"] == "news"
    assert news["html"].startswith("New from your teacher: an answer graded with a comment")
    assert "reply to a comment" in news["html"]
    # The reply, from the question: once, checked first, then the form is gone.
    form = again.view["reply"]
    assert form["label"] == "Your reply to your teacher's comment (one reply)"
    assert form["maxlength"] == MAX_REPLY
    send(again, "reply", value="   ")
    assert "Your reply was not sent: Write your reply first." in text(
        again.view["feedback"]["html"]
    )
    send(again, "reply", value="x" * (MAX_REPLY + 1))
    assert "at most 2,000 characters (this one: 2,001)" in text(again.view["feedback"]["html"])
    assert again.view["reply"] is not None  # refused: still open
    send(again, "reply", value="  It runs <before> each pass.\r\n")
    shown = text(again.view["feedback"]["html"])
    assert "Your reply: It runs <before> each pass." in shown and "<before>" not in str(
        again.view["feedback"]["html"]
    )
    assert "Reply sent" in shown and again.view["reply"] is None
    send(again, "reply", value="A second reply.")  # a stale page's second reply: ignored
    again.session.store.close()
    again.close()
    with open_store(store) as teacher:
        replies = replies_of(teacher.read())
    assert [(r.grade, r.text) for r in replies.values()] == [
        (grade.id, "It runs <before> each pass.")
    ]
    third = show(LESSON, store=store)
    assert third.view["notice"] is None
    assert third.view["feedback"]["title"] == "Graded by your teacher: 2 of 4 points."
    assert "Your reply: It runs <before> each pass." in text(third.view["feedback"]["html"])
    assert third.view["reply"] is None  # replied once, in an earlier session: no second form
    third.session.store.close()
    third.close()
