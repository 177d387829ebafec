"""The JSON API handlers (see :mod:`lessonkit.hub.app` for the routes)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from tornado import web

from .. import __version__
from ..evidence.statements import parse_timestamp
from .base import Base
from .checking import CheckRefusedError, check_answer
from .ingest import ingest
from .limits import MAX_BATCH
from .roles import INSTRUCTOR, LEARNER

__all__ = ["Check", "Grades", "Health", "Learner", "LessonCopy", "Statements", "WhoAmI"]


def _language(value: Any) -> str | None:
    """The learner's language from a request body (a short string, else none)."""
    return value if isinstance(value, str) and len(value) <= 35 else None


class Health(Base):
    """``GET api/health``: the database answers (no authentication; for probes, so cheap)."""

    public = True

    async def get(self) -> None:
        await self.service.run(self.service.ledger.ping)
        self.send({"ok": True, "version": __version__})


class WhoAmI(Base):
    """``GET api/whoami``: the user as the hub names them, and their course roles."""

    async def get(self) -> None:
        roles = {c: self.membership.role(self.user, c) for c in self.service.config.courses}
        self.send({"name": self.user, "courses": {c: r for c, r in roles.items() if r}})


class Statements(Base):
    """``POST``: store a learner's statements; ``GET``: read statements."""

    async def post(self) -> None:
        body = self.json_body()
        statements = body.get("statements") if isinstance(body, dict) else body
        if not isinstance(statements, list):
            raise web.HTTPError(400, "send a JSON array of xAPI statements")
        if len(statements) > MAX_BATCH:
            raise web.HTTPError(413, f"at most {MAX_BATCH} statements per request")
        self.limit("statements", len(statements))
        result = await self.service.run(
            ingest, self.service.ledger, self.user, statements, self.membership
        )
        if result.accepted:
            self.service.wake_forwarder.set()
        self.send(result.as_json())

    async def get(self) -> None:
        learner = self.get_argument("learner", None) or str(self.user)
        lesson = self.get_argument("lesson", None)
        registration = self.get_argument("registration", None)
        if learner != self.user:
            self._may_read(learner, lesson)
        since: datetime | None = None
        if self.get_argument("since", None):
            try:
                since = parse_timestamp(self.get_argument("since"))
            except ValueError as exc:
                raise web.HTTPError(400, f"since: not a timestamp: {exc}") from exc
        ledger = self.service.ledger

        def read() -> list[dict[str, Any]]:
            return list(
                ledger.read(
                    learner=learner,
                    lesson=lesson,
                    registration=registration,
                    since=since,
                )
            )

        self.send({"statements": await self.service.run(read)})

    def _may_read(self, learner: str, lesson: str | None) -> None:
        """Only an instructor of a course with ``lesson`` (a lesson, or its course file's key
        ``course:<id>``) reads its learners' statements."""
        if lesson is None:
            raise web.HTTPError(403, "reading another learner's evidence needs ?lesson=")
        config = self.service.config
        for course in config.courses_of(lesson) or config.courses_on_plan(lesson):
            roster = self.membership.roster(course)
            if self.membership.at_least(self.user, course, INSTRUCTOR) and learner in roster:
                return
        raise web.HTTPError(403, f"{self.user} may not read {learner}'s evidence in {lesson}")


class Check(Base):
    """``POST api/check`` ``{"lesson", "question", "response"}``: the service's verdict."""

    async def post(self) -> None:
        # Every request counts, even a malformed one; a learner's checks run a few at a time
        # so that one learner cannot hold all the worker threads (code checks take seconds).
        with self.check_slot():
            self.limit("checks")
            body = self.json_body()
            if not isinstance(body, dict) or not body.get("lesson") or not body.get("question"):
                raise web.HTTPError(400, 'send {"lesson": id, "question": id, "response": ...}')
            try:
                verdict = await self.service.run(
                    functools.partial(
                        check_answer,
                        self.service.ledger,
                        str(self.user),
                        lesson_id=str(body["lesson"]),
                        question_id=str(body["question"]),
                        response=body.get("response"),
                        membership=self.membership,
                        language=_language(body.get("language")),
                    )
                )
            except CheckRefusedError as exc:
                raise web.HTTPError(exc.status, str(exc)) from exc
        self.send(verdict)


