"""Drive a lesson player the way the page does, from inside the kernel that shows it.

Imported in the kernel of an executed notebook (see test_nbgrader_roundtrip.py): it reads
what each input renders from the screen the player sends to the page (``player.view``:
kind, option labels, ordering items, editor starter, placeholder), sends the page's own
messages (``player.act({"action": "submit", "value": ..., "token": ...})``, then ``next``),
and returns a JSON-ready log. It relies on the player's page protocol only:
``player.view["input"]``, ``player.view["feedback"]["kind"]``, ``player.view["token"]`` and
``player.act(message)``, plus ``player.session`` to know the step and when the lesson ends.
"""

from __future__ import annotations

import html
import re
from typing import Any

_TAG = re.compile(r"<[^>]+>")


def _text(markup: str) -> str:
    return html.unescape(_TAG.sub("", markup)).strip()


def describe(player: Any) -> dict[str, Any]:
    """What the current input renders, read from the screen sent to the page."""
    shown = player.view.get("input")
    if not shown:
        return {"kind": None}
    found: dict[str, Any] = {"kind": shown.get("kind"), "label": shown.get("label")}
    if "options" in shown:
        found["options"] = [_text(o["html"]) for o in shown["options"]]
    if "items" in shown:
        found["items"] = [i["text"] for i in shown["items"]]
    for key in ("placeholder", "starter"):
        if key in shown:
            found[key] = shown[key]
    return found


def _value(player: Any, answer: Any) -> Any:
    """``answer`` as the page sends it (an ordering as indices of the items shown)."""
    shown = player.view.get("input") or {}
    if shown.get("kind") == "ordering":
        texts = [i["text"] for i in shown["items"]]
        return [texts.index(item) for item in answer]
    return answer


def answer(player: Any, value: Any) -> str:
    """Answer the current question as the page would; the feedback's kind."""
    message = {"action": "submit", "value": _value(player, value), "token": player.view["token"]}
    player.act(message)
    feedback = player.view.get("feedback") or {}
    return str(feedback.get("kind", ""))


def drive(player: Any, answers: dict[str, list[Any]], practice: Any = None) -> list[dict[str, Any]]:
    """Work through the lesson: ``answers`` per step id, ``practice`` for any practice item."""
    log: list[dict[str, Any]] = []
    for _ in range(200):
        session = player.session
        if session.finished:
            break
        view = session.current
        entry: dict[str, Any] = {"step": view.step.id, "kind": view.step.kind}
        if view.question is not None:
            entry["input"] = describe(player)
            given = answers.get(view.step.id, [practice] if view.step.kind == "practice" else [])
            entry["feedback"] = [answer(player, value) for value in given]
        log.append(entry)
        player.act({"action": "next", "token": player.view["token"]})
    return log
