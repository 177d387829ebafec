"""Preheated Voilà pages: a pool of kernels that already ran the lesson notebook, each bound to
its learner only when a request takes it (``lessonkit serve --preheat N``).

Voilà 0.5 keeps ``N`` kernels per notebook that ran the notebook before anyone asked
(``VoilaConfiguration.preheat_kernel``); a request takes one and gets its page at once, and a
new kernel is started in the background (``fill_delay`` after). Voilà refuses a
``prelaunch_hook`` with preheated kernels — the notebook ran before the request — so the
learner reaches the kernel by another road:

1. :class:`LearnerIdentityProvider` sees every request to a page first. It drops any
   ``X-Lessonkit-*`` header the browser sent, reads the ``lessonkit_learner`` cookie (creating
   it on a first visit, see :func:`lessonkit.integrations.voila.learner_cookie`) and puts the
   id in the request's :data:`~lessonkit.widgets.binding.LEARNER_HEADER` header — unless the
   server itself names the learner (``LESSONKIT_LEARNER``, ``JUPYTERHUB_USER``).
2. Voilà passes the headers named in ``VoilaConfiguration.http_header_envs`` to the kernel
   (to a pooled kernel over its request websocket, at request time; to a kernel started for
   the request in its environment).
3. In the kernel, ``lessonkit.show()`` binds the learner's session to the player it built
   beforehand (see :mod:`lessonkit.widgets.binding`); a request that names no learner gets
   no session, never another learner's.

Each kernel serves one request: Voilà takes it out of the pool for good, and a kernel that
served a page is never pooled again. :class:`PoolKernelManager` also replaces a pooled kernel
that died while it waited (the kernel restarter would bring it back empty: its page would show
nothing) and logs the memory each idle pooled kernel uses.

``Accept-Language`` rides along the same way (``HTTP_ACCEPT_LANGUAGE`` in the kernel), and the
query string too (``QUERY_STRING``): whatever else a page needs from its request is read
there, after binding. ``VOILA_REQUEST_URL`` is not the page's own request in a pooled kernel
(Voilà gives a refill kernel the URL of the request that emptied the pool): never read it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable
from typing import Any

from jupyter_server.auth.identity import PasswordIdentityProvider
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.ioloop import PeriodicCallback
from traitlets import Float

from ..widgets.binding import LEARNER_HEADER
from .voila import learner_cookie

__all__ = ["LearnerIdentityProvider", "PoolKernelManager", "bind_page_request", "kernel_memory"]

_PREFIX = "x-lessonkit-"
_MB = 1024 * 1024


def bind_page_request(handler: Any) -> None:
    """Put the learner of a page request in its :data:`LEARNER_HEADER` header (see the module
    docstring); headers of that family sent by the browser are dropped first."""
    headers = handler.request.headers
    for name in [n for n in headers if n.lower().startswith(_PREFIX)]:
        del headers[name]
    # The page shuts its kernel down when it goes away, with the XSRF token from this cookie.
    handler.xsrf_token  # noqa: B018 - reading it sets the cookie
    if os.environ.get("LESSONKIT_LEARNER") or os.environ.get("JUPYTERHUB_USER"):
        return
    headers[LEARNER_HEADER] = learner_cookie(handler)


class LearnerIdentityProvider(PasswordIdentityProvider):  # type: ignore[misc]
    """Voilà's identity provider (token or none), which also binds each page request to its
    learner (:func:`bind_page_request`)."""

    async def get_user(self, handler: Any) -> Any:  # type: ignore[override]
        """The Jupyter user as before; a page request also gets its learner header."""
        user = super().get_user(handler)
        if isinstance(user, Awaitable):
            user = await user
        from voila.handler import VoilaHandler

        if user is not None and isinstance(handler, VoilaHandler):
            handler.current_user = user  # as prepare() sets it next; the XSRF cookie reads it
            bind_page_request(handler)
        return user


def _process(pid: int | None) -> Any:
    import psutil

    if pid is None:
        return None
    try:
        process = psutil.Process(pid)
        return process if process.status() != psutil.STATUS_ZOMBIE else None
    except psutil.Error:
        return None


def kernel_memory(pid: int) -> tuple[int, int] | None:
    """``(pss, rss)`` bytes of the process ``pid`` (PSS: its share of shared pages), or
    ``None`` when it cannot be read (PSS is Linux-only; elsewhere RSS is given for both)."""
    process = _process(pid)
    if process is None:
        return None
    try:
        info = process.memory_full_info()
    except Exception:  # psutil.AccessDenied, or a platform without full info
        try:
            rss = int(process.memory_info().rss)
        except Exception:
            return None
        return rss, rss
    return int(getattr(info, "pss", info.rss)), int(info.rss)


class PoolKernelManager(AsyncMappingKernelManager):  # type: ignore[misc]
    """The kernel manager Voilà builds its pool on (``multi_kernel_manager_class``): it
    watches the pooled kernels, replaces one that died, and logs each one's idle memory."""

    pool_check_interval = Float(
        1.0, config=True, help="Seconds between two looks at the preheated kernels."
    )
    failed_start_delay = Float(
        10.0, config=True, help="Seconds before a kernel that failed to start is tried again."
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pool_pids: dict[str, int | None] = {}
        self._ready: set[str] = set()
        self._discarding: set[asyncio.Future[None]] = set()
        self._pool_watch = PeriodicCallback(self.check_pool, self.pool_check_interval * 1000)
        self._pool_watch.start()

    def _pid(self, kernel_id: str) -> int | None:
        try:
            provisioner = self.get_kernel(kernel_id).provisioner
        except KeyError:  # removed: it died and the restarter gave up
            return None
        pid = getattr(provisioner, "pid", None)
        return pid if isinstance(pid, int) else None

    def check_pool(self) -> None:
        """Look at every pooled kernel: replace the dead, report the newly ready."""
        pools: dict[str, list[asyncio.Task[Any]]] = getattr(self, "_pools", {})
        for name, pool in pools.items():
            for task in list(pool):
                if not task.done():
                    continue
                failed = task.cancelled() or task.exception() is not None
                content = {} if failed else task.result()
                kernel_id = content.get("kernel_id")
                if failed or kernel_id is None:
                    self.log.warning("lessonkit: a preheated kernel of %s did not start", name)
                    self._replace(name, pool, task, None, self.failed_start_delay)
                    continue
                pid = self._pid(kernel_id)
                first = self._pool_pids.setdefault(kernel_id, pid)
                if pid is None or pid != first or _process(pid) is None:
                    self.log.warning(
                        "lessonkit: preheated kernel %s of %s died while it waited; "
                        "starting another",
                        kernel_id,
                        name,
                    )
                    self._replace(name, pool, task, kernel_id, 0)
                elif kernel_id not in self._ready and content["task"].done():
                    self._ready.add(kernel_id)
                    self._report(name, kernel_id, pid, pool)

    def _replace(
        self,
        name: str,
        pool: list[asyncio.Task[Any]],
        task: asyncio.Task[Any],
        kernel_id: str | None,
        delay: float,
    ) -> None:
        pool.remove(task)
        if kernel_id is not None:
            self._pool_pids.pop(kernel_id, None)
            discard = asyncio.ensure_future(self._discard(kernel_id))
            self._discarding.add(discard)  # kept until done (the loop holds tasks weakly)
            discard.add_done_callback(self._discarding.discard)
        fill = getattr(self, "fill_if_needed", None)
        if fill is not None:
            fill(delay=delay, notebook_name=name)

    async def _discard(self, kernel_id: str) -> None:
        with contextlib.suppress(Exception):  # already gone is fine
            await self.shutdown_kernel(kernel_id, now=True)

    def _report(
        self, name: str, kernel_id: str, pid: int | None, pool: list[asyncio.Task[Any]]
    ) -> None:
        ready = [t.result().get("kernel_id") for t in pool if t.done() and not t.cancelled()
                 and t.exception() is None]  # fmt: skip
        waiting = sum(1 for kid in ready if kid in self._ready)
        memory = kernel_memory(pid) if pid is not None else None
        if memory is None:
            self.log.info("lessonkit: preheated kernel %s of %s is ready (%d waiting)",
                          kernel_id, name, waiting)  # fmt: skip
            return
        pss, rss = memory
        self.log.info(
            "lessonkit: preheated kernel %s of %s is ready (%d waiting): %.0f MB (PSS), "
            "%.0f MB (RSS) while idle",
            kernel_id,
            name,
            waiting,
            pss / _MB,
            rss / _MB,
        )

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> Any:
        """Shut a kernel down (and forget it was pooled)."""
        self._pool_pids.pop(kernel_id, None)
        self._ready.discard(kernel_id)
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)
