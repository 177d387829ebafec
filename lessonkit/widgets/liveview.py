"""The player's side of "one learner, one live view" (see :mod:`lessonkit.widgets.live`): the
view that lost the session to another tab stops writing and says so; it can take it back.

A mixin of :class:`~lessonkit.widgets.player.LessonPlayer`, kept apart so the player module
stays about the page and the learner's actions.
"""

from __future__ import annotations

from typing import Any

from ..errors import StorageError
from .feedback import last_feedback
from .live import Watcher, register
from .markdown import escape

__all__ = ["LiveView"]


class LiveView:
    """Handing the session over to another view and taking it back (player methods; they
    use the player's ``refresh``, ``_clear`` and ``set_feedback``)."""

    _lock: Any
    _watcher: Watcher | None
    _reopen: Any
    _feedback: Any
    _notice: Any
    _focus: str | None
    session: Any
    lease: Any
    live: bool
    base_dir: Any
    code_mode: str

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
