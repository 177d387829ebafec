"""Helpers for driving the player like a learner, without a browser (ipywidgets' dummy comm)."""

from __future__ import annotations

from pathlib import Path

import pytest

import lessonkit as lk
from lessonkit.widgets import LessonPlayer

ROOT = Path(__file__).resolve().parents[2]
BRANCHING = ROOT / "tests" / "data" / "valid" / "branching.lesson.yaml"
LOOPS = ROOT / "lessons" / "loops" / "loops.lesson.yaml"


def visible(widget: object) -> bool:
    """Whether a widget is displayed (the player hides widgets with ``display: none``)."""
    return widget.layout.display != "none"  # type: ignore[attr-defined]


def answer(player: LessonPlayer, value: str) -> str:
    """Type ``value`` into the current input, press Check; returns the feedback HTML."""
    assert player.input is not None, "no input on this step"
    player.input.widget.value = value  # type: ignore[attr-defined]
    assert visible(player.check_button)
    player.check_button.click()
    return player.feedback.value


def option_button(player: LessonPlayer, label: str) -> object:
    """The choice-step button with this label."""
    for button in player.options.children:
        if button.description == label:  # type: ignore[attr-defined]
            return button
    labels = [b.description for b in player.options.children]  # type: ignore[attr-defined]
    raise AssertionError(f"no option {label!r} in {labels}")


def step_id(player: LessonPlayer) -> str:
    """The id of the step on screen."""
    return player.session.current.step.id


@pytest.fixture
def branching() -> lk.Lesson:
    return lk.load_lesson(BRANCHING)


@pytest.fixture
def loops() -> lk.Lesson:
    return lk.load_lesson(LOOPS)


@pytest.fixture
def make_player():
    def make(lesson: lk.Lesson, **kwargs: object) -> LessonPlayer:
        namespace = kwargs.pop("namespace", None)
        store = kwargs.pop("store", None)
        session = lk.LessonSession(lesson, learner="ada", seed=3, namespace=namespace, store=store)
        kwargs.setdefault("code_mode", "namespace" if namespace is not None else "editor")
        kwargs.setdefault(
            "new_session",
            lambda: lk.LessonSession(lesson, learner="ada", namespace=namespace, store=store),
        )
        return LessonPlayer(session, **kwargs)  # type: ignore[arg-type]

    return make
