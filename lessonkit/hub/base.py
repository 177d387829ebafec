"""What every handler shares: the service state, authentication through JupyterHub, roles.

Every request but ``api/health`` is authenticated by JupyterHub (``HubOAuth``: a token in the
``Authorization`` header, or the service's OAuth cookie in a browser) and must hold the scope
``access:services!service=<name>``. The user is whoever the hub says the token or cookie
belongs to. State-changing requests are accepted with a token only (never on a cookie alone),
so a page elsewhere cannot make a browser post on the learner's behalf; the few the service's
own pages make (an instructor's grading form) carry the page's XSRF token with the cookie.

Request bodies are streamed (tornado's ``stream_request_body``): authentication runs before a
byte of the body is read, only :attr:`Limits.body_bytes <lessonkit.hub.limits.Limits>` of it is
kept, and a larger body is read to its end and answered ``413`` with a JSON error — tornado
itself would drop the connection, which a client behind configurable-http-proxy sees as a
``503`` HTML page and cannot tell from an outage. Bodies are parsed as bounded JSON
(:func:`~lessonkit.evidence.stores.wire.loads_bounded`): too deep a nesting is a ``400``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tornado import web

from ..evidence.stores.wire import loads_bounded
from .config import HubConfig
from .ledger import Ledger
from .limits import DRAIN_BYTES, Limiter, LimitExceededError

__all__ = ["ApiError", "Base", "Service"]


class ApiError(web.HTTPError):
    """An error answer with extra JSON fields and headers (``Retry-After`` on a 429)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        fields: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, "%s", message)
        self.fields = fields or {}
        self.headers = headers or {}


def too_many(exc: LimitExceededError) -> ApiError:
    """The 429 for a request over a per-learner limit."""
    wait = max(1, math.ceil(exc.retry_after))
    return ApiError(429, str(exc), fields={"retry_after": wait}, headers={"Retry-After": str(wait)})


class Service:
    """What every handler shares: configuration, database, group directory, authentication."""

    def __init__(self, config: HubConfig, auth: Any, directory: Any, *, workers: int = 16) -> None:
        self.config = config
        self.auth = auth
        self.directory = directory
        self.ledger = Ledger(config)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lessonkit-db")
        self.wake_forwarder = asyncio.Event()
        self.limiter = Limiter(config.limits)
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