class LessonCopy(Base):
    """``GET api/lessons/<id>[?lang=es]``: the learner's copy (YAML text), keys left on the
    service; with ``lang``, in that language where the lesson has a translation into it (the
    copy carries no translation files: their accepted answers are keys too)."""

    async def get(self, lesson_id: str) -> None:
        from ..lesson.loader import dumps_lesson
        from ..lesson.units import localize
        from .keys import service_copy

        config = self.service.config
        courses = [
            c
            for c in config.courses_of(lesson_id)
            if self.membership.at_least(self.user, c, LEARNER)
        ]
        if not courses:
            raise web.HTTPError(404, f"no lesson {lesson_id!r} in your courses")
        course = config.courses[courses[0]]
        lesson = course.lessons[lesson_id]
        language = _language(self.get_argument("lang", None))
        if language:
            try:
                lesson = localize(lesson, language)
            except ValueError as exc:
                raise web.HTTPError(400, str(exc)) from exc
        copy = service_copy(lesson, code_checks=course.code_checks)
        self.send({"lesson": lesson_id, "course": course.name, "yaml": dumps_lesson(copy)})


class Grades(Base):
    """``GET api/grades/<course>/<lesson>``: each learner's grade, from server-side evidence."""

    async def get(self, course: str, lesson_id: str) -> None:
        self.require(course, INSTRUCTOR)
        key = self.service.config.courses[course].lessons.get(lesson_id)
        if key is None:
            raise web.HTTPError(404, f"no lesson {lesson_id!r} in {course}")
        roster = sorted(self.membership.roster(course))
        ledger = self.service.ledger

        def grades() -> dict[str, Any]:
            from ..grading import regrade

            out = {}
            for learner in roster:
                # Every grade in the service's database was given by an instructor: trusted.
                statements = list(ledger.read(learner=learner, lesson=lesson_id))
                report = regrade(key, statements, grades=statements)
                earned, available = report.question_points()
                out[learner] = {
                    "score": earned,
                    "max_score": available,
                    "completed": report.completed,
                    "sessions": report.sessions,
                    "questions": {q.id: q.points for q in report.questions.values()},
                    "pending": [q.id for q in report.questions.values() if q.pending],
                    "mastery": {c.id: c.mastery for c in report.competencies.values()},
                }
            return out

        self.send(
            {"course": course, "lesson": lesson_id, "learners": await self.service.run(grades)}
        )


class Learner(Base):
    """``DELETE api/learners/<name>?course=<course>``: erase a learner's data in a course.

    Only an instructor of the course, only a learner on its roster, only data attributable to
    it (see :mod:`lessonkit.hub.erasure`): 403 otherwise, 409 when lessons shared with another
    course of the learner hold data (nothing deleted) or when something is left afterwards.
    """

    async def delete(self, learner: str) -> None:
        from .erasure import ErasureRefusedError, erase, scope_for

        course = self.get_argument("course")
        self.require(course, INSTRUCTOR)
        if learner not in self.membership.roster(course):
            raise web.HTTPError(
                403,
                f"{learner} is not a learner of {course}: an instructor erases only their own "
                "learners' data (an administrator: lessonkit hub delete-learner)",
            )
        scope = scope_for(self.service.config, learner, course, self.membership)
        try:
            done = await self.service.run(erase, self.service.ledger, scope)
        except ErasureRefusedError as exc:
            self.send({"error": str(exc), "status": 409, "shared": exc.shared}, 409)
            return
        finally:
            self.service.view_cache.clear()
        self.send(done.as_json(), 200 if done.complete else 409)
