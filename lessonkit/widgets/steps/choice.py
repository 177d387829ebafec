"""Choice steps: the learner picks an option (a goal, an interest); nothing is graded."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..inputs import plain
from ..markdown import render_markdown


def render(player: Any, view: Any) -> None:
    """Show the prompt and one clear button per option."""
    step = view.step
    player.body.value = render_markdown(step.prompt, player.base_dir)
    picked = player.session.choices.get(step.id)
    buttons = []
    for option in step.options:
        label = plain(option.label or option.value)
        button = w.Button(
            description=label,
            tooltip=label,
            button_style="info" if option.value == picked else "",
            layout=w.Layout(width="100%"),
        )
        button.add_class("lk-option")
        button.on_click(lambda _, value=option.value: player.choose(value))
        buttons.append(button)
    player.options.children = buttons
    player.options.layout.display = "flex"
