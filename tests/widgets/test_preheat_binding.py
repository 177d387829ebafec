"""A preheated page's learner is bound at request time, from the request, and from nothing else.

``show()`` in a preheated Voilà kernel (``VOILA_PREHEAT=True``) loads the lesson and makes the
player before any request; the request's details arrive over Voilà's request websocket — here
Voilà's own ``RequestInfoSocketHandler`` in a tornado server on a free port, driven the way
Voilà's page handler drives it (``send_updates``).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lessonkit.evidence.identity import ANONYMOUS_HOME_PAGE
from lessonkit.widgets import binding, show
from lessonkit.widgets.binding import PageRequest, page_request
from lessonkit.widgets.launch import UNBOUND

from .conftest import LOOPS, send, step_id

ADA = "0b7f6a52-93a4-4b6e-9d43-6c1d1f1b6a10"
HEADER = "HTTP_X_LESSONKIT_LEARNER"


def test_the_learner_comes_from_the_server_or_the_request_only() -> None:
    strict = {"LESSONKIT_PAGE_LEARNER": "request"}
    assert page_request({**strict, HEADER: ADA}).learner.id == ADA  # type: ignore[union-attr]
    assert page_request({**strict, HEADER: ADA}).learner.home_page == ANONYMOUS_HOME_PAGE  # type: ignore[union-attr]
    # The server names the learner: a request cannot change that.
    assert page_request({**strict, "JUPYTERHUB_USER": "ada", HEADER: ADA}).learner.id == "ada"  # type: ignore[union-attr]
    assert page_request({**strict, "LESSONKIT_LEARNER": "grace"}).learner.id == "grace"  # type: ignore[union-attr]
    # Nothing valid in the request: no learner at all, never the machine's own anonymous id.
    for header in ("", "grace", f"{ADA}'; import os", ADA + "0"):
        assert page_request({**strict, HEADER: header}).learner is None, header
    assert page_request(strict).learner is None
    request = page_request({**strict, HEADER: ADA, "QUERY_STRING": "lang=fr&theme=dark"})
    assert request.params == {"lang": ["fr"], "theme": ["dark"]}


def test_outside_a_served_page_the_environment_decides(tmp_path: Path) -> None:
    """JupyterLab and plain Voilà keep their identity rules (the persisted anonymous id)."""
    first = page_request({"LESSONKIT_HOME": str(tmp_path)}).learner
    again = page_request({"LESSONKIT_HOME": str(tmp_path)}).learner
    assert first is not None and first == again and first.home_page == ANONYMOUS_HOME_PAGE


class VoilaRequests:
    """Voilà's request websocket handler served by tornado in a thread of its own."""

    def __init__(self) -> None:
        self.port = 0
        self.loop: Any = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        import tornado.web
        from tornado.ioloop import IOLoop
        from voila.request_info_handler import RequestInfoSocketHandler

        asyncio.set_event_loop(asyncio.new_event_loop())
        app = tornado.web.Application([(r"/voila/query/(.*)", RequestInfoSocketHandler)])
        server = app.listen(0, "127.0.0.1")
        self.port = next(iter(server._sockets.values())).getsockname()[1]
        self.loop = IOLoop.current()
        self._ready.set()
        self.loop.start()

    def __enter__(self) -> VoilaRequests:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.add_callback(self.loop.stop)
        self._thread.join(10)

    def hand(self, kernel_id: str, payload: dict[str, str]) -> None:
        """What Voilà's page handler does when a request takes a pooled kernel."""
        from voila.request_info_handler import RequestInfoSocketHandler

        message = {"kernel_id": kernel_id, "payload": payload}
        self.loop.add_callback(RequestInfoSocketHandler.send_updates, message)


