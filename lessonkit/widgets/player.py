"""``LessonPlayer``: the learner-facing widget that renders a :class:`LessonSession`.

The player is one widget (an anywidget: plain ES module, no build step). The kernel sends the
page one ``view`` — a JSON description of the screen built by :mod:`lessonkit.widgets.screen`
— and the page sends back one message per learner action: ``{"action": "submit", "value":
...}``, ``{"action": "choose", "value": ...}``, ``next``, ``hint``, ``back``, ``skip``,
``restart`` (with ``confirmed``), ``takeback`` and ``language`` (with ``value``). A value
travels *with* its action, on one widget, so no ordering between widgets (JupyterLab sends
widget messages over kernel subshells) can make the kernel grade something other than what the
learner saw.

The player holds no lesson logic: it forwards actions to the session and renders what
``session.current`` says. Every value from the page is validated here first. Every word it
shows is in the learner's language (:mod:`lessonkit.widgets.language`).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..errors import SessionStateError, StorageError
from ..i18n import translator
from .codecheck import CodeChecking, CodeCheckingDecision, code_allowed, code_checking_state
from .feedback import box, news_notice, result_box
from .handover import LiveView
from .inputs import AnswerInput, InvalidResponse
from .live import Lease, Watcher, register
from .player_language import PlayerLanguage
from .progress import why_moved
from .reply import send_learner_reply
from .screen import build_view, waiting_view
from .tokens import step_token

__all__ = ["LessonPlayer", "code_allowed", "code_checking_state"]

_STATIC = Path(__file__).with_name("static")
_VIEW = "application/vnd.jupyter.widget-view+json"
PLAYER_MIME = "application/vnd.lessonkit.player+json"
"""The output type marking a lesson player (beside its widget view)."""


class LessonPlayer(PlayerLanguage, LiveView, anywidget.AnyWidget):  # type: ignore[misc]
    """Plays a lesson session: step content, answer input, feedback, hints and progress.

    Parameters
    ----------
    session
        The session to render; started here if it has not started. ``None`` makes a player
        that waits for one (see :meth:`bind`).
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
    language
        The language to show (a BCP 47 tag); by default the learner's profile, the page's
        ``?lang=``, ``LESSONKIT_LANGUAGE``, JupyterLab's, the browser's, else the lesson's.
    """

    # Minified static/player.js and styles.stylesheet() (see tests/widgets/test_minified.py)
    _esm = (_STATIC / "player.min.js").read_text(encoding="utf-8")
    _css = (_STATIC / "player.min.css").read_text(encoding="utf-8")
    view = traitlets.Dict().tag(sync=True)
    """The screen, as the page draws it (see :mod:`lessonkit.widgets.screen`)."""
    i18n = traitlets.Dict().tag(sync=True)
    """The language: tag, direction, the page's messages, the languages to pick from."""

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
        language: str | None = None,
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
        self.language_source = "explicit" if language else ""
        self.language: str | None = language or getattr(session, "language", None)
        """The learner's language: lessonkit's words, the lesson's translation and the numbers
        the session reads are all in it (one choice; the page's words use :attr:`t`)."""
        self.t = translator(self.language)
        if session is None:  # a preheated page: the learner's session comes with the request
            self.view = waiting_view(self.t.gettext("Loading the lesson…"))
        else:
            self._attach(session)

    def _attach(self, session: Any, page: Mapping[str, str] | None = None) -> None:
        # A session made in a language keeps it; else the player chooses, from the page's
        # request (``page``: a preheated kernel's environment knows nothing of it) and more.
        self.adopt(session, choose=not self.language, page=page)
        if not session.started:
            session.start()
        if self.lease is not None:
            register(self.lease.key, self)
            self._watch()
        self.restore_feedback()
        self._notice = news_notice(session, self.t)  # a teacher's grades since the last visit
        self.refresh()

    def bind(
        self,
        session: Any,
        *,
        new_session: Callable[[], Any] | None = None,
        reopen: Callable[[], Any] | None = None,
        lease: Lease | None = None,
        page: Mapping[str, str] | None = None,
    ) -> None:
        """Give a player made without a session (a preheated page) its learner's session, once
        the page's request says who the learner is (``page``: the environment with the
        request's query and ``Accept-Language``, for the language). A player is bound once."""
        with self._lock:
            if self.session is not None:
                raise SessionStateError("this player already shows a learner's session")
            self._new_session, self._reopen, self.lease = new_session, reopen, lease
            self._attach(session, page)

    def unbound(self, message: str) -> None:
        """Say, instead of a session, why this page has none (``message`` is text)."""
        with self._lock:
            if self.session is None:
                self.view = waiting_view(message, kind="error")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)  # anywidget's: (data, metadata)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if isinstance(data, dict) and _VIEW in data:
            # lessonkit's Voilà page draws a marked player itself, before Voilà's front end
            # has booted (extensions/voila/templates/lessonkit/static/lessonkit-page.js).
            data[PLAYER_MIME] = {"version": 1}
        return bundle

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
            if self.session is None:  # nothing to act on before the learner's session is bound
                return
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
            if action == "language":
                self.set_language(message.get("value"))
                return
            token = message.get("token")
            if token is not None and token != step_token(self.session):
                self._feedback = box("info", self.t.gettext("This step changed; here it is again."))
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
            elif action == "reply":
                send_learner_reply(self, message.get("value"))
                self.refresh()

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
        _ = self.t.gettext
        view = self.session.current
        if view.question is None or not view.can_submit:
            self.set_feedback("info", _("This question cannot be answered again."))
            return
        if self.input is None:
            self.set_feedback("info", _("There is nothing to check here."))
            return
        try:
            response = self.input.read(value)
        except InvalidResponse as exc:
            self.set_feedback("info", str(exc))
            return
        question = view.question
        try:
            outcome = self.session.submit(response, duration=time.monotonic() - self._shown_at)
        except SessionStateError:
            self.set_feedback("info", _("That answer could not be checked."))
            return
        except StorageError as exc:
            self._lost_store(exc)
            return
        self._why = why_moved(self.session, question, outcome, self.t)
        self._feedback = result_box(
            outcome.result, self.input.echo(response), self.base_dir, self.t
        )
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
            refused = self.t.gettext("Please pick one of the options shown.")
            self._do(lambda: self.session.choose(value), refused)

    def next(self) -> None:
        """Move on to the step the lesson's branching picks."""
        with self._lock:
            self._do(self.session.advance, self.t.gettext("You cannot move on yet."))

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
                session.use_language(self.language)  # before its started event records it
                if not session.started:
                    session.start()
            except SessionStateError:  # the lesson does not allow a restart
                self.set_feedback("info", self.t.gettext("The lesson cannot be restarted."))
                self.refresh()
                return
            chosen = self.session.profile.get("language")
            self.adopt(session)
            if chosen and not session.profile.get("language"):  # the learner's choice carries on
                with contextlib.suppress(StorageError):  # pending: the next action writes it
                    session.prefer("language", chosen)
            self._clear()
            self._focus = "title"
            self.refresh()

    def _moved(self, outcome: Any) -> None:
        self._clear()
        decision = outcome.decision
        fixed = ("default", "back", "option", "practice", "skipped")  # not chosen adaptively
        adaptive = decision is not None and decision.reason not in fixed
        if adaptive and not self.session.finished:
            self._route = self.t.gettext("Chosen for you from your answers so far.")
        self._focus = "title"
        self.refresh()

    def _clear(self) -> None:
        self._feedback, self._why, self._route, self._notice = None, {}, "", None
        self.input = None
