"""Pages for people: the course index, the live class view, exports."""

from __future__ import annotations

import html
import json
import time
from typing import Any

from tornado import web

from ..evidence.privacy import pseudonymise
from .base import Base
from .classview import progress_table, pseudonymise_names, render_items_page, render_page
from .roles import INSTRUCTOR, OBSERVER

__all__ = ["ClassView", "Export", "Index", "ItemsView"]


class Index(Base):
    """The service's start page: the courses the user can look at."""

    async def get(self) -> None:
        items = []
        for course in self.service.config.courses:
            role = self.membership.role(self.user, course)
            if role in (INSTRUCTOR, OBSERVER):
                link = f'<a href="class/{html.escape(course)}/">{html.escape(course)}</a>'
                items.append(f"<li>{link} ({role})</li>")
            elif role:
                items.append(f"<li>{html.escape(course)} (learner)</li>")
        body = "".join(items) or "<li>You are not in any lessonkit course on this hub.</li>"
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>lessonkit</title></head><body><h1>lessonkit courses</h1><ul>{body}</ul>"
            f"<p>Signed in as {html.escape(str(self.user))}.</p></body></html>"
        )


class _CourseData(Base):
    """Shared by the class view and exports: one lesson's statements of a course's learners."""

    def lesson_and_mode(self, course: str) -> tuple[str, bool]:
        self.require(course, OBSERVER)
        lessons = list(self.service.config.courses[course].lessons)
        lesson = self.get_argument("lesson", lessons[0])
        if lesson not in lessons:
            raise web.HTTPError(404, f"no lesson {lesson!r} in {course}")
        instructor = self.membership.at_least(self.user, course, INSTRUCTOR)
        wants = self.get_argument("pseudonymise", "0") not in ("0", "", "false")
        return lesson, (not instructor) or wants

    def statements(self, course: str, lesson: str) -> list[dict[str, Any]]:
        roster = self.membership.roster(course)
        return [
            s
            for s in self.service.ledger.read(lesson=lesson)
            if s.get("actor", {}).get("account", {}).get("name") in roster
        ]


class ClassView(_CourseData):
    """``GET class/<course>/?lesson=<id>``: the live class view."""

    async def get(self, course: str) -> None:
        lesson, pseudonymised = self.lesson_and_mode(course)
        cfg = self.service.config.class_view
        key = (course, lesson, pseudonymised)
        cached = self.service.view_cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < max(2.0, cfg.refresh_seconds / 2):
            page = cached[1]
        else:
            page = await self.service.run(self._build, course, lesson, pseudonymised)
            self.service.view_cache[key] = (time.monotonic(), page)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(page)

    def _build(self, course: str, lesson: str, pseudonymised: bool) -> str:
        from ..analytics.flags import flags
        from ..analytics.frame import statements_frame

        ledger = self.service.ledger
        cfg = self.service.config.class_view
        frame = statements_frame(self.statements(course, lesson))
        roster = sorted(self.membership.roster(course))
        last_seen = ledger.last_activity(lesson)
        struggling: list[str] = []
        if len(frame):
            try:
                flagged = flags(frame)
                struggling = list(flagged[flagged["flag"] == "struggling"].index)
            except (KeyError, ValueError):  # too little evidence for the mastery tables
                struggling = []
        progress = progress_table(frame, roster, last_seen, cfg, struggling=struggling)
        if pseudonymised:
            from ..analytics.privacy import pseudonymise_frame

            names = pseudonymise_names(progress["learner"], ledger.salt, ledger.home_page)
            progress["learner"] = progress["learner"].map(names)
            frame = pseudonymise_frame(frame, ledger.salt) if len(frame) else frame
        return render_page(
            course=course,
            lesson=lesson,
            lessons=list(self.service.config.courses[course].lessons),
            progress=progress,
            frame=frame,
            pseudonymised=pseudonymised,
            refresh=cfg.refresh_seconds,
        )


class ItemsView(_CourseData):
    """``GET class/<course>/items?lesson=<id>``: item analysis, judged against the
    instructor's lesson (no learner ids, so observers see the same page)."""

    async def get(self, course: str) -> None:
        lesson, _ = self.lesson_and_mode(course)
        key = (course, lesson, "items")
        cached = self.service.view_cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < 10.0:
            page = cached[1]
        else:
            page = await self.service.run(self._build, course, lesson)
            self.service.view_cache[key] = (time.monotonic(), page)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(page)

    def _build(self, course: str, lesson: str) -> str:
        from ..analytics.frame import statements_frame
        from ..analytics.items import item_analysis

        config = self.service.config.courses[course]
        frame = statements_frame(self.statements(course, lesson))
        source = config.sources.get(lesson)
        analysis = item_analysis(
            frame, {lesson: config.lessons[lesson]}, {lesson: source} if source else {}
        )
        return render_items_page(
            course=course, lesson=lesson, lessons=list(config.lessons), analysis=analysis
        )


class Export(_CourseData):
    """``GET class/<course>/export?lesson=<id>&format=csv|xapi``."""

    async def get(self, course: str) -> None:
        lesson, pseudonymised = self.lesson_and_mode(course)
        kind = self.get_argument("format", "csv")
        if kind not in ("csv", "xapi"):
            raise web.HTTPError(400, "format must be csv or xapi")
        body = await self.service.run(self._export, course, lesson, kind, pseudonymised)
        mime = "text/csv" if kind == "csv" else "application/json"
        name = f"{course}-{lesson}.{'csv' if kind == 'csv' else 'json'}"
        self.set_header("Content-Type", f"{mime}; charset=utf-8")
        self.set_header("Content-Disposition", f'attachment; filename="{name}"')
        self.finish(body)

    def _export(self, course: str, lesson: str, kind: str, pseudonymised: bool) -> str:
        statements = self.statements(course, lesson)
        if pseudonymised:
            statements = list(pseudonymise(statements, self.service.ledger.salt))
        if kind == "xapi":
            return json.dumps(statements, ensure_ascii=False)
        from ..evidence.frame import statements_to_frame

        return str(statements_to_frame(statements).to_csv(index=False, lineterminator="\n"))
