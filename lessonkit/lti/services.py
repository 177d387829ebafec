"""Calls to the LMS: OAuth2 access tokens, Assignment and Grade Services, NRPS.

Blocking (``urllib``), for the service's worker threads and the CLI. A network failure is
status 0, never an exception, so the spool can tell "try again later" (0, 5xx, 401, 429) from
"refused for good" (other 4xx). Every URL the client calls comes from a launch the hub checked
or from the configuration, never from a request body, and must be on one of the platform's
``service_hosts``: its access tokens go nowhere else.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .claims import SCOPES
from .config import Platform
from .keys import ToolKeys
from .tokens import ASSERTION_TYPE, client_assertion

__all__ = ["HttpResult", "LmsClient", "service_url"]

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEMBERS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_BODY = 8 * 1024 * 1024
MAX_PAGES = 200
MISDIRECTED = 421
"""The status of a call refused here: the URL is not on the platform's ``service_hosts``."""


@dataclass(frozen=True, slots=True)
class HttpResult:
    """An answer from the LMS (status 0: no answer)."""

    status: int
    text: str
    headers: Mapping[str, str]

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return 200 <= self.status < 300

    @property
    def retry(self) -> bool:
        """Worth trying again later (no answer, 5xx, 401 with an old token, 408, 429)."""
        return self.status in (0, 401, 408, 429) or self.status >= 500

    def json(self) -> Any:
        """The body as JSON (``None`` when it is not)."""
        try:
            return json.loads(self.text)
        except ValueError:
            return None


def service_url(base: str, suffix: str) -> str:
    """``suffix`` appended to the path of ``base``, keeping its query (``…/lineitem/7/scores``
    for ``…/lineitem/7?type=x`` keeps ``?type=x``, as AGS requires)."""
    parts = urllib.parse.urlsplit(base)
    return urllib.parse.urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def _request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None = None,
    timeout: float = 30,
) -> HttpResult:
    if not url.startswith(("https://", "http://")):
        return HttpResult(0, f"not an http(s) URL: {url!r}", {})
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read(MAX_BODY).decode("utf-8", "replace")
            return HttpResult(response.status, text, dict(response.headers))
    except urllib.error.HTTPError as exc:
        text = exc.read(4096).decode("utf-8", "replace") if exc.fp else ""
        return HttpResult(exc.code, text, dict(exc.headers or {}))
    except (OSError, ValueError) as exc:
        return HttpResult(0, str(exc), {})


class LmsClient:
    """One platform's services, with the access token cached until shortly before expiry."""

    def __init__(self, platform: Platform, keys: ToolKeys, timeout: float = 30) -> None:
        self.platform = platform
        self.keys = keys
        self.timeout = timeout
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def token(self, *, renew: bool = False) -> tuple[str | None, HttpResult | None]:
        """An access token for every scope the tool uses (``(None, why)`` when refused)."""
        with self._lock:
            if self._token and not renew and time.time() < self._token[1]:
                return self._token[0], None
            form = urllib.parse.urlencode(
                {
                    "grant_type": "client_credentials",
                    "client_assertion_type": ASSERTION_TYPE,
                    "client_assertion": client_assertion(self.platform, self.keys.ensure()),
                    "scope": " ".join(SCOPES),
                }
            ).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            result = _request("POST", self.platform.token_url, headers, form, self.timeout)
            body = result.json() if result.ok else None
            if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
                return None, result if not result.ok else HttpResult(502, result.text, {})
            lifetime = float(body.get("expires_in") or 3600)
            self._token = (body["access_token"], time.time() + max(lifetime - 60, 10))
            return self._token[0], None

    def call(
        self, method: str, url: str, accept: str, body: Any = None, content_type: str = ""
    ) -> HttpResult:
        """An authorised call; a 401 renews the token once (it may have been revoked). A URL
        off the platform's ``service_hosts`` is not called (status :data:`MISDIRECTED`)."""
        if not self.platform.allows(url):  # never send this platform's token elsewhere
            return HttpResult(
                MISDIRECTED, f"{url!r} is not on the platform's service_hosts: not called", {}
            )
        data = None if body is None else json.dumps(body).encode()
        for attempt in (0, 1):
            token, failure = self.token(renew=attempt == 1)
            if token is None:
                assert failure is not None
                return failure
            headers = {"Authorization": f"Bearer {token}", "Accept": accept}
            if content_type:
                headers["Content-Type"] = content_type
            result = _request(method, url, headers, data, self.timeout)
            if result.status != 401:
                return result
        return result

    def post_score(self, lineitem_url: str, score: Mapping[str, Any]) -> HttpResult:
        """POST a score to ``<lineitem>/scores``."""
        url = service_url(lineitem_url, "/scores")
        return self.call("POST", url, "application/json", dict(score), SCORE_TYPE)

    def find_lineitem(self, lineitems_url: str, resource_id: str) -> str | None:
        """The URL of the context's line item with ``resourceId`` (``None``: there is none)."""
        query = urllib.parse.urlencode({"resource_id": resource_id})
        sep = "&" if "?" in lineitems_url else "?"
        result = self.call("GET", lineitems_url + sep + query, LINEITEMS_TYPE)
        items = result.json() if result.ok else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("resourceId") == resource_id:
                return str(item.get("id") or "") or None
        return None

    def create_lineitem(self, lineitems_url: str, item: Mapping[str, Any]) -> HttpResult:
        """POST a new line item to the context's container."""
        return self.call("POST", lineitems_url, LINEITEM_TYPE, dict(item), LINEITEM_TYPE)

    def members(self, memberships_url: str) -> Iterator[dict[str, Any]]:
        """The context's members (NRPS), following ``Link: rel="next"`` pages.

        Raises
        ------
        ConnectionError
            The platform did not answer with a membership container.
        """
        url: str | None = memberships_url
        for _ in range(MAX_PAGES):
            if url is None:
                return
            result = self.call("GET", url, MEMBERS_TYPE)
            body = result.json() if result.ok else None
            if not isinstance(body, dict) or not isinstance(body.get("members"), list):
                raise ConnectionError(f"NRPS {memberships_url}: HTTP {result.status} {result.text}")
            yield from (m for m in body["members"] if isinstance(m, dict))
            url = _next_link(result.headers.get("Link") or result.headers.get("link") or "")
            url = url or (str(body["next"]) if isinstance(body.get("next"), str) else None)


def _next_link(header: str) -> str | None:
    for part in header.split(","):
        if 'rel="next"' in part and "<" in part and ">" in part:
            return part[part.index("<") + 1 : part.index(">")]
    return None
