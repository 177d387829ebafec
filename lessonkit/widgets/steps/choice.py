"""Choice steps: the learner picks an option (a goal, an interest); nothing is graded."""

from __future__ import annotations

from typing import Any

from ..markdown import render_markdown


def render(player: Any, view: Any, screen: dict[str, Any]) -> None:
    """Show the prompt and one clear button per option (labels as the author wrote them)."""
    step = view.step
    screen["body"] = render_markdown(step.prompt, player.base_dir)
    picked = player.session.choices.get(step.id)
    screen["options"] = [
        {
            "value": option.value,
            "html": render_markdown(option.label or option.value, player.base_dir, inline=True),
            "picked": option.value == picked,
        }
        for option in step.options
    ]
