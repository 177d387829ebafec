"""Helpers for driving the player like the page does, without a browser or a kernel.

The page sends the player one message per action (see ``lessonkit/widgets/static/player.js``);
these helpers send the same messages through :meth:`LessonPlayer.act`, the handler the
widget's comm calls.
"""

from __future__ import annotations

import itertools
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest

import lessonkit as lk
from lessonkit.widgets import LessonPlayer

ROOT = Path(__file__).resolve().parents[2]
BRANCHING = ROOT / "tests" / "data" / "valid" / "branching.lesson.yaml"
LOOPS = ROOT / "lessons" / "loops" / "loops.lesson.yaml"
_N = itertools.count(1)


def text(html: str) -> str:
    """Visible text of an HTML fragment."""
    return unescape(re.sub(r"<[^>]+>", "", html or ""))


def send(player: LessonPlayer, action: str, **extra: Any) -> None:
    """Send one action as the page does (with the token of the screen shown)."""
    player.act({"action": action, "token": player.view["token"], **extra})


def feedback(player: LessonPlayer) -> str:
    """The feedback box as text ("" when none)."""
    box = player.view["feedback"]
    return "" if box is None else f"{box['title']} {text(box['html'])}".strip()


def answer(player: LessonPlayer, value: Any) -> str:
    """Submit ``value`` with Check, as the page does; returns the feedback as text."""
    assert player.view["input"] is not None, "no input on this step"
    assert player.view["buttons"]["check"], "Check is not offered"
    send(player, "submit", value=value, n=next(_N))
    return feedback(player)


def options(player: LessonPlayer) -> list[str]:
    """The labels of a choice step's options, as shown."""
    return [text(o["html"]) for o in player.view["options"]]


def choose(player: LessonPlayer, label: str) -> None:
    """Pick the choice-step option shown as ``label``."""
    for option in player.view["options"]:
        if text(option["html"]) == label:
            send(player, "choose", value=option["value"])
            return
    raise AssertionError(f"no option {label!r} in {options(player)}")


def shown(player: LessonPlayer, name: str) -> Any:
    """A button's state on screen (False/None when hidden)."""
    return player.view["buttons"][name]


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
