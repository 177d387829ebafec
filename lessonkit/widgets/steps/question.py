"""Questions, code exercises and practice items: prompt, input, Check, hints, feedback."""

from __future__ import annotations

from typing import Any

from ...lesson.model import Exercise, Practice
from ..inputs import Ordering, make_input
from ..markdown import escape, render_markdown
from ..tokens import draft_key


def render(player: Any, view: Any, screen: dict[str, Any]) -> None:
    """Show the prompt and the input for the current question; buttons follow the view."""
    question = view.question
    step = view.step
    intro = ""
    if isinstance(step, Practice) and step.prompt:
        intro = render_markdown(step.prompt, player.base_dir)
    if question is None:  # nothing to answer (should not happen): treat as content
        screen["body"] = intro
        screen["buttons"]["next"] = {"label": "Continue", "primary": True}
        return
    screen["body"] = intro + render_markdown(question.prompt, player.base_dir)
    code = isinstance(question, Exercise) or question.check.type == "code"
    if code and player.code_mode == "editor" and not player.allow_code:
        player.input = None
        _not_here(player, view, screen, _code_off_text(player))
    elif question.check.type == "frame" and player.session.namespace is None:
        player.input = None
        _not_here(player, view, screen, _FRAME_TEXT)
    else:
        seed = view.record.variant_seed or 0
        answer = player.input_for(
            view,
            lambda: make_input(
                question,
                code_mode=player.code_mode,
                seed=seed,
                namespace=player.session.namespace,
                base_dir=player.base_dir,
            ),
        )
        spec = answer.spec()
        spec["disabled"] = bool(view.record.correct or not view.can_submit)
        spec["value"] = _last_value(player.session, question.id, answer)
        spec["draft"] = draft_key(player.session)
        screen["input"] = spec
    question_controls(player, view, screen)


_FRAME_TEXT = (
    "<strong>This question is answered in a notebook</strong>: it checks a DataFrame you "
    "make in a code cell, and this page has none."
)


def _code_off_text(player: Any) -> str:
    state = player.code_checking
    why = escape(state.reason or "code checking is off on this server")
    return (
        f"<strong>Code is not checked on this server</strong> ({why}; the operator's "
        f"setting is <code>{escape(state.setting)}</code>)."
    )


def _not_here(player: Any, view: Any, screen: dict[str, Any], why: str) -> None:
    """A question this page cannot check: say why and offer a way on (skip, JupyterLab)."""
    lab = (
        f" Or <a href='{escape(player.lab_url)}'>open this lesson in JupyterLab</a>."
        if player.lab_url
        else ""
    )
    screen["notice"] = screen["notice"] or {
        "kind": "info",
        "html": f"{why} You can read the question and try it on your own, then skip it — it "
        f"is recorded as not checked.{lab}",
    }
    if view.step.next is not None and not view.record.correct:
        screen["buttons"]["skip"] = "Skip — not checked here"
    if player.lab_url:
        screen["buttons"]["lab"] = player.lab_url


def _last_value(session: Any, question_id: str, answer: Any) -> Any:
    """The last answer sent to this question, as its input shows it (or ``None``)."""
    for event in reversed(session.events):
        if event.kind == "experienced":
            return None
        if event.kind == "answered" and event.step_id == question_id:
            raw = event.data.get("raw")
            if isinstance(answer, Ordering):
                if isinstance(raw, list) and sorted(map(str, raw)) == sorted(answer.items):
                    return [answer.items.index(str(item)) for item in raw]
                return None
            if isinstance(raw, (str, list)):
                return raw
            return str(event.data.get("response") or "") or None
    return None


def question_controls(player: Any, view: Any, screen: dict[str, Any]) -> None:
    """Buttons, attempts, hints and solution for the current question."""
    question, rec = view.question, view.record
    buttons = screen["buttons"]
    buttons["check"] = screen["input"] is not None and bool(view.can_submit)
    total = len(question.hints)
    if view.hints_left > 0 and not rec.correct:
        buttons["hint"] = f"Hint {rec.hints_used + 1} of {total}"
    if view.can_advance:
        done = rec.correct or view.attempts_left == 0
        buttons["next"] = {"label": "Continue" if done else "Move on", "primary": bool(done)}
    parts = []
    if view.practice_progress is not None:
        given, most = view.practice_progress
        parts.append(f"Practice question {given} (at most {most})")
    if view.attempts_left is not None and not rec.correct:
        n = view.attempts_left
        parts.append(f"{n} attempt{'s' if n != 1 else ''} left")
    if rec.hints_used and total:
        parts.append(f"{rec.hints_used} of {total} hints used")
    screen["status"] = " · ".join(parts)
    if view.hints:
        screen["hints"] = "".join(
            f"<li>{render_markdown(h, player.base_dir, inline=True)}</li>" for h in view.hints
        )
    if view.solution:
        screen["solution"] = render_markdown(view.solution, player.base_dir)