@pytest.fixture
def preheated(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[VoilaRequests, str]]:
    """A kernel environment as Voilà gives a pooled kernel, before its request."""
    kernel_id = str(uuid.uuid4())
    monkeypatch.setattr(binding, "_REQUEST", binding._Request())
    for name in (HEADER, "QUERY_STRING", "SCRIPT_NAME", "LESSONKIT_LEARNER", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)  # restored after: the binding sets them
    monkeypatch.setenv("LESSONKIT_PAGE_LEARNER", "request")
    monkeypatch.setenv("LESSONKIT_STORE", (tmp_path / "store").as_uri())
    monkeypatch.setenv("LESSONKIT_HOME", str(tmp_path / "home"))
    with VoilaRequests() as voila:
        monkeypatch.setenv("VOILA_PREHEAT", "True")
        monkeypatch.setenv("VOILA_KERNEL_ID", kernel_id)
        monkeypatch.setenv("VOILA_APP_PORT", str(voila.port))
        monkeypatch.setenv("VOILA_SERVER_URL", "/")
        yield voila, kernel_id


def _until(predicate: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the player was not bound in time"
        time.sleep(0.02)


def test_a_preheated_player_waits_then_binds_the_requests_learner(
    preheated: tuple[VoilaRequests, str], tmp_path: Path
) -> None:
    voila, kernel_id = preheated
    player = show(str(LOOPS))
    # Before the request: the lesson and its player, nobody's session, nothing in the store.
    assert player.session is None and player.view["waiting"] is True
    assert binding.request_pending()
    send(player, "next")  # a message before the request is ignored
    assert player.session is None
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").rglob("*.jsonl"))

    voila.hand(kernel_id, {HEADER: ADA, "QUERY_STRING": "theme=dark", "SCRIPT_NAME": "/"})
    _until(lambda: "waiting" not in player.view)  # bound (in a kernel: on its main thread)
    assert player.session.learner.id == ADA
    assert step_id(player) == "welcome"
    send(player, "next")
    assert step_id(player) == "confidence"
    assert not binding.request_pending()
    # Voilà's own helpers now read the bound request instead of waiting for another.
    from voila.utils import get_query_string

    assert get_query_string() == "theme=dark"
    # A second player in the same kernel binds at once, to the same request.
    again = show(str(LOOPS))
    assert again.session is not None and again.session.learner.id == ADA
    for each in (again, player):
        each.session.store.close()
        each.close()


def test_a_request_that_names_no_learner_gets_no_session(
    preheated: tuple[VoilaRequests, str],
) -> None:
    voila, kernel_id = preheated
    player = show(str(LOOPS))
    voila.hand(kernel_id, {HEADER: "someone else", "QUERY_STRING": ""})
    _until(lambda: player.view.get("notice", {}).get("kind") == "error")
    assert player.session is None
    assert UNBOUND.split(",")[0] in player.view["notice"]["html"]
    send(player, "next")
    assert player.session is None
    player.close()


def test_a_request_that_never_arrives_gets_no_session(
    preheated: tuple[VoilaRequests, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Voilà cannot be reached (here: nothing listens on its port): the page says so."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("VOILA_APP_PORT", str(closed))
    player = show(str(LOOPS))
    _until(lambda: player.view.get("notice", {}).get("kind") == "error")
    assert player.session is None
    player.close()


def test_an_explicit_learner_needs_no_request(preheated: tuple[VoilaRequests, str]) -> None:
    player = show(str(LOOPS), learner="grace")
    assert player.session is not None and player.session.learner.id == "grace"
    player.session.store.close()
    player.close()


def test_page_request_is_plain_data() -> None:
    request = PageRequest(learner=None, query="a=1&a=2&b=", accept_language="fr, en;q=0.5")
    assert request.params == {"a": ["1", "2"], "b": [""]}


def test_the_session_bound_at_request_time_is_in_the_language_asked_for(
    preheated: tuple[VoilaRequests, str],
) -> None:
    """``show(..., language=)`` in a preheated kernel: the session made when the request
    comes shows the lesson's translation (the request could choose the language there too)."""
    voila, kernel_id = preheated
    player = show(str(LOOPS), language="es")
    assert player.session is None
    voila.hand(kernel_id, {HEADER: ADA, "QUERY_STRING": ""})
    _until(lambda: "waiting" not in player.view)
    assert player.session.language == "es"
    assert player.session.current.step.title == "¿Por qué bucles?"
    player.session.store.close()
    player.close()
