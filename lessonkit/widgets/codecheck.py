"""Whether code a learner types in the page (Voilà) is checked here, and if not, why.

Code typed into the in-page editor runs on the server. It is checked by default; a server's
operator turns it off with ``lessonkit serve --no-code-checking`` (which sets
``LESSONKIT_CODE_CHECKING=off`` for the kernels). :func:`lessonkit.isolation.isolation_status`
also decides: learner code runs only where it can be confined (or where the operator opted
out of confinement explicitly with ``LESSONKIT_ISOLATION=none``).

When checking is off the learner is not stuck: the player offers to skip the exercise
(recorded as skipped, not checked) and, where a JupyterLab address is known
(``LESSONKIT_LAB_URL``), a link to open the lesson there, where code runs in the learner's own
kernel.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from ..i18n import N_

__all__ = [
    "OPERATOR_SETTING",
    "CodeChecking",
    "CodeCheckingDecision",
    "code_allowed",
    "code_checking_state",
]

OPERATOR_SETTING = "LESSONKIT_CODE_CHECKING"
"""Environment variable a server's operator sets to ``off`` to stop learner code running."""
_OFF = ("0", "off", "false", "no", "disabled")


@dataclass(frozen=True, slots=True)
class CodeChecking:
    """Whether in-page code is checked here."""

    enabled: bool
    """Learner code typed in the page is run and checked."""
    reason: str = ""
    """Why not, for the learner (empty when enabled; English, shown translated)."""
    setting: str = ""
    """The operator's setting that decides it (shown to the learner when checking is off)."""


def code_checking_state(env: Mapping[str, str] = os.environ) -> CodeChecking:
    """Whether code typed in the page is checked on this server, and why not."""
    wanted = str(env.get(OPERATOR_SETTING, "")).strip().lower()
    legacy = str(env.get("LESSONKIT_ALLOW_CODE", "")).strip().lower()
    setting = f"lessonkit serve --no-code-checking ({OPERATOR_SETTING}=off)"
    if wanted in _OFF or (not wanted and legacy in _OFF):
        return CodeChecking(
            False, N_("the server's operator turned code checking off"), setting=setting
        )
    status = _isolation_status()
    if not _available(status):
        why = str(getattr(status, "reason", "") or N_("learner code cannot be confined here"))
        return CodeChecking(False, why, setting=setting)
    return CodeChecking(True, setting=setting)


def code_allowed(env: Mapping[str, str] = os.environ) -> bool:
    """Whether code typed in the page is checked (see :func:`code_checking_state`)."""
    return code_checking_state(env).enabled


class CodeCheckingDecision:
    """:func:`code_checking_state` for one player, decided on first need, not at start-up.

    Deciding runs the sandbox probe (:func:`lessonkit.isolation.isolation_status`: bubblewrap
    and a Python started inside it, 60-120 ms of a kernel's start on a 2-core machine, more
    under load). Most first screens show no code exercise, so the player asks only when one
    is shown, and :meth:`prefetch` decides in the background once the page is in use. The
    operator's setting is read from the environment as it was when the player was made.
    ``allow_code`` (``True``/``False``) overrides the decision, as the player's argument does.
    """

    def __init__(self, allow_code: bool | None = None, env: Mapping[str, str] = os.environ):
        self._allow_code = allow_code
        self._env = dict(env)
        self._state: CodeChecking | None = None
        self._lock = threading.Lock()
        self._prefetching = False

    def get(self) -> CodeChecking:
        """The decision (made now, by this call, if nothing made it yet)."""
        with self._lock:
            if self._state is None:
                state = code_checking_state(self._env)
                if self._allow_code is not None:
                    allowed = self._allow_code
                    state = CodeChecking(allowed, "" if allowed else state.reason, state.setting)
                self._state = state
            return self._state

    def prefetch(self) -> None:
        """Decide in a background thread (once), so a later code exercise need not wait."""
        with self._lock:
            if self._prefetching or self._state is not None:
                return
            self._prefetching = True
        threading.Thread(target=self.get, name="lessonkit-code-checking", daemon=True).start()


def _isolation_status() -> object:
    from ..isolation import isolation_status

    return isolation_status()


def _available(status: object) -> bool:
    return bool(getattr(status, "available", False))
