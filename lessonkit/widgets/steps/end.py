"""End steps: the closing text and a summary of score and mastery, then what to do next."""

from __future__ import annotations

from typing import Any

from ..markdown import render_markdown
from ..progress import summary_html


def render(player: Any, view: Any, screen: dict[str, Any]) -> None:
    """Show the summary (or just the closing text); Restart follows the lesson's settings."""
    step = view.step
    body = render_markdown(step.body, player.base_dir) if step.body else ""
    if step.show_summary:
        screen["summary"] = summary_html(player.session, body, player.t)
    else:
        screen["body"] = body
    screen["mastery"] = ""
