"""show(): learner and store from the environment, resume from the store, the progress panel."""

from __future__ import annotations

import json

import pytest

import lessonkit as lk
from lessonkit.evidence.stores import open_store
from lessonkit.widgets import ProgressPanel, show

from .conftest import BRANCHING, LOOPS, answer, choose, feedback, send, shown, step_id, text


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("LESSONKIT_LEARNER", "grace")
    monkeypatch.setenv("LESSONKIT_STORE", (tmp_path / "store").as_uri())
    monkeypatch.setenv("LESSONKIT_HOME", str(tmp_path / "home"))
    return tmp_path


def test_show_takes_a_path_and_records_evidence_for_the_env_learner(env) -> None:
    p = show(str(BRANCHING))
    assert p.session.learner.id == "grace"
    send(p, "next")
    choose(p, "Music")
    answer(p, "5")
    p.session.store.close()
    p.close()
    with open_store((env / "store").as_uri()) as store:
        verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in store.read(learner="grace")]
    assert "answered" in verbs and "experienced" in verbs


def test_reopening_restores_the_step_the_feedback_and_the_answer(env) -> None:
    first = show(str(BRANCHING))
    send(first, "next")
    choose(first, "Music")
    answer(first, "6")
    send(first, "hint")
    registration = first.session.registration
    first.session.store.close()  # the old kernel is gone (a reload)
    first.close()

    again = show(str(BRANCHING))
    assert again.session.registration == registration
    assert step_id(again) == "q1"
    assert again.session.profile["interest"] == "music"
    assert "Count on from 2." in again.view["hints"]  # the hint already shown
    assert "2 attempts left" in again.view["status"]
    # The last feedback and the answer it was for come back.
    assert feedback(again).startswith("Not quite.") and "One too many." in feedback(again)
    assert again.view["input"]["value"] == "6"
    assert again.view["input"]["draft"] == first.view["input"]["draft"]
    assert "Correct!" in answer(again, "5")
    again.session.store.close()
    again.close()

    fresh = show(str(BRANCHING), resume=False)
    assert step_id(fresh) == "intro" and fresh.session.registration != registration
    fresh.session.store.close()
    fresh.close()


def test_a_finished_lesson_reopens_on_its_summary(env) -> None:
    lesson = lk.load_lesson(BRANCHING)
    p = show(lesson, store=(env / "s2").as_uri())
    send(p, "next")
    choose(p, "Skip ahead")
    while not p.session.finished:
        view = p.session.current
        if view.question is not None and view.can_submit:
            answer(p, str(view.question.check.answer))
        send(p, "next")
    p.session.store.close()
    p.close()
    again = show(lesson, store=(env / "s2").as_uri())
    assert again.session.finished and "Your results" in again.view["summary"]
    assert shown(again, "restart")
    again.act({"action": "restart", "confirmed": True})
    assert step_id(again) == "intro"
    again.session.store.close()
    again.close()


def test_show_without_a_store_records_nothing(env) -> None:
    p = show(str(LOOPS), store=False)
    assert p.session.store is None and p.lease is None
    assert "Python loops for beginners" in p.view["header"]


def test_progress_panel_shows_mastery_goals_and_lessons_done(env) -> None:
    lesson = lk.load_lesson(BRANCHING)
    url = (env / "s3").as_uri()
    p = show(lesson, store=url)
    send(p, "next")
    choose(p, "Music")
    while not p.session.finished:
        view = p.session.current
        if view.question is not None and view.can_submit:
            answer(p, str(view.question.check.answer))
        send(p, "next")
    p.session.store.close()
    p.close()
    with open_store(url) as store:
        panel = ProgressPanel(store, "grace", lessons=[lesson])
        html = panel.content.value
    assert "Adds whole numbers" in html
    assert "<strong>interest</strong>: music" in html and "<strong>goal</strong>: fun" in html
    assert "Lessons done" in html and "Branching on choices and performance" in html
    assert "Your progress" in text(html)


def test_launcher_notebook_for_a_lesson_file(tmp_path) -> None:
    from lessonkit.commands.serve import resolve_notebook

    nb_path = resolve_notebook(str(LOOPS), cache=tmp_path)
    nb = json.loads(nb_path.read_text())
    assert nb_path.suffix == ".ipynb"
    assert f"lessonkit.show({str(LOOPS)!r})" in nb["cells"][0]["source"]
    assert resolve_notebook(str(LOOPS.parent)) == LOOPS.parent / "loops.ipynb"
    with pytest.raises(lk.LessonDefinitionError, match="no such notebook"):
        resolve_notebook(str(tmp_path / "missing.lesson.yaml"))


def test_identity_cell_only_takes_a_uuid() -> None:
    from lessonkit.integrations.voila import learner_cell

    cell = learner_cell("0b7f6a52-93a4-4b6e-9d43-6c1d1f1b6a10")
    assert "LESSONKIT_LEARNER'] = '0b7f6a52-93a4-4b6e-9d43-6c1d1f1b6a10'" in cell["source"]
    with pytest.raises(ValueError, match="not an anonymous learner id"):
        learner_cell("x'; import os; os.system('id'); '")