@web.stream_request_body
class Base(_mixin(), web.RequestHandler):  # type: ignore[misc]
    """Authentication, roles, bounded bodies, per-learner limits and JSON errors."""

    public = False
    """No authentication needed (health checks)."""
    page_writes = False
    """Writes may also come from the service's own pages: a browser's login cookie plus the
    page's XSRF token, checked when the body is read (:meth:`form_body`, :meth:`json_body`)."""

    def initialize(self, service: Service) -> None:
        self.service = service
        self.user: str | None = None
        self.membership: Any = None
        self._chunks: list[bytes] = []
        self._received = 0
        self._xsrf_due = False

    @property
    def hub_auth(self) -> Any:
        return self.service.auth

    @hub_auth.setter
    def hub_auth(self, value: Any) -> None:  # the mixin's class-level default is not used
        pass

    def wants_html(self) -> bool:
        """A browser navigating (not an API client)."""
        return "text/html" in self.request.headers.get("Accept", "")

    @property
    def body_limit(self) -> int:
        """Largest request body in bytes."""
        return int(self.service.config.limits.body_bytes)

    def _too_large(self) -> ApiError:
        limit = self.body_limit
        return ApiError(
            413,
            f"the request body is larger than the service accepts ({limit} bytes)",
            fields={"limit_bytes": limit},
        )

    def _check_length(self) -> None:
        """Before the body: refuse a declared length too large even to read and drop."""
        setter = getattr(self.request.connection, "set_max_body_size", None)
        if setter is not None:  # bodies up to this are read to the end, then answered 413
            setter(self.body_limit + DRAIN_BYTES)
        declared = self.request.headers.get("Content-Length")
        if declared is None:
            return
        try:
            length = int(declared)
        except ValueError:
            raise web.HTTPError(400, "Content-Length is not a number") from None
        if length > self.body_limit + DRAIN_BYTES:
            raise self._too_large()  # answered now; the connection is closed after it

    def data_received(self, chunk: bytes) -> None:
        """Keep the body up to the limit; past it, count and drop (the handler answers 413)."""
        self._received += len(chunk)
        if self._received <= self.body_limit:
            self._chunks.append(chunk)
        else:
            self._chunks.clear()

    async def prepare(self) -> None:
        self._check_length()
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
            if not self.page_writes:
                raise web.HTTPError(403, "send a token (Authorization header) to change data")
            self._xsrf_due = True  # checked against the page's token once the body is read
        self.user = str(model["name"])
        self.membership = await self.service.directory.membership()

    def get_current_user(self) -> Any:
        return self.user

    def check_xsrf_cookie(self) -> None:
        """Writes need a token (checked in :meth:`prepare`); the service's own pages send an
        XSRF token instead, checked by :meth:`_check_page_token` when the body is read."""

    def _hub_login(self) -> bool:
        from jupyterhub.services.auth import HubOAuth

        return isinstance(self.hub_auth, HubOAuth)

    @property
    def xsrf_token(self) -> bytes:
        """The XSRF token a page of the service posts back: JupyterHub's, tied to the login
        session (tornado's own without a hub login, as in tests)."""
        if self._hub_login():
            return bytes(super().xsrf_token)
        return bytes(web.RequestHandler.xsrf_token.fget(self))  # type: ignore[attr-defined]

    def _check_page_token(self, token: str | None) -> None:
        """403 unless ``token`` is this browser's XSRF token (a cookie write only)."""
        if not self._xsrf_due:
            return
        if self.request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
            raise web.HTTPError(403, "a page of another site may not change data here")
        # The checks compare the `_xsrf` argument with the login's XSRF cookie; a streamed
        # body is not parsed into arguments, so the token read from it is put where they look.
        self.request.arguments["_xsrf"] = [(token or "").encode()]
        if self._hub_login():
            super().check_xsrf_cookie()  # JupyterHub's check (not the no-op above)
        else:
            web.RequestHandler.check_xsrf_cookie(self)
        self._xsrf_due = False

    def form_body(self) -> dict[str, str]:
        """A form-encoded body (the service's pages post forms): the last value of each
        field; the XSRF token checked for a cookie write."""
        from urllib.parse import parse_qsl

        if self._received > self.body_limit:
            raise self._too_large()
        text = b"".join(self._chunks).decode("utf-8", errors="replace")
        fields = dict(parse_qsl(text, keep_blank_values=True, max_num_fields=200))
        self._check_page_token(fields.get("_xsrf"))
        return fields

    def finish(self, chunk: Any = None) -> Any:
        """Finish the response; a cookie write must have had its XSRF token checked."""
        if self._xsrf_due and self.get_status() < 400:
            self._xsrf_due = False
            raise RuntimeError("a write from a page finished without checking its XSRF token")
        return super().finish(chunk)

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
        body: dict[str, Any] = {"error": message, "status": status_code}
        if isinstance(exc, ApiError):
            body.update(exc.fields)
            for name, value in exc.headers.items():
                self.set_header(name, value)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body))

    def json_body(self) -> Any:
        """The request body as JSON: 413 when it was too large, 400 when it is not JSON or
        nests too deeply."""
        if self._received > self.body_limit:
            raise self._too_large()
        self._check_page_token(self.request.headers.get("X-XSRFToken"))
        data = b"".join(self._chunks)
        try:
            return loads_bounded(data or b"null")
        except ValueError as exc:
            raise web.HTTPError(400, f"the body is not JSON: {exc}") from exc

    def limit(self, kind: str, cost: float = 1.0) -> None:
        """429 (with ``Retry-After``) unless the user's ``kind`` bucket pays ``cost``."""
        try:
            self.service.limiter.take(kind, str(self.user), cost)
        except LimitExceededError as exc:
            raise too_many(exc) from exc

    @contextlib.contextmanager
    def check_slot(self) -> Iterator[None]:
        """One of the user's concurrent-check slots, held while checking (429 if none)."""
        limiter, user = self.service.limiter, str(self.user)
        try:
            limiter.start_check(user)
        except LimitExceededError as exc:
            raise too_many(exc) from exc
        try:
            yield
        finally:
            limiter.end_check(user)

    def require(self, course: str, role: str) -> None:
        """403 unless the user holds ``role`` (or more) in ``course``."""
        if course not in self.service.config.courses:
            raise web.HTTPError(404, f"no course {course!r} here")
        if not self.membership.at_least(self.user, course, role):
            raise web.HTTPError(403, f"{self.user} is not a {role} of {course}")
