"""What every handler shares: the service state, authentication through JupyterHub, roles.

Every request but ``api/health`` is authenticated by JupyterHub (``HubOAuth``: a token in the
``Authorization`` header, or the service's OAuth cookie in a browser) and must hold the scope
``access:services!service=<name>``. The user is whoever the hub says the token or cookie
belongs to. State-changing requests are accepted with a token only (never on a cookie alone),
so a page elsewhere cannot make a browser post on the learner's behalf.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tornado import web

from .config import HubConfig
from .ledger import Ledger

__all__ = ["Base", "Service"]


class Service:
    """What every handler shares: configuration, database, group directory, authentication."""

    def __init__(self, config: HubConfig, auth: Any, directory: Any, *, workers: int = 16) -> None:
        self.config = config
        self.auth = auth
        self.directory = directory
        self.ledger = Ledger(config)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lessonkit-db")
        self.wake_forwarder = asyncio.Event()
        self.view_cache: dict[Any, tuple[float, str]] = {}

    async def run(self, fn: Any, *args: Any) -> Any:
        """Run blocking work (database, analytics) off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    def close(self) -> None:
        """Stop the worker threads and release the database."""
        self.pool.shutdown(wait=True)
        self.ledger.close()


def _mixin() -> Any:
    try:
        from jupyterhub.services.auth import HubOAuthenticated
    except ImportError as exc:  # pragma: no cover - without the hub extra
        raise ImportError("the course service needs: pip install 'lessonkit[hub]'") from exc
    return HubOAuthenticated


class Base(_mixin(), web.RequestHandler):  # type: ignore[misc]
    """Authentication, roles and JSON errors for every handler."""

    public = False
    """No authentication needed (health checks)."""

    def initialize(self, service: Service) -> None:
        self.service = service
        self.user: str | None = None
        self.membership: Any = None

    @property
    def hub_auth(self) -> Any:
        return self.service.auth

    @hub_auth.setter
    def hub_auth(self, value: Any) -> None:  # the mixin's class-level default is not used
        pass

    def wants_html(self) -> bool:
        """A browser navigating (not an API client)."""
        return "text/html" in self.request.headers.get("Accept", "")

    async def prepare(self) -> None:
        if self.public:
            return
        model = await self.hub_auth.get_user(self, sync=False)
        if not model:
            if self.request.method == "GET" and self.wants_html():
                self.redirect(self.get_login_url())
                return
            raise web.HTTPError(401, "log in to JupyterHub, or send a JupyterHub token")
        scopes = self.hub_auth.access_scopes
        if model.get("kind", "user") != "user" or not self.hub_auth.check_scopes(scopes, model):
            raise web.HTTPError(403, f"{model.get('name')} may not use this service")
        changing = self.request.method not in ("GET", "HEAD", "OPTIONS")
        if changing and not getattr(self, "_token_authenticated", False):
            raise web.HTTPError(403, "send a token (Authorization header) to change data")
        self.user = str(model["name"])
        self.membership = await self.service.directory.membership()

    def get_current_user(self) -> Any:
        return self.user

    def check_xsrf_cookie(self) -> None:
        """Writes need a token (checked in :meth:`prepare`), so no XSRF cookie is used."""

    def send(self, body: Any, status: int = 200) -> None:
        """Finish with a JSON body."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body, ensure_ascii=False, allow_nan=False))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        message = self._reason
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, web.HTTPError) and exc.log_message:
            message = exc.log_message % exc.args if exc.args else exc.log_message
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps({"error": message, "status": status_code}))

    def json_body(self) -> Any:
        """The request body as JSON (400 when it is not)."""
        try:
            return json.loads(self.request.body or b"null")
        except ValueError as exc:
            raise web.HTTPError(400, f"the body is not JSON: {exc}") from exc

    def require(self, course: str, role: str) -> None:
        """403 unless the user holds ``role`` (or more) in ``course``."""
        if course not in self.service.config.courses:
            raise web.HTTPError(404, f"no course {course!r} here")
        if not self.membership.at_least(self.user, course, role):
            raise web.HTTPError(403, f"{self.user} is not a {role} of {course}")
