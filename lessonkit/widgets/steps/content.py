"""Content steps: Markdown to read, then Continue."""

from __future__ import annotations

from typing import Any

from ..markdown import render_markdown


def render(player: Any, view: Any, screen: dict[str, Any]) -> None:
    """Show the body and a Continue button."""
    screen["body"] = render_markdown(getattr(view.step, "body", ""), player.base_dir)
    if view.can_advance:
        screen["buttons"]["next"] = {"label": player.t.gettext("Continue"), "primary": True}
