"""The service's LMS pages and API (routes in :mod:`lessonkit.hub.app`).

=========================================  ==============================================
``GET  lti/jwks``                          the tool's public keys (no authentication)
``GET  lti/pick/<id>``                     the deep-linking picker (the instructor who
                                           launched it)
``GET  lti/pick/<id>/done?item=&view=``    the signed answer, posted back to the LMS
``GET  api/lti/roster/<course>``           the LMS roster, who started (instructor)
``POST api/lti/grades/<course>``           send grades now: ``{"lesson"|"milestone",
                                           "learner"}``
                                           (instructor; token only)
=========================================  ==============================================

The picker is named by a secret id the hub made at a checked deep-linking launch, is shown
only to the user that launch logged in, and answers once: the id is the page's CSRF guard, so
the choice can be a plain link.
"""

from __future__ import annotations

import html
import time
from typing import Any

from tornado import web

from ..lti import store
from ..lti.tokens import deep_link_response
from .base import Base
from .config import CourseConfig
from .lti_grades import NotInContextError, push
from .lti_items import Item, course_items, find_item, resource_id
from .lti_runtime import LtiRuntime, runtime
from .roles import INSTRUCTOR

__all__ = ["Jwks", "Pick", "Picked", "PushGrades", "Roster"]

MAX_AGE = 3600.0
"""Seconds a deep-linking request can wait for the instructor's pick."""
_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;"
    "color:#1a1a1a;background:#fff}li{margin:.6rem 0}a{color:#0b57d0}"
    "fieldset{border:1px solid #767676;margin:1rem 0;padding:.5rem 1rem}legend{font-weight:600}"
    ".choice{margin:.5rem 0}.meta{color:#4a4a4a}button{font:inherit;padding:.4rem 1rem}"
    ":focus-visible{outline:3px solid #0b57d0;outline-offset:2px}"
)


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )


class _Lti(Base):
    def rt(self) -> LtiRuntime:
        found = runtime(self.service)
        if found is None:
            raise web.HTTPError(404, "this service has no LMS connection (lti: in its config)")
        return found

    def html(self, text: str) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(text)


class Jwks(_Lti):
    """``GET lti/jwks``: the tool's public keys, for the platforms."""

    public = True

    async def get(self) -> None:
        self.send(await self.service.run(self.rt().keys.jwks))


class _Request(_Lti):
    async def request_of(self, key: str) -> Any:
        rt = self.rt()
        row = await self.service.run(store.deeplink, rt.engine, key)
        if row is None or row.username != self.user:
            raise web.HTTPError(404, "no such deep-linking request of yours")
        if row.used is not None:
            raise web.HTTPError(410, "this deep-linking request was answered already")
        if time.time() - float(row.created) > MAX_AGE:
            raise web.HTTPError(410, "this deep-linking request expired: start again in the LMS")
        return row


_GROUPS = (("lesson", "Lessons"), ("milestone", "Milestones"), ("plan", "Learning plan"))
_VIEWS = (("lab", "JupyterLab"), ("voila", "Voilà (the lesson alone, no code)"))


def _choice(index: int, item: Item, course: CourseConfig) -> str:
    if item.kind == "plan":
        meta = "what to do next, for each learner; no grade"
    elif item.points is None:
        meta = "no grade: nothing in it is scored"
    else:
        meta = f"{item.points:g} points"
    if item.kind == "milestone":
        titles = [course.lessons[i].title or i for i in item.lessons]
        meta += "; the lessons " + ", ".join(titles) if titles else "; no lessons yet"
    return (
        f'<div class="choice"><input type="radio" name="item" id="item-{index}" '
        f'value="{html.escape(item.key)}" required>'
        f' <label for="item-{index}">{html.escape(item.title)}'
        f' <span class="meta">({html.escape(meta)})</span></label></div>'
    )


def picker_page(key: str, course: CourseConfig, title: str) -> str:
    """The picker: one radio group of items (lessons, milestones, the plan), one of views."""
    items = course_items(course)
    groups = []
    for kind, legend in _GROUPS:
        choices = [_choice(n, i, course) for n, i in enumerate(items) if i.kind == kind]
        if choices:
            groups.append(f"<fieldset><legend>{legend}</legend>{''.join(choices)}</fieldset>")
    views = "".join(
        f'<div class="choice"><input type="radio" name="view" id="view-{v}" value="{v}"'
        f'{" checked" if v == "lab" else ""}> <label for="view-{v}">{html.escape(n)}</label></div>'
        for v, n in _VIEWS
    )
    where = f" (LMS course “{html.escape(title)}”)" if title else ""
    return _page(
        "Add lessonkit content",
        f"<p>lessonkit course <strong>{html.escape(course.name)}</strong>{where}. Pick what "
        "your LMS course links to; a graded item gets a gradebook column with its maximum "
        "score, and each learner's score arrives there when they finish.</p>"
        f'<form method="get" action="{html.escape(key)}/done">{"".join(groups)}'
        f"<fieldset><legend>Opens in</legend>{views}</fieldset>"
        '<button type="submit">Add to the LMS course</button></form>',
    )


