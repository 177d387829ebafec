"""Questions, code exercises and practice items: prompt, input, Check, hints, feedback."""

from __future__ import annotations

from typing import Any

from ...lesson.model import Exercise, Practice
from ..inputs import make_input
from ..markdown import render_markdown


def render(player: Any, view: Any) -> None:
    """Show the prompt and the input for the current question; buttons follow the view."""
    question = view.question
    step = view.step
    intro = ""
    if isinstance(step, Practice) and step.prompt:
        intro = render_markdown(step.prompt, player.base_dir)
    if question is None:  # nothing to answer (should not happen): treat as content
        player.body.value = intro
        player.show_next("Continue", primary=True)
        return
    player.body.value = intro + render_markdown(question.prompt, player.base_dir)
    code = isinstance(question, Exercise) or question.check.type == "code"
    if code and player.code_mode == "editor" and not player.allow_code:
        player.input = None
        player.answer.children = []
        player.set_feedback(
            "info",
            "Code checking is turned off on this server.",
            "Running learner code is off here unless the lesson's author turns it on "
            "(<code>LESSONKIT_ALLOW_CODE=1</code>). Ask your teacher, or run this lesson in "
            "JupyterLab.",
            focus=False,
        )
    else:
        seed = view.record.variant_seed or 0
        player.input = make_input(
            question,
            code_mode=player.code_mode,
            seed=seed,
            namespace=player.session.namespace,
        )
        player.answer.children = [player.input.widget]
        if view.record.correct or not view.can_submit:
            player.input.set_disabled(True)
    player.update_question_controls(view)
