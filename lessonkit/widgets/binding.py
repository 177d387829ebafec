"""Which request a lesson page answers: the learner (and what else the request says), bound at
request time.

A Voilà page either starts its kernel for the request (the request's details are in the
kernel's environment from the start) or takes a *preheated* kernel from a pool: one that ran
the notebook before anyone asked for it (``VOILA_PREHEAT=True``). A preheated kernel must not
know, while it waits, whom it will serve: ``lessonkit.show()`` builds the lesson and its player
then, and binds the learner only once Voilà hands the kernel a request (:func:`when_requested`).

How the request reaches the kernel: Voilà sends a pooled kernel, over its
``/voila/query/<kernel id>`` websocket, the request's details as environment variables —
``QUERY_STRING`` and the HTTP headers named in ``VoilaConfiguration.http_header_envs`` as
``HTTP_<NAME>``. lessonkit's Voilà identity provider (see
:mod:`lessonkit.integrations.voila_preheat`) puts the learner's anonymous id, from the
``lessonkit_learner`` cookie, in the :data:`LEARNER_HEADER` header of the page request, after
dropping any such header the browser sent. A kernel started for the request gets the same
variables in its environment.

With ``LESSONKIT_PAGE_LEARNER=request`` (``lessonkit serve`` sets it) a page's learner comes
from the server (``LESSONKIT_LEARNER``, ``JUPYTERHUB_USER``) or from its request, and from
nowhere else: a request that names no valid learner gets no session (the page says so), never
the machine's persisted anonymous id, which every visitor would share.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from ..evidence.events import LearnerRef
from ..evidence.identity import ANONYMOUS_HOME_PAGE, resolve_learner

__all__ = [
    "LEARNER_HEADER",
    "PAGE_LEARNER_VAR",
    "PageRequest",
    "page_request",
    "request_pending",
    "when_requested",
]

LEARNER_HEADER = "X-Lessonkit-Learner"
"""The page request's header naming its anonymous learner (set by the server, never trusted
from the browser: the identity provider replaces it)."""
PAGE_LEARNER_VAR = "LESSONKIT_PAGE_LEARNER"
"""``request``: a page's learner comes from the server's environment or its request only."""
_HEADER_VAR = "HTTP_" + LEARNER_HEADER.upper().replace("-", "_")
_WAIT_OPEN = 10.0
"""Seconds to connect to Voilà's request websocket (it is on the same machine)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PageRequest:
    """What a page's request says, once it is bound to the kernel."""

    learner: LearnerRef | None
    """The learner, or ``None`` when the request names none (the page then shows no session)."""
    query: str = ""
    """The request's query string (``theme=dark&...``)."""
    accept_language: str = ""
    """The request's ``Accept-Language`` header (for the page's language)."""

    @property
    def params(self) -> dict[str, list[str]]:
        """The query string's parameters."""
        return parse_qs(self.query, keep_blank_values=True)


def _anonymous(value: str) -> str | None:
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None


def page_request(env: Mapping[str, str] = os.environ) -> PageRequest:
    """The bound request as the kernel's environment describes it (see the module docstring)."""
    learner: LearnerRef | None
    if env.get("LESSONKIT_LEARNER") or env.get("JUPYTERHUB_USER"):
        learner = resolve_learner(env=env)
    elif (anonymous := _anonymous(env.get(_HEADER_VAR, ""))) is not None:
        learner = LearnerRef(id=anonymous, home_page=ANONYMOUS_HOME_PAGE)
    elif env.get(PAGE_LEARNER_VAR) == "request":
        learner = None
    else:
        learner = resolve_learner(env=env)
    return PageRequest(
        learner=learner,
        query=env.get("QUERY_STRING", ""),
        accept_language=env.get("HTTP_ACCEPT_LANGUAGE", ""),
    )


class _Request:
    """The one wait for this kernel's request (Voilà answers one waiter per kernel)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = False
        self.error: str | None = None
        self.waiting: list[Callable[[PageRequest | None, str | None], None]] = []
        self.thread: threading.Thread | None = None

    def add(self, callback: Callable[[PageRequest | None, str | None], None]) -> bool:
        """Queue ``callback``; ``False`` if the request is already bound (call it now)."""
        with self.lock:
            if self.done:
                return False
            self.waiting.append(callback)
            if self.thread is None:
                self.thread = threading.Thread(target=self._wait, name="lessonkit-request")
                self.thread.daemon = True
                self.thread.start()
            return True

    def _wait(self) -> None:
        error = None
        try:
            _receive_request()
        except Exception as exc:  # a page that cannot be bound says so; nothing is guessed
            error = f"{type(exc).__name__}: {exc}"
        with self.lock:
            self.done, self.error = True, error
            waiting, self.waiting = self.waiting, []
        for callback in waiting:
            _on_kernel_thread(callback, error)


_REQUEST = _Request()


def request_pending(env: Mapping[str, str] = os.environ) -> bool:
    """Whether this is a preheated Voilà kernel that has not been handed its request yet."""
    return env.get("VOILA_PREHEAT") == "True" and not _REQUEST.done


def _receive_request() -> None:
    """Wait for Voilà to hand this kernel a request; put its details in ``os.environ``.

    This is what ``voila.utils.wait_for_request`` does, with its address (the same variables)
    but failures raised instead of ignored. Afterwards ``VOILA_PREHEAT`` is ``False``, so
    Voilà's own helpers (``get_query_string``) read the bound request from the environment
    instead of waiting for a second one that never comes.
    """
    from websockets.sync.client import connect

    env = os.environ
    kernel_id = env.get("VOILA_KERNEL_ID")
    if not kernel_id:
        raise RuntimeError("Voilà did not say which kernel this is (no VOILA_KERNEL_ID)")
    base = env.get("VOILA_WS_BASE_URL") or env.get("VOILA_SERVER_URL") or "/"
    host = env.get("VOILA_APP_IP") or "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    url = (
        f"{env.get('VOILA_WS_PROTOCOL', 'ws')}://{host}:{env.get('VOILA_APP_PORT', '8866')}"
        f"{base}voila/query/{kernel_id}"
    )
    with connect(url, open_timeout=_WAIT_OPEN, max_size=2**20) as socket:
        payload = json.loads(socket.recv())
    if not isinstance(payload, dict):
        raise RuntimeError("Voilà sent a request description that is not an object")
    for key, value in payload.items():
        if isinstance(key, str) and isinstance(value, str):
            env[key] = value
    env["VOILA_PREHEAT"] = "False"


def _on_kernel_thread(callback: Callable[..., None], *args: Any) -> None:
    """Run ``callback`` on the kernel's main thread, between two messages it handles, so the
    page never reads a widget halfway through being bound; directly outside a kernel."""
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
        loop = getattr(kernel, "io_loop", None)
    except ImportError:  # pragma: no cover - IPython ships with ipywidgets
        loop = None
    if loop is None:
        callback(*_bound(*args))
    else:
        loop.add_callback(lambda: callback(*_bound(*args)))


def _bound(error: str | None) -> tuple[PageRequest | None, str | None]:
    return (None, error) if error is not None else (page_request(), None)


def when_requested(callback: Callable[[PageRequest | None, str | None], None]) -> None:
    """Call ``callback(request, error)`` once this kernel is handed its request.

    In a preheated kernel that is still waiting, the call comes later, on the kernel's main
    thread; otherwise (a kernel started for its request, or one already bound) it comes now.
    ``request`` is ``None`` and ``error`` says why when the request could not be received.
    """
    if os.environ.get("VOILA_PREHEAT") == "True" and _REQUEST.add(callback):
        return
    callback(*_bound(_REQUEST.error))