class Pick(_Request):
    """``GET lti/pick/<id>``: choose what to add to the LMS course."""

    async def get(self, key: str) -> None:
        row = await self.request_of(key)
        course = self.service.config.courses[row.course]
        title = await self.service.run(store.context_title, self.rt().engine, row)
        self.html(picker_page(key, course, title))


class Picked(_Request):
    """``GET lti/pick/<id>/done``: the signed answer, posted to the LMS by the browser."""

    async def get(self, key: str) -> None:
        row = await self.request_of(key)
        course = self.service.config.courses[row.course]
        key_of, view = self.get_argument("item", ""), self.get_argument("view", "lab")
        item = find_item(course, key_of)
        if item is None or view not in dict(_VIEWS):
            offered = ", ".join(i.key for i in course_items(course))
            raise web.HTTPError(400, f"pick one of: {offered}; view lab or voila")
        rt = self.rt()
        if not await self.service.run(store.use_deeplink, rt.engine, key, time.time()):
            raise web.HTTPError(410, "this deep-linking request was answered already")
        content: dict[str, Any] = {
            "type": "ltiResourceLink",
            "title": item.title,
            "url": rt.config.hub_url + "hub/",
            "custom": {"lessonkit_item": item.key, "lessonkit_view": view},
        }
        if item.points is not None:
            content["lineItem"] = {
                "label": item.title,
                "scoreMaximum": item.points,
                "resourceId": resource_id(row.course, item.key),
                "tag": "lessonkit",
            }
        platform = rt.client(row.issuer, row.client_id).platform
        key_pair = await self.service.run(rt.keys.ensure)
        token = deep_link_response(
            platform, key_pair, deployment_id=row.deployment_id, items=[content], data=row.data
        )
        body = (
            f'<form method="post" action="{html.escape(row.return_url)}" id="lti-return">'
            f'<input type="hidden" name="JWT" value="{html.escape(token)}">'
            f"<p>Adding <strong>{html.escape(item.title)}</strong> to your LMS course.</p>"
            '<button type="submit">Return to the LMS</button></form>'
            "<script>document.getElementById('lti-return').submit()</script>"
        )
        self.html(_page("Returning to your LMS", body))


class Roster(_Lti):
    """``GET api/lti/roster/<course>``: the LMS roster and who has started."""

    async def get(self, course: str) -> None:
        self.require(course, INSTRUCTOR)
        rt, ledger, config = self.rt(), self.service.ledger, self.service.config

        def read() -> list[dict[str, Any]]:
            from .lti_grades import started

            begun = started(ledger, course, config)
            return [
                {
                    "username": r.username,
                    "name": r.name,
                    "role": r.role,
                    "source": r.source,
                    "lessons_started": begun.get(r.username, []),
                }
                for r in store.roster(rt.engine, course)
            ]

        self.send({"course": course, "members": await self.service.run(read)})


class PushGrades(_Lti):
    """``POST api/lti/grades/<course>``: queue grades now and try to deliver them."""

    async def post(self, course: str) -> None:
        self.require(course, INSTRUCTOR)
        body = self.json_body() or {}
        if not isinstance(body, dict):
            raise web.HTTPError(400, 'send {"lesson" or "milestone": id or null, "learner"}')
        rt = self.rt()
        learner = body.get("learner")
        item = f"lesson:{body['lesson']}" if body.get("lesson") else None
        item = f"milestone:{body['milestone']}" if body.get("milestone") else item
        if item is not None and find_item(self.service.config.courses[course], item) is None:
            raise web.HTTPError(404, f"no {item.replace(':', ' ')!r} in {course}")

        def run() -> dict[str, Any]:
            from ..lti import spool

            queued = push(self.service.ledger, self.service.config, course, item, learner)
            done = spool.deliver(rt.engine, rt.post, interval=rt.config.interval, course=course)
            return {"queued": queued, "delivered": done.delivered, "refused": done.refused}

        try:
            result = await self.service.run(run)
        except NotInContextError as exc:
            raise web.HTTPError(409, str(exc)) from exc
        self.send({"course": course, **result, "spool": store.spool_counts(rt.engine, course)})


def lti_routes() -> list[tuple[str, type]]:
    """The routes, for :func:`lessonkit.hub.app.make_app`."""
    return [
        ("lti/jwks", Jwks),
        (r"lti/pick/([A-Za-z0-9_-]+)", Pick),
        (r"lti/pick/([A-Za-z0-9_-]+)/done", Picked),
        (r"api/lti/roster/([A-Za-z0-9_-]+)", Roster),
        (r"api/lti/grades/([A-Za-z0-9_-]+)", PushGrades),
    ]
