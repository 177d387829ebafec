"""Questions, code exercises and practice items: prompt, input, Check, hints, feedback."""

from __future__ import annotations

from typing import Any

from ...i18n import N_
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
        screen["buttons"]["next"] = {"label": player.t.gettext("Continue"), "primary": True}
        return
    screen["body"] = intro + render_markdown(question.prompt, player.base_dir)
    code = isinstance(question, Exercise) or question.check.type == "code"
    if code and player.code_mode == "editor" and not player.allow_code:
        player.input = None
        _not_here(player, view, screen, _code_off_text(player))
    elif question.check.type == "frame" and player.session.namespace is None:
        player.input = None
        _not_here(player, view, screen, player.t.gettext(_FRAME_TEXT))
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
                t=player.t,
            ),
        )
        spec = answer.spec()
        spec["disabled"] = bool(view.record.correct or not view.can_submit)
        spec["value"] = _last_value(player.session, question.id, answer)
        spec["draft"] = draft_key(player.session)
        screen["input"] = spec
    question_controls(player, view, screen)


_FRAME_TEXT = N_(
    "<strong>This question is answered in a notebook</strong>: it checks a DataFrame you "
    "make in a code cell, and this page has none."
)


def _code_off_text(player: Any) -> str:
    _ = player.t.gettext
    state = player.code_checking
    why = escape(_(state.reason) if state.reason else _("code checking is off on this server"))
    return _(
        "<strong>Code is not checked on this server</strong> ({why}; the operator's setting "
        "is {setting})."
    ).format(why=why, setting=f"<code dir='ltr'>{escape(state.setting)}</code>")


def _not_here(player: Any, view: Any, screen: dict[str, Any], why: str) -> None:
    """A question this page cannot check: say why and offer a way on (skip, JupyterLab)."""
    _ = player.t.gettext
    text = (
        why
        + " "
        + _(
            "You can read the question and try it on your own, then skip it — it is recorded as "
            "not checked."
        )
    )
    if player.lab_url:
        link = _("<a href='{url}'>Open this lesson in JupyterLab</a> instead.")
        text += " " + link.format(url=escape(player.lab_url))
    screen["notice"] = screen["notice"] or {"kind": "info", "html": text}
    if view.step.next is not None and not view.record.correct:
        screen["buttons"]["skip"] = _("Skip — not checked here")
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
    t = player.t
    question, rec = view.question, view.record
    buttons = screen["buttons"]
    buttons["check"] = screen["input"] is not None and bool(view.can_submit)
    total = len(question.hints)
    if view.hints_left > 0 and not rec.correct:
        hint = t.gettext("Hint {n} of {total}")
        buttons["hint"] = hint.format(n=t.number(rec.hints_used + 1), total=t.number(total))
    if view.can_advance:
        done = rec.correct or view.attempts_left == 0
        label = t.gettext("Continue") if done else t.gettext("Move on")
        buttons["next"] = {"label": label, "primary": bool(done)}
    parts = []
    if view.practice_progress is not None:
        given, most = view.practice_progress
        practice = t.gettext("Practice question {n} (at most {most})")
        parts.append(practice.format(n=t.number(given), most=t.number(most)))
    if view.attempts_left is not None and not rec.correct:
        n = view.attempts_left
        left = t.ngettext("{n} attempt left", "{n} attempts left", n)
        parts.append(left.format(n=t.number(n)))
    if rec.hints_used and total:
        used = t.ngettext("{n} of {total} hint used", "{n} of {total} hints used", total)
        parts.append(used.format(n=t.number(rec.hints_used), total=t.number(total)))
    screen["status"] = " · ".join(parts)
    if view.hints:
        screen["hints"] = "".join(
            f"<li>{render_markdown(h, player.base_dir, inline=True)}</li>" for h in view.hints
        )
    if view.solution:
        screen["solution"] = render_markdown(view.solution, player.base_dir)
