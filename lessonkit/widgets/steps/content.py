"""Content steps: Markdown to read, then Continue."""

from __future__ import annotations

from typing import Any

from ..markdown import render_markdown


def render(player: Any, view: Any) -> None:
    """Show the body and a Continue button."""
    player.body.value = render_markdown(getattr(view.step, "body", ""), player.base_dir)
    player.show_next("Continue", primary=True)
