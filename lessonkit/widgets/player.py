"""``LessonPlayer``: the learner-facing widget that renders a :class:`LessonSession`.

The player is one widget (an anywidget: plain ES module, no build step). The kernel sends the
page one ``view`` — a JSON description of the screen built by :mod:`lessonkit.widgets.screen`
— and the page sends back one message per learner action: ``{"action": "submit", "value":
...}``, ``{"action": "choose", "value": ...}``, ``next``, ``hint``, ``back``, ``skip``,
``restart`` (with ``confirmed``) and ``takeback``. A value travels *with* its action, on one
widget, so no ordering between widgets (JupyterLab sends widget messages over kernel
subshells) can make the kernel grade something other than what the learner saw.

The player holds no lesson logic: it forwards actions to the session and renders what
``session.current`` says. Every value from the page is validated here first.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..errors import SessionStateError, StorageError
from .codecheck import CodeChecking, CodeCheckingDecision, code_allowed, code_checking_state
from .feedback import box, last_feedback, result_box
from .inputs import AnswerInput, InvalidResponse
from .live import Lease, Watcher, register
from .markdown import escape
from .progress import why_moved
from .screen import build_view
from .styles import stylesheet
from .tokens import step_token

__all__ = ["LessonPlayer", "code_allowed", "code_checking_state"]

_STATIC = Path(__file__).with_name("static")


class LessonPlayer(anywidget.AnyWidget):  # type: ignore[misc]
    """Plays a lesson session: step content, answer input, feedback, hints and progress.

    Parameters
    ----------
    session
        The session to render; started here if it has not started.
    base_dir
        Folder that relative image paths in the lesson are read from.
    code_mode
        ``"namespace"`` (JupyterLab: exercises check names defined in the notebook) or
        ``"editor"`` (Voilà: an in-page code editor, checked in a separate process).
    allow_code
        Whether editor code is checked here; default :func:`code_checking_state`.
    new_session
        Makes a fresh session for Restart (``None`` hides Restart).
    reopen
        Resumes the session from the store again (taking it back from another tab).
    lease
        Coordinates views of the same learner and lesson (see :mod:`lessonkit.widgets.live`).
    lab_url
        Where the lesson opens in JupyterLab (offered when code is not checked here).
    """

    _esm = (_STATIC / "player.js").read_text(encoding="utf-8")
    _css = stylesheet()
    view = traitlets.Dict().tag(sync=True)
    """The screen, as the page draws it (see :mod:`lessonkit.widgets.screen`)."""

    def __init__(
        self,
        session: Any,
        *,
        base_dir: str | os.PathLike[str] | None = None,
        code_mode: str = "editor",
        allow_code: bool | None = None,
        new_session: Callable[[], Any] | None = None,
        reopen: Callable[[], Any] | None = None,
        lease: Lease | None = None,
        lab_url: str | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.base_dir = base_dir
        self.code_mode = code_mode
        self._code_checking = CodeCheckingDecision(allow_code)  # the sandbox probe: on need
        self.lab_url = lab_url
        self._new_session = new_session
        self._reopen = reopen
        self.lease = lease
        self.live = True
        self.input: AnswerInput | None = None
        self._input_token = ""
        self._lock = threading.RLock()
        self._shown_at = time.monotonic()
        self._feedback: dict[str, str] | None = None
        self._why: dict[str, str] = {}
        self._route = ""
        self._notice: dict[str, str] | None = None
        self._focus: str | None = None
        self._last_n = -1
        self._seq = 0
        self._watcher: Watcher | None = None
        self.on_msg(self._on_msg)
        if not session.started:
            session.start()
        if lease is not None:
            register(lease.key, self)
            self._watch()
        self.restore_feedback()
        self.refresh()

    @property
    def code_checking(self) -> CodeChecking:
        """Whether code typed in the page is checked here, and why not."""
        return self._code_checking.get()

    @property
    def allow_code(self) -> bool:
        """Whether editor code is checked here."""
        return self.code_checking.enabled

    # ------------------------------------------------------------------ the page

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if self.code_mode == "editor":  # the page is in use: decide off the learner's path
            self._code_checking.prefetch()
        if isinstance(content, dict):
            self.act(content)

    def act(self, message: dict[str, Any]) -> None:
        """Handle one action from the page (validated; unknown actions are ignored)."""
        action = message.get("action")
        with self._lock:
            if action == "takeback":
                if self.live:  # a second click, or a stale page: nothing to take back
                    self.refresh()
                else:
                    self.take_back()
                return
            if not self.live:
                self.refresh()
                return
            if self.lease is not None and not self.lease.held():
                self.hand_over()
                return
            if action == "restart":
                if message.get("confirmed") is True:
                    self.restart()
                return
            token = message.get("token")
            if token is not None and token != step_token(self.session):
                self._feedback = box("info", "This step changed; here it is again.")
                self.refresh()
                return
            if action == "submit":
                n = message.get("n")
                if isinstance(n, int) and not isinstance(n, bool):
                    if n <= self._last_n:
                        return  # the same submit again (a double Enter)
                    self._last_n = n
                self.check(message.get("value"))
            elif action == "choose":
                self.choose(message.get("value"))
            elif action == "next":
                self.next()
            elif action == "hint":
                self.hint()
            elif action == "back":
                self.back()
            elif action == "skip":
                self.skip()

    def refresh(self) -> None:
        """Send the current screen to the page."""
        with self._lock:
            self._seq += 1
            self.view = build_view(self)
            self._focus = None

    def input_for(self, view: Any, make: Callable[[], AnswerInput]) -> AnswerInput:
        """The current question's input, made once per question on screen."""
        token = step_token(self.session)
        if self.input is None or token != self._input_token:
            self.input = make()
            self._input_token = token
            self._shown_at = time.monotonic()
        return self.input

    def set_feedback(self, kind: str, title: str, message: str = "") -> None:
        """Show feedback (``correct``, ``incorrect`` or ``info``); ``message`` is safe HTML."""
        self._feedback = box(kind, title, message)
        self._focus = "feedback"

    # ------------------------------------------------------------------ learner actions

    def check(self, value: Any = None) -> None:
        """Check ``value``, the answer the page sent with the submit, and show the feedback."""
        with self._lock:
            self._check(value)
            self.refresh()

    def _check(self, value: Any) -> None:
        view = self.session.current
        if view.question is None or not view.can_submit:
            self.set_feedback("info", "This question cannot be answered again.")
            return
        if self.input is None:
            self.set_feedback("info", "There is nothing to check here.")
            return
        try:
            response = self.input.read(value)
        except InvalidResponse as exc:
            self.set_feedback("info", str(exc))
            return
        question = view.question
        try:
            outcome = self.session.submit(response, duration=time.monotonic() - self._shown_at)
        except SessionStateError as exc:
            self.set_feedback("info", "That answer could not be checked.", escape(exc))
            return
        except StorageError as exc:
            self._lost_store(exc)
            return
        self._why = why_moved(self.session, question, outcome)
        self._show_result(outcome.result, self.input.echo(response))

    def _show_result(self, result: Any, echo: str) -> None:
        self._feedback = result_box(result, echo, self.base_dir)
        self._focus = "feedback"

    def hint(self) -> None:
        """Show the next hint."""
        with self._lock:
            try:
                self.session.hint()
            except SessionStateError:
                return
            except StorageError as exc:
                self._lost_store(exc)
            else:
                self._focus = "hints"
            self.refresh()

    def choose(self, value: Any) -> None:
        """Pick an option of the current choice step (validated by the session)."""
        with self._lock:
            if not isinstance(value, str):
                value = ""
            self._do(lambda: self.session.choose(value), "Please pick one of the options shown.")

    def next(self) -> None:
        """Move on to the step the lesson's branching picks."""
        with self._lock:
            self._do(self.session.advance, "You cannot move on yet.")

    def back(self) -> None:
        """Return to the previous step, if the lesson allows it."""
        with self._lock:
            self._do(self.session.back, "")

    def skip(self) -> None:
        """Leave a code exercise that cannot be checked here (recorded as not checked)."""
        with self._lock:
            if not self.view.get("buttons", {}).get("skip"):
                return  # only where the screen offers it (nothing checks it here)
            self._do(lambda: self.session.skip("not checked here"), "")

    def _do(self, action: Callable[[], Any], refused: str) -> None:
        try:
            outcome = action()
        except SessionStateError:
            if refused:
                self.set_feedback("info", refused)
                self.refresh()
            return
        except StorageError as exc:
            self._lost_store(exc)
            self.refresh()
            return
        self._moved(outcome)

    def restart(self) -> None:
        """Start the lesson again in a fresh session (the old one stays recorded)."""
        with self._lock:
            if self._new_session is None:
                return
            try:
                session = self._new_session()
                if not session.started:
                    session.start()
            except SessionStateError as exc:  # the lesson does not allow a restart
                self.set_feedback("info", "The lesson cannot be restarted.", escape(exc))
                self.refresh()
                return
            self.session = session
            self._clear()
            self._focus = "title"
            self.refresh()

    def _moved(self, outcome: Any) -> None:
        self._clear()
        decision = outcome.decision
        fixed = ("default", "back", "option", "practice", "skipped")  # not chosen adaptively
        adaptive = decision is not None and decision.reason not in fixed
        if adaptive and not self.session.finished:
            self._route = "Chosen for you from your answers so far."
        self._focus = "title"
        self.refresh()

    def _clear(self) -> None:
        self._feedback, self._why, self._route, self._notice = None, {}, "", None
        self.input = None

    # ------------------------------------------------------------------ one live view

    def restore_feedback(self) -> None:
        """After a reload: the last answer's feedback, as it was shown live."""
        restored = last_feedback(self.session, self.base_dir, code_mode=self.code_mode)
        self._feedback = restored or self._feedback

    def hand_over(self, *, busy: bool = False) -> None:
        """Another view took the session: stop writing, release the store, say so.

        ``busy`` says the other view holds the session but did not let go of it (a stopped or
        busy kernel): this view shows the recorded session without writing to it.
        """
        with self._lock:
            if not self.live:
                return
            self.live = False
            if self._watcher is not None:
                self._watcher.stop()
            close = getattr(self.session.store, "close", None)
            if self._reopen is not None and callable(close):
                close()  # the new view needs the store's writer lock
            if busy:
                text = (
                    "<strong>This lesson is open in another tab that is not responding.</strong>"
                    " Nothing was lost. Continue here to take it over."
                )
            else:
                text = (
                    "<strong>This lesson continued in another tab.</strong> Your progress is "
                    "kept there."
                )
            notice = {"kind": "away", "html": text}
            if self._reopen is not None:
                if not busy:
                    notice["html"] += " Continue here to take it back."
                notice.update(action="takeback", label="Continue here")
            self._notice = notice
            self.refresh()

    def take_back(self) -> None:
        """Resume the session here from the store, becoming its live view again."""
        with self._lock:
            if self._reopen is None:
                return
            if self.lease is not None:
                self.lease.claim()
                register(self.lease.key, self)
            try:
                session = self._reopen()
            except StorageError as exc:
                self._lost_store(exc)
                self.refresh()
                return
            self.session = session
            self.live = True
            self._clear()
            self.restore_feedback()
            self._focus = "title"
            self._watch()
            self.refresh()

    def _watch(self) -> None:
        if self.lease is None:
            return
        self._watcher = Watcher(self.lease, self, lambda view: view.hand_over())
        self._watcher.start()

    def _lost_store(self, exc: Exception) -> None:
        if self.lease is not None and not self.lease.held():
            self.hand_over()
            return
        self.set_feedback(
            "info", "Your progress could not be saved just now.", f"<p>{escape(exc)}</p>"
        )

    def close(self) -> None:
        """Close the widget and stop watching the lease."""
        if self._watcher is not None:
            self._watcher.stop()
        super().close()
