"""One renderer per step kind: ``render(player, view)`` fills the player's areas for a step.

Renderers only display what the :class:`~lessonkit.engine.outcomes.StepView` says and wire the
learner's actions to the player's handlers; no lesson logic lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import choice, content, end, question

__all__ = ["RENDERERS", "renderer_for"]

RENDERERS: dict[str, Callable[[Any, Any], None]] = {
    "content": content.render,
    "choice": choice.render,
    "question": question.render,
    "exercise": question.render,
    "practice": question.render,
    "end": end.render,
}
"""Renderers by step ``kind``."""


def renderer_for(kind: str) -> Callable[[Any, Any], None]:
    """The renderer of a step kind (content rendering for unknown kinds)."""
    return RENDERERS.get(kind, content.render)
