"""Answer inputs, one per check type: the widget the learner uses and how to read it.

Every input validates what arrives from the browser (which can set any widget value to
anything) before the session sees it: :meth:`AnswerInput.response` raises
:class:`InvalidResponse` with a polite message instead of passing on a value that is not
among the options, too long, or empty.
"""

from __future__ import annotations

import re
from typing import Any

import ipywidgets as w

from .. import checks
from ..grading.keys import display_spec
from ..lesson.model import Exercise, Question

__all__ = ["AnswerInput", "InvalidResponse", "make_input"]

MAX_TEXT = 2_000
"""Longest short answer accepted (characters)."""
MAX_CODE = 50_000
"""Longest code or free-text answer accepted (characters)."""

_TAGS = re.compile(r"<[^>]+>")


class InvalidResponse(ValueError):  # noqa: N818 - reads better at the call site
    """The value is not an answer the question can take; the message is for the learner."""


def plain(markdown: str) -> str:
    """A Markdown label as plain text for a widget description (backticks and ** dropped)."""
    return re.sub(r"[`*_]{1,2}", "", markdown).strip()


class AnswerInput:
    """A question's input: ``widget`` to display, ``response()`` to read it."""

    widget: w.Widget

    def response(self) -> Any:
        """The learner's answer, validated; raises :class:`InvalidResponse`."""
        raise NotImplementedError

    def set_disabled(self, disabled: bool) -> None:
        """Lock or unlock the input (locked once the question is done)."""
        for child in _walk(self.widget):
            if hasattr(child, "disabled"):
                child.disabled = disabled


def _walk(widget: w.Widget) -> list[w.Widget]:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found.extend(_walk(child))
    return found


class SingleChoice(AnswerInput):
    """Radio buttons over the options of a single-choice question."""

    def __init__(self, spec: checks.Choice) -> None:
        self.values = [o.value for o in spec.options]
        labels = [(plain(o.text or o.value), o.value) for o in spec.options]
        self.widget = w.RadioButtons(
            options=labels, value=None, description="Your answer", layout=w.Layout(width="auto")
        )
        self.widget.add_class("lk-input-choice")

    def response(self) -> Any:
        value = self.widget.value
        if value is None:
            raise InvalidResponse("Please pick one of the options first.")
        if value not in self.values:
            raise InvalidResponse("That is not one of the options; please pick one from the list.")
        return value


class MultiChoice(AnswerInput):
    """One checkbox per option of a multiple-select question."""

    def __init__(self, spec: checks.Choice) -> None:
        self.values = [o.value for o in spec.options]
        self.boxes = [
            w.Checkbox(value=False, description=plain(o.text or o.value), indent=False)
            for o in spec.options
        ]
        legend = w.HTML("<span class='lk-status'>Select all that apply.</span>")
        self.widget = w.VBox([legend, *self.boxes])

    def response(self) -> Any:
        picked = [v for v, box in zip(self.values, self.boxes, strict=True) if box.value is True]
        if not picked:
            raise InvalidResponse("Please select at least one option.")
        return picked


class ShortText(AnswerInput):
    """A one-line answer: numeric, text, expression (Tab reaches Check)."""

    def __init__(self, placeholder: str) -> None:
        self.widget = w.Text(
            value="", placeholder=placeholder, description="Your answer", continuous_update=False
        )
        self.widget.add_class("lk-input")

    def response(self) -> Any:
        text = self.widget.value
        if not isinstance(text, str) or not text.strip():
            raise InvalidResponse("Please type an answer first.")
        if len(text) > MAX_TEXT:
            raise InvalidResponse(f"That answer is too long (over {MAX_TEXT} characters).")
        return text


class LongText(AnswerInput):
    """A multi-line editor: free responses, and code in Voilà (Tab moves focus, as it should)."""

    def __init__(self, value: str, label: str, *, code: bool) -> None:
        self.widget = w.Textarea(value=value, description=label, rows=10 if code else 5)
        self.widget.add_class("lk-code-editor" if code else "lk-input")
        self.widget.layout = w.Layout(width="100%")

    def response(self) -> Any:
        text = self.widget.value
        if not isinstance(text, str) or not text.strip():
            raise InvalidResponse("Please write something first.")
        if len(text) > MAX_CODE:
            raise InvalidResponse(f"That is too long (over {MAX_CODE} characters).")
        return text


