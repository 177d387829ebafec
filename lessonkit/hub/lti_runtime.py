"""The service's LMS side at run time: keys, clients, the roster, the grade worker.

:func:`runtime` gives the :class:`LtiRuntime` of a service (made once, when the application
is built). :func:`worker` runs beside the LRS forwarder: every ``lti.interval`` seconds it
finds line items for new links, reads rosters that are due (NRPS), queues the grades new
evidence calls for (:func:`.lti_grades.scan`) and delivers the spool
(:func:`lessonkit.lti.spool.deliver`). A failing LMS only delays grades: each round logs and
goes on.

Learners the LMS roster lists are added to the course's learner group *as the service sees
it* (:class:`RosterDirectory`), so the class view shows who has not started yet. Instructor
rights never come from the roster: only from hub groups, set at a checked launch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Mapping
from typing import Any

from ..lti import spool, store
from ..lti.claims import LEARNER, course_role
from ..lti.config import LtiConfig, LtiConfigError, Platform
from ..lti.keys import ToolKeys
from ..lti.services import HttpResult, LmsClient
from .lti_grades import scan
from .lti_items import course_items, resource_id
from .roles import Membership

__all__ = ["LtiRuntime", "RosterDirectory", "one_round", "runtime", "sync_roster", "worker"]

log = logging.getLogger("lessonkit.hub.lti")
_RUNTIMES: weakref.WeakKeyDictionary[Any, LtiRuntime] = weakref.WeakKeyDictionary()


class LtiRuntime:
    """One service's LMS connection."""

    def __init__(self, service: Any, config: LtiConfig) -> None:
        self.service = service
        self.config = config
        self.keys = ToolKeys(config.keys, config.rotation_days)
        self.keys.ensure()  # first start: the key pair is made now, not at the first grade
        # the ledger brought the database to the schema, LMS tables included (migrations)
        self.engine = service.ledger.engine
        self.clients = {(p.issuer, p.client_id): LmsClient(p, self.keys) for p in config.platforms}
        self.roster_read: dict[tuple[str, str, str], float] = {}

    def client(self, issuer: str, client_id: str = "") -> LmsClient:
        """The client of a platform."""
        for (iss, cid), client in self.clients.items():
            if iss == issuer and (not client_id or cid == client_id):
                return client
        raise LookupError(f"no LMS with issuer {issuer!r} is configured")

    def post(self, issuer: str, lineitem_url: str, score: Mapping[str, Any]) -> HttpResult:
        """Post one score (for the spool)."""
        try:
            client = self.client(issuer)
        except LookupError as exc:
            return HttpResult(400, str(exc), {})
        return client.post_score(lineitem_url, score)

    def find_lineitems(self) -> None:
        """Give every link to a graded item without a line item one: found by resource id,
        else created."""
        config = self.service.config
        for course in config.courses:
            items = {i.key: i for i in course_items(config.courses[course])}
            for link in store.course_links(self.engine, course):
                item = items.get(str(link.item))
                if link.lineitem_url or not link.lineitems_url or item is None:
                    continue
                if item.points is None:
                    continue
                client = self.client(link.issuer, link.client_id)
                resource = resource_id(course, item.key)
                url = client.find_lineitem(link.lineitems_url, resource)
                if url is None:
                    made = client.create_lineitem(
                        link.lineitems_url,
                        {
                            "label": item.title,
                            "scoreMaximum": item.points,
                            "resourceId": resource,
                            "resourceLinkId": link.resource_link_id,
                            "tag": "lessonkit",
                        },
                    )
                    body = made.json() if made.ok else None
                    url = str(body.get("id") or "") if isinstance(body, dict) else ""
                if url and client.platform.allows(url):
                    store.set_lineitem(self.engine, link, url)

    def read_rosters(self, *, force: bool = False) -> int:
        """Read the NRPS roster of each LMS context that is due; members read."""
        read = 0
        for context in store.all_contexts(self.engine):
            place = (context.issuer, context.deployment_id, context.context_id)
            last = self.roster_read.get(place, 0.0)
            if not context.memberships_url:
                continue
            if not force and time.time() - last < self.config.roster_minutes * 60:
                continue
            self.roster_read[place] = time.time()
            read += sync_roster(self, context)
        return read


