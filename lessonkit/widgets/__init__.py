"""The learner UI: ipywidgets that render a lesson session (the only place ipywidgets is used).

Layer: a thin view over ``engine``; it may import every core layer, never ``integrations``.

>>> import lessonkit
>>> lessonkit.show("loops.lesson.yaml")  # doctest: +SKIP

- :func:`show` — a player for a lesson file or :class:`~lessonkit.Lesson`, resuming the
  learner's latest session from the evidence store;
- :class:`LessonPlayer` — the player widget around a :class:`~lessonkit.LessonSession`
  (one anywidget: each learner action reaches the kernel as one message with its value);
- :func:`code_checking_state` — whether code typed in the page is checked here, and why not;
- :class:`ProgressPanel` — the learner's own progress across lessons, from the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .codecheck import code_allowed, code_checking_state
from .launch import open_session, show
from .player import LessonPlayer

if TYPE_CHECKING:
    from .panel import ProgressPanel, progress_summary


def __getattr__(name: str) -> Any:
    # The progress panel is imported when first asked for: showing a lesson (every Voilà page
    # load) does not need it.
    if name in ("ProgressPanel", "progress_summary"):
        from . import panel

        return getattr(panel, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "LessonPlayer",
    "ProgressPanel",
    "code_allowed",
    "code_checking_state",
    "open_session",
    "progress_summary",
    "show",
]
