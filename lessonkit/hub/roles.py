"""Who may do what: course roles from JupyterHub groups.

The hub says who a request comes from (``HubAuth`` checks the token or cookie with the hub and
requires the scope ``access:services!service=<name>``); the hub's groups say what that user
is in each course, in the spirit of nbgrader's ``nbgrader-<course>`` groups:

===================================  =============================================
group                                role in ``<course>``
===================================  =============================================
``lessonkit-<course>``               learner: sends their own evidence, gets
                                     answers checked, reads their own evidence
``lessonkit-<course>-instructors``   instructor: class view with names, exports,
                                     grades, deletion of a learner's data
``lessonkit-<course>-observers``     observer: class view and exports, pseudonymised
===================================  =============================================

Group membership is read with the service's own token (role scopes ``list:groups`` and
``read:groups``) and read again every :attr:`GroupDirectory.ttl` seconds (in the background,
see :mod:`lessonkit.hub.freshness`), so a change in the hub takes effect within about that time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..evidence.stores.wire import loads_bounded
from .freshness import Refreshing

__all__ = ["INSTRUCTOR", "LEARNER", "OBSERVER", "GroupDirectory", "Membership", "StaticDirectory"]

LEARNER, OBSERVER, INSTRUCTOR = "learner", "observer", "instructor"
_RANK = {LEARNER: 1, OBSERVER: 2, INSTRUCTOR: 3}


@dataclass(frozen=True, slots=True)
class Membership:
    """Group name -> member user names, at one moment."""

    groups: Mapping[str, frozenset[str]]
    prefix: str = "lessonkit-"

    def role(self, user: str, course: str) -> str | None:
        """The user's strongest role in ``course`` (``None``: not part of it)."""
        base = self.prefix + course
        for group, role in (
            (f"{base}-instructors", INSTRUCTOR),
            (f"{base}-observers", OBSERVER),
            (base, LEARNER),
        ):
            if user in self.groups.get(group, frozenset()):
                return role
        return None

    def at_least(self, user: str, course: str, role: str) -> bool:
        """Whether the user holds ``role`` or a stronger one in ``course``."""
        held = self.role(user, course)
        return held is not None and _RANK[held] >= _RANK[role]

    def roster(self, course: str) -> frozenset[str]:
        """The learners of ``course`` (members of its learner group)."""
        return self.groups.get(self.prefix + course, frozenset())


class StaticDirectory:
    """A fixed membership (a small hub without groups, tests, benchmarks)."""

    def __init__(self, groups: Mapping[str, set[str] | frozenset[str]], prefix: str) -> None:
        self._membership = Membership({g: frozenset(u) for g, u in groups.items()}, prefix)

    async def membership(self) -> Membership:
        """The membership (never changes)."""
        return self._membership


class GroupDirectory:
    """Group membership read from the hub's REST API with the service's token, cached."""

    ttl = 30.0
    """Seconds a reading is used as it is."""
    stale = 90.0
    """Seconds more an older reading is used while the hub is read again."""

    def __init__(self, api_url: str, token: str, prefix: str) -> None:
        self.api_url = api_url.rstrip("/") + "/"
        self._token = token
        self.prefix = prefix
        self._readings: Refreshing | None = None

    def invalidate(self) -> None:
        """Read the groups again at the next request (a login just changed them)."""
        self._cached = None

    async def membership(self) -> Membership:
        """The current membership of every ``<prefix>*`` group: a reading younger than
        :attr:`ttl`, or an older one (up to :attr:`stale` more) while the hub is read again in
        the background, so that no request waits for the hub once the first reading is in."""
        if self._readings is None:
            self._readings = Refreshing(self.ttl, self.stale)
        membership: Membership = await self._readings.get("groups", self._read)
        return membership

    async def _read(self) -> Membership:
        from tornado.httpclient import AsyncHTTPClient, HTTPRequest

        groups: dict[str, frozenset[str]] = {}
        offset = 0
        while True:  # the groups API pages its results (JupyterHub >= 2)
            request = HTTPRequest(
                f"{self.api_url}groups?offset={offset}&limit=200",
                headers={
                    "Authorization": f"token {self._token}",
                    "Accept": "application/jupyterhub-pagination+json",
                },
                request_timeout=20,
            )
            response = await AsyncHTTPClient().fetch(request, raise_error=False)
            if response.code != 200:
                raise PermissionError(
                    f"cannot read the hub's groups ({response.code}): give the service a role "
                    "with the scopes list:groups and read:groups"
                )
            try:
                body = loads_bounded(response.body)
            except ValueError as exc:
                raise ConnectionError(f"the hub's groups API did not answer JSON: {exc}") from exc
            items = body["items"] if isinstance(body, dict) else body
            for group in items:
                if str(group.get("name", "")).startswith(self.prefix):
                    groups[group["name"]] = frozenset(group.get("users") or ())
            nxt = (body.get("_pagination") or {}).get("next") if isinstance(body, dict) else None
            if not nxt:
                break
            offset = int(nxt["offset"])
        return Membership(groups, self.prefix)
