"""One renderer per step kind: ``render(player, view, screen)`` fills the screen for a step.

Renderers only display what the :class:`~lessonkit.engine.outcomes.StepView` says (into the
``screen`` dict described in :mod:`lessonkit.widgets.screen`); no lesson logic lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import choice, content, end, question

__all__ = ["RENDERERS", "renderer_for"]

Renderer = Callable[[Any, Any, dict[str, Any]], None]

RENDERERS: dict[str, Renderer] = {
    "content": content.render,
    "choice": choice.render,
    "question": question.render,
    "exercise": question.render,
    "practice": question.render,
    "end": end.render,
}
"""Renderers by step ``kind``."""


def renderer_for(kind: str) -> Renderer:
    """The renderer of a step kind (content rendering for unknown kinds)."""
    return RENDERERS.get(kind, content.render)