def sync_roster(rt: LtiRuntime, context: Any) -> int:
    """Replace one context's roster with what NRPS says."""
    platform: Platform = rt.client(context.issuer, context.client_id).platform
    rows = []
    for member in rt.client(context.issuer, context.client_id).members(context.memberships_url):
        role = course_role(member.get("roles"))
        if role is None or not member.get("user_id"):
            continue
        claims = {**member, "sub": str(member["user_id"])}
        try:
            name = platform.username(claims)
        except LtiConfigError:  # the platform withholds the naming claim: this member waits
            continue
        rows.append(
            {
                "sub": str(member["user_id"]),
                "username": name,
                "role": role,
                "name": str(member.get("name") or ""),
                "active": str(member.get("status") or "Active") == "Active",
                "updated": rt.service.ledger.now(),
            }
        )
    place = {
        "issuer": context.issuer,
        "deployment_id": context.deployment_id,
        "context_id": context.context_id,
    }
    return store.replace_roster(rt.engine, place, context.course, rows)


class RosterDirectory:
    """The hub's groups, plus the LMS roster's learners in each course's learner group.

    A launch changes the hub's groups and writes a member row: when the member rows change
    (checked at most every :attr:`check` seconds), both readings are renewed, so a learner
    or instructor who just came from the LMS is known to the service at once.
    """

    check = 2.0

    def __init__(self, inner: Any, rt: LtiRuntime) -> None:
        self.inner = inner
        self.rt = rt
        self._extra: dict[str, frozenset[str]] = {}
        self._seen: Any = None
        self._checked = 0.0

    async def membership(self) -> Membership:
        """The hub's membership with roster learners added."""
        if time.monotonic() - self._checked > self.check:
            self._checked = time.monotonic()
            seen = await self.rt.service.run(store.members_version, self.rt.engine)
            if seen != self._seen:
                self._extra = await self.rt.service.run(self._read)
                if self._seen is not None and hasattr(self.inner, "invalidate"):
                    self.inner.invalidate()
                self._seen = seen
        base = await self.inner.membership()
        groups = dict(base.groups)
        for group, names in self._extra.items():
            groups[group] = groups.get(group, frozenset()) | names
        return Membership(groups, base.prefix)

    def _read(self) -> dict[str, frozenset[str]]:
        prefix = self.rt.service.config.group_prefix
        return {
            prefix + course: frozenset(
                r.username for r in store.roster(self.rt.engine, course, LEARNER)
            )
            for course in self.rt.service.config.courses
        }


def runtime(service: Any) -> LtiRuntime | None:
    """The service's LMS connection (``None`` without an ``lti:`` section)."""
    config = service.config.lti
    if config is None:
        return None
    rt = _RUNTIMES.get(service)
    if rt is None:
        rt = _RUNTIMES[service] = LtiRuntime(service, config)
        service.directory = RosterDirectory(service.directory, rt)
    return rt


def one_round(rt: LtiRuntime) -> spool.Delivery:
    """Line items, rosters, new grades, deliveries (blocking: run in a worker thread)."""
    service = rt.service
    rt.find_lineitems()
    with contextlib.suppress(ConnectionError):
        rt.read_rosters()
    scan(service.ledger, service.config)
    return spool.deliver(rt.engine, rt.post, interval=rt.config.interval)


async def worker(service: Any) -> None:
    """Run forever in the service (see the module doc)."""
    rt = runtime(service)
    if rt is None:
        return
    while True:
        try:
            done = await service.run(one_round, rt)
            if done.delivered or done.refused:
                log.info("LMS grades: %s delivered, %s refused", done.delivered, done.refused)
        except Exception as exc:  # the LMS or the database failed: the next round retries
            log.warning("LMS round failed, will retry: %s", exc)
        await asyncio.sleep(rt.config.interval)
