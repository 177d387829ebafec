"""Answer inputs, one per check type: what the page shows, and how a submitted value is read.

The page draws the input and its Check button as one unit (see ``static/player.js``): the value
travels *with* the submit in one message, so the kernel grades exactly what the learner saw,
whatever order messages of other widgets arrive in. :meth:`AnswerInput.read` validates that
value — the browser can send anything — and raises :class:`InvalidResponse` with a polite
message instead of passing on a value that is not among the options, too long, or empty.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from .. import checks
from ..i18n import N_, Translator, translator
from ..lesson.model import Exercise, Question
from .markdown import escape, highlight_code, render_markdown

__all__ = ["AnswerInput", "InvalidResponse", "make_input"]

MAX_TEXT = 2_000
"""Longest short answer accepted (characters)."""
MAX_CODE = 50_000
"""Longest code or free-text answer accepted (characters)."""


class InvalidResponse(ValueError):  # noqa: N818 - reads better at the call site
    """The value is not an answer the question can take; the message is for the learner."""


class AnswerInput:
    """A question's input: ``spec()`` for the page, ``read(value)`` for a submitted value.

    ``t`` is the learner's language: labels and messages are in it.
    """

    kind = "text"
    label = N_("Your answer")
    t: Translator = translator()

    def spec(self) -> dict[str, Any]:
        """What the page needs to draw the input (JSON)."""
        return {"kind": self.kind, "label": self.t.gettext(self.label)}

    def read(self, value: Any) -> Any:
        """The submitted ``value`` as a response for the checker; raises InvalidResponse."""
        raise NotImplementedError

    def echo(self, response: Any) -> str:
        """Safe HTML repeating what the learner answered ("" when it would not help)."""
        if not isinstance(response, str) or "\n" in response or len(response) > 200:
            return ""
        return f"<code>{escape(response)}</code>"


def _label_html(text: str, base_dir: Any) -> str:
    """An author's label rendered as written: Markdown where they used it, nothing lost."""
    return render_markdown(text, base_dir, inline=True)


def _plain(html_text: str) -> str:
    import re
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", html_text)).strip()


class SingleChoice(AnswerInput):
    """Radio buttons over the options of a single-choice question."""

    kind = "single"

    def __init__(self, spec: checks.Choice, t: Translator, base_dir: Any = None) -> None:
        self.t = t
        self.values = [o.value for o in spec.options]
        self.labels = {o.value: _label_html(o.text or o.value, base_dir) for o in spec.options}

    def spec(self) -> dict[str, Any]:
        options = [{"value": v, "html": self.labels[v]} for v in self.values]
        return {**super().spec(), "options": options}

    def read(self, value: Any) -> Any:
        _ = self.t.gettext
        if value is None or value == "":
            raise InvalidResponse(_("Please pick one of the options first."))
        if not isinstance(value, str) or value not in self.values:
            raise InvalidResponse(
                _("That is not one of the options; please pick one from the list.")
            )
        return value

    def echo(self, response: Any) -> str:
        picked = response if isinstance(response, list) else [response]
        return ", ".join(self.labels.get(str(v), escape(v)) for v in picked)


class MultiChoice(SingleChoice):
    """One checkbox per option of a multiple-select question."""

    kind = "multi"

    def read(self, value: Any) -> Any:
        _ = self.t.gettext
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidResponse(_("That is not a selection of the options; please try again."))
        if any(v not in self.values for v in value):
            raise InvalidResponse(_("That is not one of the options; please pick from the list."))
        if not value:
            raise InvalidResponse(_("Please select at least one option."))
        return [v for v in self.values if v in value]  # the options' order, no repeats


