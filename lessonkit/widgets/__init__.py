"""The learner UI: ipywidgets that render a lesson session (the only place ipywidgets is used).

Layer: a thin view over ``engine``; it may import every core layer, never ``integrations``.

>>> import lessonkit
>>> lessonkit.show("loops.lesson.yaml")  # doctest: +SKIP

- :func:`show` — a player for a lesson file or :class:`~lessonkit.Lesson`, resuming the
  learner's latest session from the evidence store;
- :class:`LessonPlayer` — the player widget around a :class:`~lessonkit.LessonSession`;
- :class:`ProgressPanel` — the learner's own progress across lessons, from the store.
"""

from __future__ import annotations

from .launch import open_session, show
from .panel import ProgressPanel, progress_summary
from .player import LessonPlayer, code_allowed

__all__ = [
    "LessonPlayer",
    "ProgressPanel",
    "code_allowed",
    "open_session",
    "progress_summary",
    "show",
]
