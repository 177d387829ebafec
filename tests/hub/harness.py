"""The course service in a test process, without a JupyterHub: tokens name the users.

The real service authenticates with JupyterHub's ``HubOAuth``; these fast tests put a fixed
token table in its place (:class:`TokenAuth`, the same two methods the service calls) and a
fixed group membership. Everything else is the real service: tornado, the database, the
store layer. ``tests/hub/test_hub_integration.py`` runs it under a real JupyterHub.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from lessonkit.hub.base import Service
from lessonkit.hub.config import HubConfig, load_config
from lessonkit.hub.roles import StaticDirectory
from lessonkit.hub.serve import run_service

DATA = Path(__file__).with_name("data")
LESSON = DATA / "course.lesson.yaml"
NOTES = DATA / "notes.lesson.yaml"
SCOPE = "access:services!service=lessonkit"
PREFIX = "/services/lessonkit/"
LOGIN_COOKIE = "lessonkit-test-login"
"""A browser's login in these tests: the cookie holds one of :data:`TOKENS`."""

TOKENS = {
    "tok-alice": "alice",
    "tok-bob": "bob",
    "tok-teacher": "teacher",
    "tok-ta": "ta",
    "tok-mallory": "mallory",  # a hub user in no course
}
GROUPS = {
    "lessonkit-algebra": {"alice", "bob"},
    "lessonkit-algebra-instructors": {"teacher"},
    "lessonkit-algebra-observers": {"ta"},
}


class TokenAuth:
    """Stands in for ``HubOAuth``: a token table instead of asking a hub."""

    access_scopes = frozenset({SCOPE})

    def __init__(self, tokens: Mapping[str, str]) -> None:
        self.tokens = dict(tokens)

    async def get_user(self, handler: Any, *, sync: bool = False) -> dict[str, Any] | None:
        header = handler.request.headers.get("Authorization", "")
        name = self.tokens.get(header.removeprefix("token ").strip())
        if name is None:
            # A browser's login cookie (the hub's OAuth cookie, in real life): no token.
            name = self.tokens.get(handler.get_cookie(LOGIN_COOKIE) or "")
            return None if name is None else {"name": name, "kind": "user", "scopes": [SCOPE]}
        handler._token_authenticated = True
        return {"name": name, "kind": "user", "scopes": [SCOPE]}

    def check_scopes(self, required: Any, model: Mapping[str, Any]) -> set[str]:
        return set(required) & set(model["scopes"])

    def get_login_url(self) -> str:  # pragma: no cover - browsers are not used here
        return "/hub/login"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_config(folder: Path, database: str, **extra: Any) -> Path:
    """A service configuration with one course ``algebra`` holding the test lesson."""
    data = {
        "database": database,
        "home_page": "https://hub.example.org/hub/",
        "courses": {"algebra": {"lessons": [str(LESSON), str(NOTES)]}},
        "class_view": {"refresh_seconds": 5, "stuck_minutes": 10, "stuck_wrong": 3},
        "secret": "test-secret",
        **extra,
    }
    path = folder / "lessonkit-hub.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


class ThreadedService:
    """The service on a free port, its event loop in a thread; start/stop at will."""

    def __init__(self, config: HubConfig, port: int | None = None) -> None:
        self.config = config
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}{PREFIX}"
        self.service: Service | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    @classmethod
    def from_file(cls, path: Path, **kwargs: Any) -> ThreadedService:
        return cls(load_config(path), **kwargs)

    def start(self) -> ThreadedService:
        ready = threading.Event()

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self.service = Service(
                self.config, TokenAuth(TOKENS), StaticDirectory(GROUPS, "lessonkit-")
            )
            ready.set()
            await run_service(self.service, "127.0.0.1", self.port, self._stop)

        self._thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
        self._thread.start()
        ready.wait(30)
        _wait_port(self.port)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(30)
        self._thread = None


def _wait_port(port: int, timeout: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")
