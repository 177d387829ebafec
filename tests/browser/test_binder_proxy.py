"""Binder's preheated lesson page: the Jupyter server with ``binder/jupyter_server_config.py``
starts ``lessonkit serve --preheat 2`` through jupyter-server-proxy at ``/lessonkit/`` under the
user's server, as Binder does.

Real parts: a Jupyter server under a ``/user/NAME/`` prefix (as Binder's), jupyter-server-proxy
starting and proxying ``lessonkit serve``, Voilà's preheated kernels, and two learners in
Debian chromium, each with cookies of their own.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lessonkit.commands._voila_process import stop_voila

from .harness import READY, ROOT, free_port

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

PREFIX = "/user/ada-binder/"
_USED = re.compile(r"Using pre-heated kernel: (\S+) for")
_READY = re.compile(r"preheated kernel (\S+) of \S+ is ready")


def _proxy_closed(block: list[str]) -> bool:
    """Whether a logged traceback is jupyter-server-proxy's own race: a message from the kernel
    reaching the proxy just after the browser closed its page's websocket (nothing is lost: the
    page is gone). Only this traceback is left out of the check below; any other fails it."""
    in_proxy = any(
        "jupyter_server_proxy/handlers.py" in line and line.rstrip().endswith("in message_cb")
        for line in block
    )
    return in_proxy and block[-1].strip() == "tornado.websocket.WebSocketClosedError"


def _tracebacks(log: str) -> list[str]:
    """The server log's tracebacks (each up to its exception line), but for the proxy's race.

    Read line by line, in linear time (a pattern over the whole log backtracked without end
    on an indented one). A traceback's frames are indented deeper than its first line; the
    exception line is not."""
    found: list[list[str]] = []
    block: list[str] = []
    base = 0
    for line in log.splitlines():
        if not block:
            start = line.find("Traceback (most recent call last):")
            if start >= 0:  # its indent; after a log prefix on the same line, none
                block, base = [line], (0 if line[:start].strip() else start)
            continue
        block.append(line)
        if line.strip() and len(line) - len(line.lstrip()) <= base:  # the exception line
            found.append(block)
            block = []
    if block:  # cut off by the end of the log
        found.append(block)
    return ["\n".join(b)[:2000] for b in found if not _proxy_closed(b)]


class BinderServer:
    """The Jupyter server as Binder starts it, with Binder's server configuration."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.log = folder / "jupyter.log"
        self.env = {
            **os.environ,
            "LESSONKIT_STORE": (folder / "store").as_uri(),
            "LESSONKIT_HOME": str(folder / "home"),
            "LESSONKIT_LEARNER": "",
            "JUPYTERHUB_USER": "",
            "JUPYTER_CONFIG_DIR": str(folder / "config"),  # nothing from the user's ~/.jupyter
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The lesson's address under the user's server."""
        return f"http://127.0.0.1:{self.port}{PREFIX}lessonkit/"

    def text(self) -> str:
        """Everything the server (and the ``lessonkit serve`` it started) logged."""
        return self.log.read_text(errors="replace")

    def __enter__(self) -> BinderServer:
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable, "-m", "jupyter_server",
                    f"--config={ROOT / 'binder' / 'jupyter_server_config.py'}",
                    f"--port={self.port}", "--ip=127.0.0.1", "--no-browser",
                    f"--ServerApp.base_url={PREFIX}", "--IdentityProvider.token=",
                    f"--ServerApp.root_dir={ROOT}", "--allow-root",
                ],
                env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the Jupyter server exited:\n{self.text()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.2),
            ):
                return self
            time.sleep(0.1)
        self.__exit__()
        raise TimeoutError("the Jupyter server did not listen within 60 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            stop_voila(self.proc)  # the server, then whatever it started that is left


def wait_for(predicate: Any, timeout: float, what: str, server: BinderServer) -> None:
    """Poll ``predicate`` until it holds, or fail with the server's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; server log:\n{server.text()[-4000:]}")


@pytest.fixture(scope="module")
def binder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BinderServer]:
    with BinderServer(tmp_path_factory.mktemp("binder")) as server:
        yield server


def _waiting(log: str) -> set[str]:
    """Preheated kernels that are ready and wait for a page (per the log)."""
    return set(_READY.findall(log)) - set(_USED.findall(log))


def _open(context: Any, url: str) -> tuple[Any, str]:
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(READY, timeout=150_000)
    return page, page.locator(".lk-step-title").first.inner_text()


def test_binder_serves_the_lesson_preheated_under_the_users_prefix(
    browser: Any, binder: BinderServer
) -> None:
    """The first visit starts ``lessonkit serve --preheat 2`` behind the proxy; later pages take
    preheated kernels; two learners each see only their own session, and the proxy's
    readiness probe used no kernel."""
    ada, bob = browser.new_context(), browser.new_context()
    try:
        page, title = _open(ada, binder.url)  # starts the server behind the proxy
        assert title == "Why loops?"
        page.get_by_role("button", name="Continue", exact=True).click()
        page.locator(".lk-step-title", has_text="Where are you starting from?").wait_for()
        page.close()
        # The proxy checked readiness at the server's root, outside Voilà's prefix: a 404
        # (any answer will do), never a page, so ada's page is the only one served yet.
        assert len(_USED.findall(binder.text())) == 1

        # the pool is full again: every later page is a preheated kernel
        wait_for(lambda: len(_waiting(binder.text())) >= 2, 180, "a refilled pool", binder)
        page, title = _open(bob, binder.url)
        assert title == "Why loops?"  # bob's own, new session
        page, title = _open(ada, binder.url)
        assert title == "Where are you starting from?"  # ada's, resumed
        assert len(_USED.findall(binder.text())) == 3
        assert _tracebacks(binder.text()) == []
    finally:
        ada.close()
        bob.close()


_RACE = """[E 2026-12-07 20:56:10.071 ServerApp] Uncaught exception
{i}Traceback (most recent call last):
{i}  File "/v/site-packages/tornado/websocket.py", line 674, in _run_callback
{i}    result = callback(*args, **kwargs)
{i}             ^^^^^^^^^^^^^^^^^^^^^^^^^
{i}  File "/v/site-packages/jupyter_server_proxy/handlers.py", line 663, in message_cb
{i}    self.write_message(message, binary=isinstance(message, bytes))
{i}  File "/v/site-packages/tornado/websocket.py", line 364, in write_message
{i}    raise WebSocketClosedError()
{i}tornado.websocket.WebSocketClosedError
[Voila] WARNING | Clearing invalid/expired login cookie username-127-0-0-1-49553
"""
_OTHER = """[E 2026-12-07 20:57:00.000 ServerApp] Uncaught exception
{i}Traceback (most recent call last):
{i}  File "/v/site-packages/voila/handler.py", line 10, in get
{i}    raise KeyError("x")
{i}KeyError: 'x'
"""


@pytest.mark.parametrize("indent", ["", "    "], ids=["at the margin", "indented"])
def test_the_log_check_leaves_out_only_the_proxys_race(indent: str) -> None:
    """Both as the server logs it (indented under its log line) and at the margin; quickly,
    however long the log."""
    race, other = _RACE.format(i=indent), _OTHER.format(i=indent)
    assert _tracebacks(race * 200) == []
    (found,) = _tracebacks(race + other + race)
    assert found.endswith("KeyError: 'x'") and "voila/handler.py" in found
    assert len(_tracebacks((race + other) * 2000)) == 2000
