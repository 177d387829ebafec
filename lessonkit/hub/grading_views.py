"""Grading with rubrics on the service: the grading tab and the grades API (instructors only).

=================================================  =========================================
``GET  class/<course>/grading?lesson=&question=``   the grading tab, one answer at a time
``POST class/<course>/grading?…``                   save a grade from the tab's form (the
                                                    login cookie and the page's XSRF token)
``GET  api/grades/<c>/<lesson>/<question>/<name>``  a learner's latest answer and its grades
``POST api/grades/<c>/<lesson>/<question>/<name>``  grade it: ``{"levels": {criterion:
                                                    label}, "comment", "replaces", "answer"}``
``POST api/replies/<lesson>``                       a learner's one reply to a comment on
                                                    their answer: ``{"grade": id, "text"}``
=================================================  =========================================

``replaces`` is the version of the grade the grader saw (0: none) and ``answer`` the answer's
statement id: a grade or an answer that changed meanwhile is a 409 and nothing is stored
(see :mod:`.grading`). A POST needs a token, or the browser's cookie with the XSRF token of a
page of the service (the tab's form, or ``X-XSRFToken`` on a JSON request).
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlencode

from tornado import web

from ..evidence.grades import RubricGrade
from ..evidence.privacy import pseudonym
from ..i18n import Translator
from ..lesson.model import Lesson, Question
from .base import Base
from .grading import (
    GradeRefusedError,
    Saved,
    class_answers,
    rubric_questions,
    save_grade,
    save_reply,
)
from .grading_page import GradingPage, of_points, render_grading_page
from .roles import INSTRUCTOR, LEARNER
from .views import viewer_language

__all__ = ["GradeAnswer", "GradingTab", "ReplyToGrade"]


def _grade_json(saved: Saved | RubricGrade | None) -> dict[str, Any] | None:
    grade = saved.grade if isinstance(saved, Saved) else saved
    if grade is None:
        return None
    return {
        "id": grade.id,
        "version": grade.version,
        "answer": grade.answer,
        "levels": dict(grade.levels),
        "points": grade.points,
        "max_points": grade.max_points,
        "comment": grade.comment,
        "grader": grade.grader.id,
        "timestamp": grade.timestamp.isoformat(),
    }


class _Grading(Base):
    page_writes = True

    def lesson_of(self, course: str, lesson_id: str) -> Lesson:
        self.require(course, INSTRUCTOR)
        lesson = self.service.config.courses[course].lessons.get(lesson_id)
        if lesson is None:
            raise web.HTTPError(404, f"no lesson {lesson_id!r} in {course}")
        return lesson

    def question_of(self, lesson: Lesson, question_id: str) -> Question:
        step = lesson.step(question_id) if lesson.has_step(question_id) else None
        if not isinstance(step, Question) or step.rubric is None:
            raise web.HTTPError(404, f"{lesson.id}: no question {question_id!r} with a rubric")
        return step

    async def save(
        self, course: str, lesson: Lesson, question: str, learner: str, body: dict[str, Any]
    ) -> Saved:
        if learner not in self.membership.roster(course):
            raise web.HTTPError(403, f"{learner} is not a learner of {course}")
        levels, comment = body.get("levels"), body.get("comment", "")
        replaces, answer = body.get("replaces", 0), body.get("answer")
        if not isinstance(levels, dict) or not isinstance(comment, str):
            raise web.HTTPError(400, 'send {"levels": {criterion: level label}, "comment": ...}')
        if not isinstance(replaces, int) or isinstance(replaces, bool) or replaces < 0:
            raise web.HTTPError(400, "replaces: the version of the grade you saw (0: none)")
        if answer is not None and not isinstance(answer, str):
            raise web.HTTPError(400, "answer: the statement id of the answer you graded")
        if len(comment) > 20_000:
            raise web.HTTPError(400, "the comment is longer than 20,000 characters")
        self.limit("statements")
        try:
            saved: Saved = await self.service.run(
                functools.partial(
                    save_grade,
                    self.service.ledger,
                    lesson,
                    question,
                    learner,
                    grader=str(self.user),
                    levels=levels,
                    comment=comment,
                    replaces=replaces,
                    answer=answer,
                )
            )
        except GradeRefusedError as exc:
            raise web.HTTPError(exc.status, str(exc)) from exc
        if not saved.duplicate:
            self.service.wake_forwarder.set()
            self.service.view_cache.clear()
        return saved


class GradeAnswer(_Grading):
    """``GET``/``POST api/grades/<course>/<lesson>/<question>/<learner>``."""

    async def get(self, course: str, lesson_id: str, question_id: str, learner: str) -> None:
        lesson = self.lesson_of(course, lesson_id)
        self.question_of(lesson, question_id)
        if learner not in self.membership.roster(course):
            raise web.HTTPError(403, f"{learner} is not a learner of {course}")
        found = await self.service.run(
            class_answers, self.service.ledger, lesson, question_id, frozenset({learner})
        )
        if not found:
            raise web.HTTPError(404, f"{learner} has not answered {question_id!r} yet")
        item = found[0]
        self.send(
            {
                "learner": learner,
                "answer": item.answer_id,
                "response": item.response,
                "grade": _grade_json(item.grade),
                "earlier": [_grade_json(g) for g in item.earlier],
                "replies": {
                    gid: {"text": r.text, "timestamp": r.timestamp.isoformat()}
                    for gid, r in item.replies.items()
                },
            }
        )

    async def post(self, course: str, lesson_id: str, question_id: str, learner: str) -> None:
        lesson = self.lesson_of(course, lesson_id)
        self.question_of(lesson, question_id)
        body = self.json_body()
        if not isinstance(body, dict):
            raise web.HTTPError(400, "send a JSON object")
        saved = await self.save(course, lesson, question_id, learner, body)
        self.send({"grade": _grade_json(saved), "duplicate": saved.duplicate})


class ReplyToGrade(Base):
    """``POST api/replies/<lesson>``: a learner replies once to a comment on their answer."""

    async def post(self, lesson_id: str) -> None:
        courses = self.service.config.courses_of(lesson_id)
        if not any(self.membership.at_least(self.user, c, LEARNER) for c in courses):
            raise web.HTTPError(403, f"{self.user} is not in a course with lesson {lesson_id!r}")
        body = self.json_body()
        grade, text = (body.get("grade"), body.get("text")) if isinstance(body, dict) else (0, 0)
        if not isinstance(grade, str) or not isinstance(text, str):
            raise web.HTTPError(400, 'send {"grade": the grade\'s id, "text": your reply}')
        self.limit("statements")
        try:
            sid = await self.service.run(
                save_reply, self.service.ledger, str(self.user), lesson_id, grade, text
            )
        except GradeRefusedError as exc:
            raise web.HTTPError(exc.status, str(exc)) from exc
        self.service.wake_forwarder.set()
        self.service.view_cache.clear()
        self.send({"reply": sid})


class GradingTab(_Grading):
    """``GET``/``POST class/<course>/grading``: the grading tab and its form."""

    async def get(self, course: str) -> None:
        await self._page(course)

    async def post(self, course: str) -> None:
        fields = self.form_body()  # checks the page's XSRF token for a cookie write
        t = viewer_language(self)
        lesson, question = self._chosen(course)
        if question is None:
            raise web.HTTPError(404, "this lesson has no question with a rubric")
        answers = await self._answers(course, lesson, question)
        target = next((a for a in answers if a.answer_id == fields.get("answer")), None)
        if target is None:
            why = t.gettext("the learner answered again since you read it: here is the new answer")
            await self._page(course, error=why, status=409)
            return
        body = {
            "levels": {k[6:]: v for k, v in fields.items() if k.startswith("level-")},
            "comment": fields.get("comment", "").replace("\r\n", "\n"),
            "replaces": int(fields["replaces"]) if fields.get("replaces", "").isdigit() else -1,
            "answer": target.answer_id,
        }
        try:
            await self.save(course, lesson, question.id, target.learner.id, body)
        except web.HTTPError as exc:
            if exc.status_code not in (400, 409):
                raise
            refused = exc.__cause__
            if isinstance(refused, GradeRefusedError):
                why = refused.translated(t)
            else:  # a form that is not the page's (its fields were changed): a detail
                why = str(exc.log_message or exc.reason)
            await self._page(course, error=why, status=exc.status_code)
            return
        order = self._order(answers)
        position = order.index(target)
        rest = [i for i in range(len(order)) if order[i].grade is None and i != position]
        later = [i for i in rest if i > position] or rest
        nxt = later[0] if later else (position + 1) % len(order)
        query = {"lesson": lesson.id, "question": question.id, "n": nxt + 1, "saved": position + 1}
        if self.get_argument("reveal", "") == "1":
            query["reveal"] = 1
        if self.get_argument("lang", ""):
            query["lang"] = self.get_argument("lang")
        self.redirect("grading?" + urlencode(query), status=303)

    def _chosen(self, course: str) -> tuple[Lesson, Question | None]:
        self.require(course, INSTRUCTOR)
        config = self.service.config.courses[course]
        with_rubric = [lid for lid, les in config.lessons.items() if rubric_questions(les)]
        default = (with_rubric or list(config.lessons))[0]
        lesson = self.lesson_of(course, self.get_argument("lesson", default))
        questions = rubric_questions(lesson)
        wanted = self.get_argument("question", questions[0].id if questions else "")
        question = self.question_of(lesson, wanted) if questions else None
        return lesson, question

    async def _answers(self, course: str, lesson: Lesson, question: Question) -> list[Any]:
        roster = self.membership.roster(course)
        return list(
            await self.service.run(class_answers, self.service.ledger, lesson, question.id, roster)
        )

    def _pseudonym(self, name: str) -> str:
        ledger = self.service.ledger
        return pseudonym(ledger.salt, ledger.home_page, name)[:6]

    def _label(self, name: str, t: Translator) -> str:
        return t.gettext("Learner {pseudonym}").format(pseudonym=self._pseudonym(name))

    def _order(self, answers: list[Any]) -> list[Any]:
        # The pseudonyms' order, the same in every language.
        return sorted(answers, key=lambda a: self._pseudonym(a.learner.id))

    async def _page(self, course: str, *, error: str = "", status: int = 200) -> None:
        t = viewer_language(self)
        lesson, question = self._chosen(course)
        answers = self._order(await self._answers(course, lesson, question)) if question else []
        reveal = self.get_argument("reveal", "") == "1"
        n = self.get_argument("n", "1")
        index = (int(n) - 1) % len(answers) if n.isdigit() and int(n) > 0 and answers else 0
        message = ""
        saved = self.get_argument("saved", "")
        if saved.isdigit() and 0 < int(saved) <= len(answers):
            grade = answers[int(saved) - 1].grade
            if grade is not None:
                message = t.gettext("Saved the grade of answer {n}: {points}.").format(
                    n=t.number(int(saved)), points=of_points(t, grade.points, grade.max_points)
                )
        page = GradingPage(
            course=course,
            lesson=lesson.id,
            lessons=list(self.service.config.courses[course].lessons),
            questions=rubric_questions(lesson),
            question=question,
            answers=answers,
            labels=[a.learner.id if reveal else self._label(a.learner.id, t) for a in answers],
            index=index,
            reveal=reveal,
            xsrf=self.xsrf_token.decode("ascii"),
            message=message,
            error=error,
            t=t,
            lang=self.get_argument("lang", ""),
        )
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(render_grading_page(page))
