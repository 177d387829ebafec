"""Drive a lesson player the way a browser does, from inside the kernel that shows it.

Imported in the kernel of an executed notebook (see test_nbgrader_roundtrip.py): it reads
what each input renders (kind, option labels, ordering items, editor lines, units), sets
the input's value as the page would, presses Check and Continue, and returns a JSON-ready
log. It relies on these parts of :class:`lessonkit.widgets.LessonPlayer`:

* ``player.session`` (``current``, ``finished``), ``player.input`` (the current
  :class:`~lessonkit.widgets.inputs.AnswerInput`), ``player.check()``, ``player.next()``,
  ``player.feedback.value`` (HTML with ``data-kind``);
* the ipywidgets each input draws (``RadioButtons``, ``Checkbox`` es, ``Text``, ``Textarea``,
  ordering rows of Up/Down buttons and an ``HTML`` label), or — with inputs drawn by the page
  — ``player.input.spec()`` (what the page renders) and ``player.check(value)``.
"""

from __future__ import annotations

import re
from typing import Any

_KIND = re.compile(r"data-kind='(\w+)'")


def describe(player: Any) -> dict[str, Any]:
    """What the current input renders, from the widgets (or the page spec) only."""
    made = player.input
    if made is None:
        return {"kind": None}
    if callable(getattr(made, "spec", None)):
        return dict(made.spec())
    widget = made.widget
    name = type(made).__name__
    found: dict[str, Any] = {"kind": name}
    if name == "SingleChoice":
        found["options"] = [label for label, _ in widget.options]
    elif name == "MultiChoice":
        found["options"] = [box.description for box in made.boxes]
    elif name == "ShortText":
        found["placeholder"] = widget.placeholder
    elif name == "LongText":
        found["rows"] = widget.rows
        found["text"] = widget.value
    elif name == "Ordering":
        found["items"] = [re.sub(r"^\d+\. ", "", row.children[2].value) for row in widget.children]
    return found


def _set(player: Any, value: Any) -> None:
    """Put ``value`` into the current input as a learner would."""
    made = player.input
    name = type(made).__name__
    if name == "SingleChoice":
        made.widget.value = value
    elif name == "MultiChoice":
        for option, box in zip(made.values, made.boxes, strict=True):
            box.value = option in value
    elif name in ("ShortText", "LongText"):
        made.widget.value = value
    elif name == "Ordering":
        for target, item in enumerate(value):  # selection sort with the Up buttons
            index = made.order.index(item)
            while index > target:
                made.move(index, -1)
                index -= 1
    else:
        raise ValueError(f"cannot answer a {name}")


def answer(player: Any, value: Any) -> str:
    """Answer the current question with ``value``; the feedback's kind."""
    if callable(getattr(player.input, "read", None)):
        player.check(value)
    else:
        _set(player, value)
        player.check()
    match = _KIND.search(player.feedback.value)
    return match.group(1) if match else ""


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
        player.next()
    return log
