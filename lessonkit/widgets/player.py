"""``LessonPlayer``: the learner-facing widget that renders a :class:`LessonSession`.

The player holds no lesson logic. It renders what ``session.current`` says (one renderer per
step kind, see :mod:`lessonkit.widgets.steps`) and forwards what the learner does (Check,
Hint, Continue, a choice, Back, Restart) to the session. Everything it displays lives in widget
values (``HTML.value`` and friends), so tests without a browser can assert on it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..errors import SessionStateError
from .inputs import AnswerInput, InvalidResponse
from .markdown import escape, render_markdown
from .progress import mastery_html, position_html
from .steps import renderer_for
from .styles import player_css

__all__ = ["LessonPlayer", "code_allowed"]

_TITLES = {"correct": "Correct!", "incorrect": "Not quite.", "info": ""}


def code_allowed(env: Any = os.environ) -> bool:
    """Whether ``LESSONKIT_ALLOW_CODE`` turns on running learner code typed in the editor."""
    return str(env.get("LESSONKIT_ALLOW_CODE", "")).strip().lower() in ("1", "true", "yes", "on")


class LessonPlayer(w.VBox):
    """Plays a lesson session: step content, answer input, feedback, hints and progress.

    Parameters
    ----------
    session
        The session to render; started here if it has not started.
    base_dir
        Folder that relative image paths in the lesson are read from.
    code_mode
        ``"namespace"`` (JupyterLab: exercises check names defined in the notebook) or
        ``"editor"`` (Voilà: an in-widget code editor, checked in a separate process).
    allow_code
        Whether editor code may be run; defaults to :func:`code_allowed`.
    new_session
        Makes a fresh session for Restart (``None`` hides Restart).
    """

    def __init__(
        self,
        session: Any,
        *,
        base_dir: str | os.PathLike[str] | None = None,
        code_mode: str = "editor",
        allow_code: bool | None = None,
        new_session: Callable[[], Any] | None = None,
    ) -> None:
        self.session = session
        self.base_dir = base_dir
        self.code_mode = code_mode
        self.allow_code = code_allowed() if allow_code is None else allow_code
        self._new_session = new_session
        self.input: AnswerInput | None = None
        self._shown_at = time.monotonic()

        self.style = w.HTML(player_css())
        self.header = w.HTML()
        self.route = w.HTML()
        self.title = w.HTML()
        self.body = w.HTMLMath()
        self.body.add_class("lk-body")
        self.options = w.VBox()
        self.options.add_class("lk-options")
        self.answer = w.VBox()
        self.status = w.HTML()
        self.feedback = w.HTMLMath()
        self.hints = w.HTMLMath()
        self.solution = w.HTMLMath()
        self.summary = w.HTMLMath()
        self.mastery = w.HTML()

        self.back_button = self._button("Back", "Go back to the previous step")
        self.hint_button = self._button("Hint", "Show a hint")
        self.check_button = self._button("Check", "Check your answer", "primary")
        self.next_button = self._button("Continue", "Go to the next step")
        self.restart_button = self._button("Restart lesson", "Start the lesson again")
        self.back_button.on_click(lambda _: self.back())
        self.hint_button.on_click(lambda _: self.hint())
        self.check_button.on_click(lambda _: self.check())
        self.next_button.on_click(lambda _: self.next())
        self.restart_button.on_click(lambda _: self.restart())
        self.controls = w.HBox(
            [
                self.back_button,
                self.hint_button,
                self.check_button,
                self.next_button,
                self.restart_button,
            ]
        )
        self.controls.add_class("lk-controls")
        # HTML views focus an inner element that cannot take focus, so focus goes to boxes
        # around them; the Voilà template makes those focusable by script (tabindex -1).
        self.title_box = _focus_box(self.title, "lk-title")
        self.feedback_box = _focus_box(self.feedback, "lk-feedback", "lk-live")
        self.hints_box = _focus_box(self.hints, "lk-hints")
        super().__init__(
            [
                self.style,
                self.header,
                self.route,
                self.title_box,
                self.body,
                self.options,
                self.answer,
                self.status,
                self.controls,
                self.feedback_box,
                self.hints_box,
                self.solution,
                self.summary,
                self.mastery,
            ]
        )
        self.add_class("lk-player")
        if not session.started:
            session.start()
        self.refresh()

    @staticmethod
    def _button(label: str, tooltip: str, style: str = "") -> w.Button:
        # No icon: an icon font's glyph would become part of the button's accessible name.
        button = w.Button(
            description=label,
            tooltip=tooltip,
            button_style=style,
            layout=w.Layout(width="auto"),
        )
        button.layout.display = "none"
        return button

    # ------------------------------------------------------------------ rendering

    def refresh(self) -> None:
        """Render the current step from scratch."""
        view = self.session.current
        step = view.step
        self.input = None
        self._shown_at = time.monotonic()
        for area in (self.body, self.status, self.feedback, self.hints, self.solution):
            area.value = ""
        self.summary.value = ""
        self.options.children = []
        self.options.layout.display = "none"
        self.answer.children = []
        for button in self.controls.children:
            button.layout.display = "none"
        self.header.value = position_html(self.session)
        heading = step.title or (view.question.title if view.question else "")
        self.title.value = f"<h2 class='lk-step-title'>{escape(heading)}</h2>" if heading else ""
        self.mastery.value = mastery_html(self.session)
        renderer_for(step.kind)(self, view)
        self._show(self.back_button, view.can_go_back)
        restart = self._new_session is not None and self.session.lesson.settings.allow_restart
        self._show(self.restart_button, restart and (self.session.finished or view.position > 1))

    @staticmethod
    def _show(widget: w.Widget, visible: bool) -> None:
        widget.layout.display = None if visible else "none"

    def show_next(self, label: str, *, primary: bool) -> None:
        """Show the Continue button with ``label``."""
        self.next_button.description = label
        self.next_button.button_style = "primary" if primary else ""
        self._show(self.next_button, True)

    def set_feedback(self, kind: str, title: str, message: str = "", *, focus: bool = True) -> None:
        """Show feedback (``correct``, ``incorrect`` or ``info``) and move focus to it.

        ``message`` is HTML already made safe (rendered Markdown or escaped text).
        """
        head = f"<strong>{escape(title)}</strong>" if title else ""
        self.feedback.value = (
            f"<div class='lk-msg lk-{kind}' data-kind='{kind}'>{head}{message}</div>"
        )
        if focus:
            self.feedback_box.focus()

    def update_question_controls(self, view: Any) -> None:
        """Buttons, attempts, hints and solution for the current question."""
        question, rec = view.question, view.record
        self._show(self.check_button, self.input is not None and view.can_submit)
        total = len(question.hints)
        if view.hints_left > 0 and not rec.correct:
            self.hint_button.description = f"Hint {rec.hints_used + 1} of {total}"
            self._show(self.hint_button, True)
        else:
            self._show(self.hint_button, False)
        if view.can_advance:
            done = rec.correct or view.attempts_left == 0
            self.show_next("Continue" if done else "Move on", primary=done)
        else:
            self._show(self.next_button, False)
        parts = []
        if view.practice_progress is not None:
            given, most = view.practice_progress
            parts.append(f"Practice question {given} (at most {most})")
        if view.attempts_left is not None and not rec.correct:
            n = view.attempts_left
            parts.append(f"{n} attempt{'s' if n != 1 else ''} left")
        if rec.hints_used and total:
            parts.append(f"{rec.hints_used} of {total} hints used")
        self.status.value = (
            f"<span class='lk-status'>{' · '.join(escape(p) for p in parts)}</span>"
            if parts
            else ""
        )
        if view.hints:
            items = "".join(
                f"<li>{render_markdown(h, self.base_dir, inline=True)}</li>" for h in view.hints
            )
            self.hints.value = (
                f"<div class='lk-msg lk-info'><strong>Hints</strong><ol>{items}</ol></div>"
            )
        if view.solution:
            self.solution.value = (
                "<div class='lk-solution'><h3>Worked solution</h3>"
                f"{render_markdown(view.solution, self.base_dir)}</div>"
            )
        if self.input is not None and (rec.correct or not view.can_submit):
            self.input.set_disabled(True)

    # ------------------------------------------------------------------ learner actions

    def check(self) -> None:
        """Check the learner's answer and show the feedback."""
        view = self.session.current
        if view.question is None or not view.can_submit:
            self.set_feedback("info", "This question cannot be answered again.")
            return
        if self.input is None:
            self.set_feedback("info", "There is nothing to check here.")
            return
        try:
            response = self.input.response()
        except InvalidResponse as exc:
            self.set_feedback("info", str(exc))
            return
        try:
            outcome = self.session.submit(response, duration=time.monotonic() - self._shown_at)
        except SessionStateError as exc:
            self.set_feedback("info", "That answer could not be checked.", escape(exc))
            return
        result = outcome.result
        text = (result.feedback or "").strip()
        if text.rstrip(".!").lower() in ("correct", "incorrect", "not quite"):
            text = ""  # the title already says it
        message = render_markdown(text, self.base_dir)
        shown = _echo(response)
        if not result.understood:
            self.set_feedback("info", "I could not read that answer.", shown + message)
        elif result.details.get("recorded") is True:  # neither right nor wrong until graded
            self.set_feedback("info", "Recorded for grading.", shown + message)
        else:
            kind = "correct" if result.correct else "incorrect"
            self.set_feedback(kind, _TITLES[kind], shown + message)
        self.update_question_controls(self.session.current)
        self.mastery.value = mastery_html(self.session)

    def hint(self) -> None:
        """Show the next hint."""
        try:
            self.session.hint()
        except SessionStateError:
            return
        self.update_question_controls(self.session.current)
        self.hints_box.focus()

    def choose(self, value: str) -> None:
        """Pick an option of the current choice step (validated by the session)."""
        try:
            outcome = self.session.choose(value)
        except SessionStateError:
            self.set_feedback("info", "Please pick one of the options shown.")
            return
        self._moved(outcome)

    def next(self) -> None:
        """Move on to the step the lesson's branching picks."""
        try:
            outcome = self.session.advance()
        except SessionStateError as exc:
            self.set_feedback("info", "You cannot move on yet.", escape(exc))
            return
        self._moved(outcome)

    def back(self) -> None:
        """Return to the previous step, if the lesson allows it."""
        try:
            outcome = self.session.back()
        except SessionStateError:
            return
        self._moved(outcome)

    def restart(self) -> None:
        """Start the lesson again in a fresh session (the old one stays recorded)."""
        if self._new_session is None:
            return
        try:
            session = self._new_session()
            if not session.started:
                session.start()
        except SessionStateError as exc:  # e.g. the lesson does not allow a restart
            self.set_feedback("info", "The lesson cannot be restarted.", escape(exc))
            return
        self.session = session
        self.refresh()
        self.route.value = ""

    def _moved(self, outcome: Any) -> None:
        self.refresh()
        decision = outcome.decision
        adaptive = decision is not None and decision.reason not in (
            "default",
            "back",
            "option",
            "practice",
        )
        self.route.value = (
            "<p class='lk-status' data-reason='adapted'>↪ Chosen for you from your answers "
            "so far.</p>"
            if adaptive and not self.session.finished
            else ""
        )
        self.title_box.focus()


def _focus_box(widget: w.Widget, *classes: str) -> w.Box:
    box = w.Box([widget], layout=w.Layout(display="block"))
    for name in classes:
        box.add_class(name)
    return box


def _echo(response: Any) -> str:
    """What the learner answered, escaped, for the feedback (nothing for code or choices)."""
    if not isinstance(response, str) or "\n" in response or len(response) > 200:
        return ""
    return f"<p class='lk-status'>You answered: <code>{escape(response)}</code></p>"
