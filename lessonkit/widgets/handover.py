"""One live view per learner and lesson, from the player's side: stepping back when another tab
takes the session, taking it back, and saying so (see :mod:`lessonkit.widgets.live`).

:class:`LiveView` is a part of :class:`~lessonkit.widgets.player.LessonPlayer`: its methods
use the player's session, lease, lock and translator.
"""

from __future__ import annotations

from typing import Any

from ..errors import StorageError
from .feedback import last_feedback
from .live import Watcher, register
from .markdown import escape

__all__ = ["LiveView"]


class LiveView:
    """The player's methods for handing the session over and taking it back."""

    session: Any
    lease: Any
    live: bool
    base_dir: Any
    code_mode: str
    t: Any
    _lock: Any
    _reopen: Any
    _watcher: Watcher | None
    _notice: dict[str, str] | None
    _feedback: dict[str, str] | None
    _focus: str | None

    def restore_feedback(self) -> None:
        """After a reload: the last answer's feedback, as it was shown live."""
        restored = last_feedback(self.session, self.base_dir, code_mode=self.code_mode, t=self.t)
        self._feedback = restored or self._feedback

    def hand_over(self, *, busy: bool = False) -> None:
        """Another view took the session: stop writing, release the store, say so.

        ``busy`` says the other view holds the session but did not let go of it (a stopped or
        busy kernel): this view shows the recorded session without writing to it.
        """
        player: Any = self
        _ = self.t.gettext
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
                text = _(
                    "<strong>This lesson is open in another tab that is not responding.</strong>"
                    " Nothing was lost. Continue here to take it over."
                )
            elif self._reopen is not None:
                text = _(
                    "<strong>This lesson continued in another tab.</strong> Your progress is "
                    "kept there. Continue here to take it back."
                )
            else:
                text = _(
                    "<strong>This lesson continued in another tab.</strong> Your progress is "
                    "kept there."
                )
            notice = {"kind": "away", "html": text}
            if self._reopen is not None:
                notice.update(action="takeback", label=_("Continue here"))
            self._notice = notice
            player.refresh()

    def take_back(self) -> None:
        """Resume the session here from the store, becoming its live view again."""
        player: Any = self
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
                player.refresh()
                return
            player.adopt(session)
            self.live = True
            player._clear()
            self.restore_feedback()
            self._focus = "title"
            self._watch()
            player.refresh()

    def _watch(self) -> None:
        if self.lease is None:
            return
        self._watcher = Watcher(self.lease, self, lambda view: view.hand_over())
        self._watcher.start()

    def _lost_store(self, exc: Exception) -> None:
        player: Any = self
        if self.lease is not None and not self.lease.held():
            self.hand_over()
            return
        player.set_feedback(
            "info",
            self.t.gettext("Your progress could not be saved just now."),
            f"<p>{escape(exc)}</p>",
        )

    def close(self) -> None:
        """Close the widget and stop watching the lease."""
        if self._watcher is not None:
            self._watcher.stop()
        super().close()  # type: ignore[misc]