class ShortText(AnswerInput):
    """A one-line answer: numeric, text, expression (Enter checks it)."""

    def __init__(self, kind: str, placeholder: str, t: Translator) -> None:
        self.kind = kind
        self.placeholder = placeholder
        self.t = t

    def spec(self) -> dict[str, Any]:
        return {**super().spec(), "placeholder": self.placeholder}

    def read(self, value: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            raise InvalidResponse(self.t.gettext("Please type an answer first."))
        if len(value) > MAX_TEXT:
            raise InvalidResponse(_too_long(self.t, MAX_TEXT))
        return value


def _too_long(t: Translator, limit: int) -> str:
    return t.ngettext(
        "That is too long (over {n} character).", "That is too long (over {n} characters).", limit
    ).format(n=t.number(limit))


class LongText(AnswerInput):
    """A multi-line editor: free responses, and code in Voilà (Ctrl+Enter checks it)."""

    def __init__(self, value: str, *, code: bool, t: Translator) -> None:
        self.kind = "code" if code else "free"
        self.label = N_("Your code") if code else N_("Your answer")
        self.starter = value
        self.t = t

    def spec(self) -> dict[str, Any]:
        return {**super().spec(), "starter": self.starter}

    def read(self, value: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            raise InvalidResponse(self.t.gettext("Please write something first."))
        if len(value) > MAX_CODE:
            raise InvalidResponse(_too_long(self.t, MAX_CODE))
        return value


class Ordering(AnswerInput):
    """Items with Move up / Move down buttons (moved in the page, sent with Check)."""

    kind = "ordering"
    label = N_("Put these in order")

    def __init__(
        self, spec: checks.Ordering, seed: int, t: Translator, base_dir: Any = None
    ) -> None:
        self.t = t
        self.items = list(spec.items)
        order = list(range(len(self.items)))
        random.Random(seed).shuffle(order)
        if order == sorted(order):
            order.reverse()
        self.start = order
        self.html = [_label_html(item, base_dir) for item in self.items]

    def spec(self) -> dict[str, Any]:
        items = [{"html": h, "text": _plain(h)} for h in self.html]
        return {**super().spec(), "items": items, "order": self.start}

    def read(self, value: Any) -> Any:
        n = len(self.items)
        if (
            not isinstance(value, list)
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in value)
            or sorted(value) != list(range(n))
        ):
            raise InvalidResponse(
                self.t.gettext("The list was changed unexpectedly; please reload the page.")
            )
        return [self.items[i] for i in value]

    def echo(self, response: Any) -> str:
        return ""


class NamespaceCheck(AnswerInput):
    """JupyterLab: the learner defines ``name`` in a notebook cell; Check reads the kernel."""

    kind = "namespace"

    def __init__(self, name: str, starter: str, t: Translator) -> None:
        self.t = t
        note = t.gettext(
            "<p>Write <code>{name}</code> in a code cell of this notebook and run it, then "
            "press <strong>Check</strong>.</p>"
        ).format(name=escape(name))
        if starter.strip():
            start = t.gettext("You can start from:")
            note += f"<p>{start}</p>" + highlight_code(starter, "python")
        self.note = note

    def spec(self) -> dict[str, Any]:
        return {**super().spec(), "note": self.note}

    def read(self, value: Any) -> Any:
        return None  # the checker reads the session's namespace

    def echo(self, response: Any) -> str:
        return ""


class FrameInput(AnswerInput):
    """JupyterLab: the name of the learner's DataFrame variable, read from the kernel."""

    kind = "frame"
    label = N_("Variable name")

    def __init__(self, namespace: Mapping[str, Any] | None, t: Translator) -> None:
        self.namespace = namespace
        self.t = t

    def spec(self) -> dict[str, Any]:
        return {
            **super().spec(),
            "placeholder": self.t.gettext("e.g. {example}").format(example="totals"),
        }

    def read(self, value: Any) -> Any:
        _ = self.t.gettext
        name = value.strip() if isinstance(value, str) else ""
        if not name.isidentifier():
            raise InvalidResponse(_("Please type the name of your DataFrame variable, e.g. df."))
        if self.namespace is None:
            raise InvalidResponse(
                _("This question needs a notebook: open the lesson in JupyterLab.")
            )
        if name not in self.namespace:
            raise InvalidResponse(
                _("There is no variable named {name} yet: run your cell first.").format(name=name)
            )
        return self.namespace[name]

    def echo(self, response: Any) -> str:
        return ""


def make_input(
    question: Question,
    *,
    code_mode: str,
    seed: int = 0,
    namespace: Any = None,
    base_dir: Any = None,
    t: Translator | None = None,
) -> AnswerInput:
    """The input for ``question``; ``code_mode`` is ``"namespace"`` or ``"editor"``; ``t``
    the learner's language (English by default)."""
    from ..grading.keys import display_spec  # not needed before a question is on screen

    t = t or translator()
    _ = t.gettext
    spec = display_spec(question.check)  # a student copy's hidden key: what to show, no key
    if isinstance(spec, checks.Choice):
        choice = MultiChoice if spec.multiple else SingleChoice
        return choice(spec, t, base_dir)
    if isinstance(spec, checks.Numeric):
        if spec.units:
            return ShortText("number", _("Type a number in {units}").format(units=spec.units), t)
        return ShortText("number", _("Type a number"), t)
    if isinstance(spec, checks.Expression):
        example = _("Type an expression, e.g. {example}").format(example="2*(x+1)")
        return ShortText("expression", example, t)
    if isinstance(spec, checks.Code):
        starter = question.starter if isinstance(question, Exercise) else ""
        if code_mode == "namespace":
            return NamespaceCheck(spec.name, starter, t)
        return LongText(starter, code=True, t=t)
    if isinstance(spec, checks.Frame):
        return FrameInput(namespace, t)
    if isinstance(spec, checks.Ordering):
        return Ordering(spec, seed, t, base_dir)
    if isinstance(spec, checks.FreeResponse):
        return LongText("", code=False, t=t)
    return ShortText("text", _("Type your answer"), t)