class Ordering(AnswerInput):
    """Items with move up / move down buttons: keyboard-accessible ordering."""

    def __init__(self, spec: checks.Ordering, seed: int) -> None:
        import random

        self.items = list(spec.items)
        self.order = list(self.items)
        random.Random(seed).shuffle(self.order)
        if self.order == self.items:
            self.order.reverse()
        self.widget = w.VBox()
        self.widget.add_class("lk-ordering")
        self._draw()

    def _draw(self) -> None:
        rows = []
        last = len(self.order) - 1
        for i, item in enumerate(self.order):
            text = plain(item)
            up = w.Button(description="Up", tooltip=f"Move up: {text}", disabled=i == 0)
            down = w.Button(description="Down", tooltip=f"Move down: {text}", disabled=i == last)
            up.on_click(lambda _, i=i: self.move(i, -1))
            down.on_click(lambda _, i=i: self.move(i, +1))
            label = w.HTML(f"{i + 1}. {_escape(text)}")
            row = w.HBox([up, down, label])
            row.add_class("lk-order-row")
            rows.append(row)
        self.widget.children = rows

    def move(self, index: int, delta: int) -> None:
        """Move the item at ``index`` by ``delta`` places."""
        target = index + delta
        if 0 <= index < len(self.order) and 0 <= target < len(self.order):
            self.order[index], self.order[target] = self.order[target], self.order[index]
            self._draw()

    def response(self) -> Any:
        if sorted(self.order) != sorted(self.items):
            raise InvalidResponse("The list was changed unexpectedly; please reload the step.")
        return list(self.order)


class NamespaceCheck(AnswerInput):
    """JupyterLab: the learner defines ``name`` in a notebook cell; Check reads the kernel."""

    def __init__(self, name: str, starter: str) -> None:
        from .markdown import highlight_code

        note = (
            f"<p>Write <code>{_escape(name)}</code> in a code cell of this notebook and run "
            "it, then press <strong>Check</strong>.</p>"
        )
        if starter.strip():
            note += "<p>You can start from:</p>" + highlight_code(starter, "python")
        self.widget = w.HTML(note)

    def response(self) -> Any:
        return None  # the checker reads the session's namespace


class FrameInput(AnswerInput):
    """JupyterLab: the name of the learner's DataFrame variable, read from the kernel."""

    def __init__(self, namespace: Any) -> None:
        self.namespace = namespace
        self.widget = w.Text(value="df", description="Variable name", continuous_update=False)
        self.widget.add_class("lk-input")

    def response(self) -> Any:
        name = str(self.widget.value).strip()
        if not name.isidentifier():
            raise InvalidResponse("Please type the name of your DataFrame variable, e.g. df.")
        if self.namespace is None:
            raise InvalidResponse("This question needs a notebook: open the lesson in JupyterLab.")
        if name not in self.namespace:
            raise InvalidResponse(f"There is no variable named {name} yet: run your cell first.")
        return self.namespace[name]


def _escape(text: str) -> str:
    from .markdown import escape

    return escape(text)


def make_input(
    question: Question, *, code_mode: str, seed: int = 0, namespace: Any = None
) -> AnswerInput:
    """The input for ``question``; ``code_mode`` is ``"namespace"`` or ``"editor"``."""
    spec = display_spec(question.check)  # a student copy's hidden key: what to show, no key
    if isinstance(spec, checks.Choice):
        return MultiChoice(spec) if spec.multiple else SingleChoice(spec)
    if isinstance(spec, checks.Numeric):
        hint = f"a number{f' in {spec.units}' if spec.units else ''}"
        return ShortText(f"Type {hint}")
    if isinstance(spec, checks.Expression):
        return ShortText("Type an expression, e.g. 2*(x+1)")
    if isinstance(spec, checks.Code):
        starter = question.starter if isinstance(question, Exercise) else ""
        if code_mode == "namespace":
            return NamespaceCheck(spec.name, starter)
        return LongText(starter, "Your code", code=True)
    if isinstance(spec, checks.Frame):
        return FrameInput(namespace)
    if isinstance(spec, checks.Ordering):
        return Ordering(spec, seed)
    if isinstance(spec, checks.FreeResponse):
        return LongText("", "Your answer", code=False)
    return ShortText("Type your answer")
