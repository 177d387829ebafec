"""The screen the page draws: one JSON ``view`` built from the session and the player's state.

Keys (every HTML value is made safe here, in the kernel):

=============  ==============================================================================
``token``      identifies the step on screen; actions carry it back (stale ones are refused)
``seq``        increases with every update
``header``     lesson title, position and track (HTML)
``title``      the step's title (text)
``route``      why the path adapted (text, may be empty)
``body``       the step's text (HTML, with math for the page's typesetter)
``options``    a choice step's options: ``[{value, html, picked}]``
``input``      the answer input (see :mod:`lessonkit.widgets.inputs`) plus ``disabled``,
               ``value`` (the last answer) and ``draft`` (key under which the page keeps the
               learner's unsent text across a reload)
``buttons``    ``check`` (bool), ``hint`` (label or null), ``next`` ({label, primary} or
               null), ``back``, ``restart`` (bool), ``skip`` (label or null), ``lab`` (URL)
``status``     attempts and hints left (text)
``feedback``   ``{kind, title, html}`` or null
``hints``      the hints shown so far (HTML list items)
``solution``   the worked solution (HTML)
``summary``    the end summary (HTML)
``mastery``    mastery bars (HTML)
``notice``     a banner: ``{kind, html, action, label}`` or null
``focus``      where focus goes after this update: ``title``, ``feedback``, ``hints``,
               ``language`` or null
``live``       false while another tab holds the session
=============  ==============================================================================
"""

from __future__ import annotations

from typing import Any

from .progress import mastery_html, position_html
from .reply import reply_form
from .steps import renderer_for
from .tokens import step_token

__all__ = ["build_view", "waiting_view"]


def build_view(player: Any) -> dict[str, Any]:
    """The whole screen for the player's current state."""
    session = player.session
    view = session.current
    step = view.step
    screen: dict[str, Any] = {
        "token": step_token(session),
        "seq": player._seq,
        "header": position_html(session, player.t),
        "title": step.title or (view.question.title if view.question else ""),
        "route": player._route,
        "body": "",
        "options": [],
        "input": None,
        "buttons": {
            "check": False,
            "hint": None,
            "next": None,
            "back": bool(view.can_go_back),
            "restart": False,
            "skip": None,
            "lab": None,
        },
        "status": "",
        "feedback": player._feedback,
        "hints": "",
        "solution": "",
        "summary": "",
        "mastery": mastery_html(session, player._why, player.t),
        "notice": player._notice,
        "reply": reply_form(player),
        "focus": player._focus,
        "live": bool(player.live),
    }
    renderer_for(step.kind)(player, view, screen)
    allowed = player._new_session is not None and session.lesson.settings.allow_restart
    screen["buttons"]["restart"] = allowed and (session.finished or view.position > 1)
    if not player.live:
        buttons = screen["buttons"]
        for name in ("check", "back", "restart"):
            buttons[name] = False
        buttons["hint"] = buttons["next"] = buttons["skip"] = None
        screen["options"] = []
        if screen["input"] is not None:
            screen["input"]["disabled"] = True
    return screen


def waiting_view(message: str, *, kind: str = "info") -> dict[str, Any]:
    """The screen of a player that has no session yet (a preheated page before its request),
    or will have none (``kind="error"``): ``message`` in a banner, nothing to act on."""
    from .markdown import escape

    return {
        "token": "",
        "seq": 0,
        "notice": {"kind": kind, "html": f"<strong>{escape(message)}</strong>"},
        "buttons": {},
        "live": False,
        "waiting": True,
    }
