"""Grading with rubrics on the course service: the API, the grading tab, CSRF, hostile answers.

The service runs in a thread with a token table for the hub (``tests/hub/harness.py``); a
browser's login is the harness's cookie, so the grading tab's cookie writes and their XSRF
check run on the real service code (JupyterHub's own XSRF check is exercised under a real hub
in ``test_grading_hub.py``). Learners answer through the service store, as in their kernels.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from lessonkit.course.feedback import ReplyRefusedError, send_reply
from lessonkit.engine.session import LessonSession
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.grades import GradeIndex, grade_statement, statement_to_grade
from lessonkit.evidence.grants import grant_statement
from lessonkit.evidence.replies import feedback_of, reply_statement, statement_to_reply
from lessonkit.evidence.statements import EXT
from lessonkit.evidence.stores import load_session_events
from lessonkit.evidence.stores.service import ServiceStore, request_json
from lessonkit.grading.rubrics import make_grade
from lessonkit.hub.keys import service_copy
from lessonkit.lesson.loader import load_lesson

from .harness import DATA, LESSON, LOGIN_COOKIE, ThreadedService, write_config
from .ralph import Ralph
from .test_lrs_forwarding import ralph  # noqa: F401 - a fixture: a real Ralph LRS

ESSAY = load_lesson(DATA / "essay.lesson.yaml")
COURSE_FILE = (
    Path(__file__).resolve().parents[2] / "lessons/python-basics/python-basics.course.yaml"
)
HOSTILE = '<script>document.title="owned"</script><img src=x onerror=alert(1)> It stops when false'


@pytest.fixture(scope="module")
def grading(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedService]:
    """One service for the module, with the lesson a teacher grades by hand."""
    folder = tmp_path_factory.mktemp("grading")
    config = write_config(
        folder,
        f"sqlite:///{folder / 'course.db'}",
        courses={
            "algebra": {
                "lessons": [str(DATA / "essay.lesson.yaml"), str(LESSON)],
                "course_file": str(COURSE_FILE),  # competencies to judge, lessons to assign
            }
        },
    )
    service = ThreadedService.from_file(config).start()
    try:
        yield service
    finally:
        service.stop()


def answer(service: ThreadedService, folder: Path, user: str, text: str) -> LessonSession:
    """``user`` answers the choice question right and the free response with ``text``."""
    token = f"tok-{user}"
    store = ServiceStore("hub+" + service.base, token=token, spool_dir=folder / user)
    session = LessonSession(service_copy(ESSAY), learner=user, store=store)
    session.start()
    with pytest.MonkeyPatch.context() as env:  # where the kernel's checker finds the service
        env.setenv("LESSONKIT_SERVICE_URL", service.base)
        env.setenv("LESSONKIT_HUB_TOKEN", token)
        assert session.submit("while").result.correct  # type: ignore[union-attr]
    session.advance()
    recorded = session.submit(text).result
    assert recorded.details["recorded"] and "rubric" in recorded.feedback  # type: ignore[union-attr]
    assert store.flush(10)
    return session


def api(service: ThreadedService, method: str, path: str, token: str, body: Any = None) -> Any:
    return request_json(method, service.base + path, token, body)


GRADE = "api/grades/algebra/hub-essay/q-explain/"


@pytest.fixture(scope="module")
def answered(
    grading: ThreadedService, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, LessonSession]]:
    folder = tmp_path_factory.mktemp("spool")
    sessions = {
        "alice": answer(grading, folder, "alice", HOSTILE),
        "bob": answer(grading, folder, "bob", "The loop stops once its condition is false."),
    }
    yield sessions
    for session in sessions.values():
        session.store.close()


def test_an_instructor_grades_through_the_api_and_regrading_replaces(
    grading: ThreadedService, answered: dict[str, LessonSession]
) -> None:
    status, seen = api(grading, "GET", GRADE + "bob", "tok-teacher")
    assert status == 200 and seen["grade"] is None and "condition" in seen["response"]
    first = {"levels": {"idea": "Clear", "wording": "Vague"}, "comment": "Say when.", "replaces": 0}
    status, body = api(
        grading, "POST", GRADE + "bob", "tok-teacher", {**first, "answer": seen["answer"]}
    )
    assert status == 200 and body["grade"]["points"] == 3 and not body["duplicate"], body
    # A retried request stores nothing new; a stale one (version 0 again) is a conflict.
    again = api(grading, "POST", GRADE + "bob", "tok-teacher", first)
    assert again[0] == 200 and again[1]["duplicate"] and again[1]["grade"]["version"] == 1
    stale = {**first, "levels": {"idea": "Partly", "wording": "Vague"}}
    status, refused = api(grading, "POST", GRADE + "bob", "tok-teacher", stale)
    assert status == 409 and "version 1 by teacher" in refused["error"]
    regrade = {
        "levels": {"idea": "Clear", "wording": "Precise"},
        "comment": "Now exact.",
        "replaces": 1,
    }
    status, body = api(grading, "POST", GRADE + "bob", "tok-teacher", regrade)
    assert status == 200 and body["grade"]["version"] == 2 and body["grade"]["points"] == 4

    status, stored = api(
        grading, "GET", "api/statements?learner=bob&lesson=hub-essay", "tok-teacher"
    )
    grades = [s for s in stored["statements"] if statement_to_grade(s) is not None]
    voids = [s for s in stored["statements"] if s["verb"]["id"].endswith("/voided")]
    assert len(grades) == 2 and len(voids) == 1  # never duplicated, the old one voided
    first_id = next(s["id"] for s in grades if s["id"] != body["grade"]["id"])
    assert voids[0]["object"] == {"objectType": "StatementRef", "id": first_id}
    index = GradeIndex.of(stored["statements"])
    assert [g.version for g in index.current.values()] == [2]
    assert all(EXT + "server-seq" in s["context"]["extensions"] for s in grades + voids)

    # An answer other than the latest (the learner answered again since it was read): 409.
    stale_answer = {**regrade, "replaces": 2, "answer": "00000000-0000-5000-8000-000000000000"}
    status, refused = api(grading, "POST", GRADE + "bob", "tok-teacher", stale_answer)
    assert status == 409 and "answered 'q-explain' again" in refused["error"]

    # The grade counts once in the service's grades, with the regrade's points.
    status, table = api(grading, "GET", "api/grades/algebra/hub-essay", "tok-teacher")
    assert table["learners"]["bob"]["questions"] == {"q-kind": 1.0, "q-explain": 4.0}
    assert table["learners"]["alice"]["pending"] == ["q-explain"]
    assert table["learners"]["alice"]["questions"]["q-explain"] == 0


def test_only_the_course_instructor_grades_and_grades_fit_the_rubric(
    grading: ThreadedService, answered: dict[str, LessonSession]
) -> None:
    good = {"levels": {"idea": "Partly", "wording": "Vague"}, "comment": "", "replaces": 0}
    for token in ("tok-alice", "tok-ta", "tok-mallory"):
        assert api(grading, "POST", GRADE + "alice", token, good)[0] == 403, token
    assert api(grading, "GET", GRADE + "alice", "tok-ta")[0] == 403
    assert api(grading, "POST", GRADE + "mallory", "tok-teacher", good)[0] == 403  # no learner
    wrong = [
        ({"idea": "Perfect", "wording": "Vague"}, "no level 'Perfect'"),
        ({"idea": "Clear"}, "pick a level for criterion 'wording'"),
        ({"idea": "Clear", "wording": "Vague", "style": "x"}, "no criterion 'style'"),
    ]
    for levels, why in wrong:
        status, body = api(
            grading, "POST", GRADE + "alice", "tok-teacher", {**good, "levels": levels}
        )
        assert status == 400 and why in body["error"], body
    status, body = api(
        grading, "POST", "api/grades/algebra/hub-essay/q-kind/alice", "tok-teacher", good
    )
    assert status == 404 and "rubric" in body["error"]
    # A learner cannot post a grade of their own: the service takes session events only.
    forged = make_grade(
        ESSAY,
        "q-explain",
        learner=LearnerRef(id="alice", home_page="https://hub.example.org/hub/"),
        grader=LearnerRef(id="teacher", home_page="https://hub.example.org/hub/"),
        registration=answered["alice"].registration,
        answer_seq=6,
        levels={"idea": "Clear", "wording": "Precise"},
        comment="",
        version=1,
        timestamp=datetime.now(UTC),
    )
    status, result = api(grading, "POST", "api/statements", "tok-alice", [grade_statement(forged)])
    assert status == 200 and result["accepted"] == 0 and len(result["rejected"]) == 1
    # Nothing was stored by any refused request.
    _, stored = api(grading, "GET", "api/statements?learner=alice&lesson=hub-essay", "tok-teacher")
    assert not [s for s in stored["statements"] if statement_to_grade(s)]


def browser_session(service: ThreadedService, user: str) -> requests.Session:
    """A browser logged in as ``user`` (the harness's login cookie), no token."""
    session = requests.Session()
    session.cookies.set(LOGIN_COOKIE, f"tok-{user}", domain="127.0.0.1", path="/")
    session.headers["Accept"] = "text/html"
    return session


def form_of(page: str) -> dict[str, str]:
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    return {k: v.replace("&amp;", "&") for k, v in fields.items()}


def test_the_grading_tab_saves_with_the_pages_token_and_refuses_forgeries(
    grading: ThreadedService, answered: dict[str, LessonSession]
) -> None:
    teacher = browser_session(grading, "teacher")
    url = grading.base + "class/algebra/grading?lesson=hub-essay&question=q-explain"
    page = teacher.get(url, timeout=30)
    assert page.status_code == 200
    text = page.text
    # Hostile text is shown as text; names are hidden by default, shown on request.
    assert "<script>document.title" not in text and "<img src=x" not in text
    assert "&lt;script&gt;document.title" in text or "It stops when false" not in text
    assert "alice" not in text and "bob" not in text and "Learner " in text
    assert (
        "alice"
        in teacher.get(url + "&reveal=1&n=1", timeout=30).text
        + teacher.get(url + "&reveal=1&n=2", timeout=30).text
    )
    target = "n=1" if "&lt;script&gt;" in teacher.get(url + "&n=1", timeout=30).text else "n=2"
    page = teacher.get(f"{url}&{target}", timeout=30).text
    fields = form_of(page)
    assert fields["_xsrf"] and fields["replaces"] == "0"
    post = {
        **fields,
        "level-idea": "Partly",
        "level-wording": "Vague",
        "comment": "<b>Hi</b> Alice",
    }
    # Without the page's token, or from another site, the cookie changes nothing.
    forged = {k: v for k, v in post.items() if k != "_xsrf"}
    assert (
        teacher.post(f"{url}&{target}", data=forged, allow_redirects=False, timeout=30).status_code
        == 403
    )
    wrong = {**post, "_xsrf": "2|00000000|" + "0" * 32 + "|1"}
    assert (
        teacher.post(f"{url}&{target}", data=wrong, allow_redirects=False, timeout=30).status_code
        == 403
    )
    cross = teacher.post(
        f"{url}&{target}",
        data=post,
        headers={"Sec-Fetch-Site": "cross-site"},
        allow_redirects=False,
        timeout=30,
    )
    assert cross.status_code == 403
    json_cookie = teacher.post(grading.base + GRADE + "alice", json={"levels": {}}, timeout=30)
    assert json_cookie.status_code == 403  # the API with a cookie alone
    _, stored = api(grading, "GET", "api/statements?learner=alice&lesson=hub-essay", "tok-teacher")
    assert not [s for s in stored["statements"] if statement_to_grade(s)]
    # With it, the grade is saved and the tab moves on, saying so.
    done = teacher.post(f"{url}&{target}", data=post, allow_redirects=False, timeout=30)
    assert done.status_code == 303, done.text[:300]
    after = teacher.get(grading.base + "class/algebra/" + done.headers["Location"], timeout=30).text
    assert "Saved the grade of answer" in after and "1 of 4 points" in after
    _, stored = api(grading, "GET", "api/statements?learner=alice&lesson=hub-essay", "tok-teacher")
    grade = [g for s in stored["statements"] if (g := statement_to_grade(s))]
    assert (
        len(grade) == 1
        and grade[0].comment == "<b>Hi</b> Alice"
        and grade[0].grader.id == "teacher"
    )
    # The learner's token reads the comment; the learner's session takes the grade in.
    _, own = api(grading, "GET", "api/statements?lesson=hub-essay", "tok-alice")
    mine = [s for s in own["statements"] if statement_to_grade(s)]
    assert mine[0]["result"]["extensions"][EXT + "comment"] == "<b>Hi</b> Alice"
    learner = answered["alice"]
    before = learner.mastery.probability("loops")
    changes = learner.take_grades(own["statements"])
    assert learner.records["q-explain"].rubric_grade.points == 1
    assert "loops" in changes and learner.mastery.probability("loops") != before
    assert json.dumps(learner.score()) == json.dumps((2.0, 5.0))
    # ...and so does a resumed session, with the same mastery.
    store = learner.store
    resumed = LessonSession.resume(
        service_copy(ESSAY), load_session_events(store, learner.learner, ESSAY.id), store=store
    )
    assert resumed.mastery.snapshot() == learner.mastery.snapshot()
    assert resumed.records["q-explain"].rubric_grade.comment == "<b>Hi</b> Alice"


def test_the_learner_replies_once_and_the_grading_tab_shows_it(
    grading: ThreadedService, answered: dict[str, LessonSession]
) -> None:
    """Bob's kernel reads his feedback from the service and replies once; the service takes
    no second reply, no reply to someone else's grade and no forged one; the tab shows it."""
    store = answered["bob"].store
    (mine,) = feedback_of(list(store.read(lesson=ESSAY.id)), "bob")
    assert mine.grade.version == 2 and mine.grade.comment == "Now exact." and mine.can_reply
    hostile = "<script>alert(1)</script> Thanks: I will say when the test runs."
    send_reply(store, mine.grade, hostile)
    with pytest.raises(ReplyRefusedError, match="already replied"):
        send_reply(store, mine.grade, "And one more thing.")
    # Alice's grade is not Bob's to reply to; nor is an empty or too long reply taken.
    _, own = api(grading, "GET", "api/statements?lesson=hub-essay", "tok-alice")
    alices = next(g for s in own["statements"] if (g := statement_to_grade(s)))
    path = "api/replies/hub-essay"
    status, refused = api(grading, "POST", path, "tok-bob", {"grade": alices.id, "text": "hi"})
    assert status == 404 and "no current grade of yours" in refused["error"]
    status, refused = api(grading, "POST", path, "tok-alice", {"grade": alices.id, "text": " "})
    assert status == 400 and "write a reply" in refused["error"]
    status, _ = api(grading, "POST", path, "tok-alice", {"grade": alices.id, "text": "x" * 2001})
    assert status == 400
    assert api(grading, "POST", path, "tok-mallory", {"grade": alices.id, "text": "a"})[0] == 403
    # A reply, a grade or a grant posted as a kernel's statement is refused, even dressed up
    # as a session event (with a sequence number): no session emits those kinds.
    forged = reply_statement(alices, "I agree with everything.", datetime.now(UTC))
    grant = grant_statement(
        learner=alices.learner, teacher=alices.grader, lesson_id=ESSAY.id,
        question_id="q-kind", registration=alices.registration, extra=5,
        timestamp=datetime.now(UTC),
    )  # fmt: skip
    top = dataclasses.replace(alices, version=alices.version + 1, points=4.0)  # a full mark
    for statement in (forged, grade_statement(top), grant):
        dressed = json.loads(json.dumps(statement))
        dressed["context"]["extensions"][EXT + "seq"] = 99
        batch = {"statements": [statement, dressed]}
        status, body = api(grading, "POST", "api/statements", "tok-alice", batch)
        assert status == 200 and body["accepted"] == 0 and len(body["rejected"]) == 2, body
    # Exactly one reply is stored, Bob's, shown as text beside the grade on the tab.
    _, stored = api(grading, "GET", "api/statements?learner=bob&lesson=hub-essay", "tok-teacher")
    replies = [r for s in stored["statements"] if (r := statement_to_reply(s))]
    assert [(r.learner.id, r.grade, r.text) for r in replies] == [("bob", mine.grade.id, hostile)]
    _, seen = api(grading, "GET", GRADE + "bob", "tok-teacher")
    assert seen["replies"][mine.grade.id]["text"] == hostile  # in the API too
    (after,) = feedback_of(stored["statements"], "bob")
    assert after.reply is not None and not after.can_reply and not after.new
    teacher = browser_session(grading, "teacher")
    url = grading.base + "class/algebra/grading?lesson=hub-essay&question=q-explain&reveal=1"
    pages = [teacher.get(f"{url}&n={n}", timeout=30).text for n in (1, 2)]
    tab = next(p for p in pages if "Now exact." in p)
    assert "The learner replied" in tab and "&lt;script&gt;alert(1)&lt;/script&gt; Thanks" in tab
    assert "<script>alert(1)" not in tab


def test_the_support_tab_judges_notes_and_assigns_and_the_learners_plan_shows_it(
    grading: ThreadedService, answered: dict[str, LessonSession], tmp_path: Path
) -> None:
    """From the class view, a teacher marks a competency mastered with a reason, leaves a
    note and assigns a lesson to one learner (cookie + the page's XSRF token); the learner's
    plan, read through the service from their kernel's store, shows all three, recomputed."""
    from lessonkit.course import load_course
    from lessonkit.widgets.plan import LearningPlan

    plan_course = load_course(COURSE_FILE)
    teacher = browser_session(grading, "teacher")
    url = grading.base + "class/algebra/support?lesson=hub-essay"
    view = api(grading, "GET", "class/algebra/?lesson=hub-essay", "tok-teacher")[1]
    assert 'href="support?lesson=hub-essay"' in view  # reachable from the live class view
    page = teacher.get(url + "&learner=alice", timeout=30)
    assert page.status_code == 200 and "Judge a competency" in page.text
    fields = {**form_of(page.text), "action": "judge", "competency": "accumulator"}
    judge = {**fields, "mastered": "yes", "reason": "Shown in class: <b>sums</b> a list."}
    forged = {k: v for k, v in judge.items() if k != "_xsrf"}
    assert teacher.post(url, data=forged, allow_redirects=False, timeout=30).status_code == 403
    done = teacher.post(url, data=judge, allow_redirects=False, timeout=30)
    assert done.status_code == 303 and "saved=judge" in done.headers["Location"]
    after = teacher.get(grading.base + "class/algebra/" + done.headers["Location"], timeout=30)
    assert "Judgement recorded" in after.text and "&lt;b&gt;sums&lt;/b&gt;" in after.text
    note = {**fields, "action": "note", "note": "See me on Friday."}
    assert teacher.post(url, data=note, allow_redirects=False, timeout=30).status_code == 303
    assign = {**fields, "action": "assign", "assign_lesson": "python-loops", "due": "2027-03-01"}
    assert teacher.post(url, data=assign, allow_redirects=False, timeout=30).status_code == 303
    # The assignment's due date is moved for Alice only; a goal of no assignment of hers: 400.
    listed = teacher.get(url + "&learner=alice", timeout=30).text
    (goal,) = re.findall(r'name="goal" value="([0-9a-f]+)"', listed)
    extend = {**fields, "action": "extend", "goal": goal, "due": "2027-03-15"}
    assert teacher.post(url, data=extend, allow_redirects=False, timeout=30).status_code == 303
    other = teacher.post(url, data={**extend, "learner": "bob"}, timeout=30)
    assert other.status_code == 400 and "bob has no assignment" in other.text
    # Refused: an unknown competency (nothing stored), a learner of no course, a learner.
    wrong = teacher.post(url, data={**judge, "competency": "nope"}, timeout=30)
    assert wrong.status_code == 400 and "Not saved: course" in wrong.text
    assert teacher.post(url, data={**note, "learner": "mallory"}, timeout=30).status_code == 403
    status, _ = api(grading, "POST", "class/algebra/support", "tok-alice", None)
    assert status == 403
    # Alice's plan, through the service as in her kernel: recomputed, and told why.
    store = ServiceStore("hub+" + grading.base, token="tok-alice", spool_dir=tmp_path / "a")
    try:
        home = "https://hub.example.org/hub/"  # the service's accounts
        learner = LearningPlan(
            plan_course, store=store, learner=LearnerRef(id="alice", home_page=home)
        )
        assert learner.record.mastered("accumulator")
        told = learner.from_teachers.value
        assert "marked <strong>" in told and "&lt;b&gt;sums&lt;/b&gt; a list." in told
        assert "Note from teacher" in told and "See me on Friday." in told
        assert [(g.target_id, str(g.due)) for g in learner.record.assignments] == [
            ("python-loops", "2027-03-15")  # as extended
        ]
        bob = ServiceStore("hub+" + grading.base, token="tok-bob", spool_dir=tmp_path / "b")
        others = LearningPlan(plan_course, store=bob, learner=LearnerRef(id="bob", home_page=home))
        assert others.from_teachers.value == "" and not others.record.assignments
        bob.close()
    finally:
        store.close()


def test_the_support_tab_grants_one_learner_more_attempts(
    grading: ThreadedService, answered: dict[str, LessonSession], tmp_path: Path
) -> None:
    """Bob uses both attempts at a question the service checks; the service refuses a third.
    A teacher grants him one more from the Support tab: his resumed session and the service's
    check both allow it (and only for him and that question)."""
    token = "tok-bob"
    store = ServiceStore("hub+" + grading.base, token=token, spool_dir=tmp_path / "bob")
    lesson = service_copy(load_lesson(LESSON))
    with pytest.MonkeyPatch.context() as env:  # where the kernel's checker finds the service
        env.setenv("LESSONKIT_SERVICE_URL", grading.base)
        env.setenv("LESSONKIT_HUB_TOKEN", token)
        session = LessonSession(lesson, learner="bob", store=store)
        session.start()
        session.advance()  # to q-even (at most 2 attempts)
        for _ in range(2):
            assert not session.submit("3").result.correct  # type: ignore[union-attr]
        assert not session.current.can_submit and store.flush(10)
        check = {"lesson": lesson.id, "question": "q-even", "response": "4"}
        status, refused = api(grading, "POST", "api/check", token, check)
        assert status == 200 and "No attempts left" in refused["feedback"]
        teacher = browser_session(grading, "teacher")
        url = grading.base + "class/algebra/support?lesson=hub-essay"
        fields = form_of(teacher.get(url + "&learner=bob", timeout=30).text)
        grant = {**fields, "action": "grant", "question": "hub-course/q-even", "extra": "1"}
        bad = teacher.post(url, data={**grant, "question": "hub-essay/q-kind"}, timeout=30)
        assert bad.status_code == 400 and "with an attempt limit" in bad.text
        done = teacher.post(url, data=grant, allow_redirects=False, timeout=30)
        assert done.status_code == 303 and "saved=grant" in done.headers["Location"]
        again = LessonSession.resume(
            lesson, load_session_events(store, session.learner, lesson.id), store=store
        )
        assert again.current.can_submit and again.current.attempts_left == 1
        third = again.submit("4").result
        assert third.correct and third.details["service"]["attempt"] == 3  # type: ignore[union-attr]
    store.close()
    # Alice has no grant: the tab refuses one for a question she never answered.
    alice = {**grant, "learner": "alice"}
    refused_page = teacher.post(url, data=alice, timeout=30)
    assert refused_page.status_code == 400 and "alice has not answered" in refused_page.text


def test_the_class_views_read_a_class_with_grades(
    grading: ThreadedService, answered: dict[str, LessonSession]
) -> None:
    """Grades and voided grades sit among the learners' statements: every class page, the
    export and the item analysis still read them (a grade is no answer, and adds no session)."""
    for page in ("class/algebra/?lesson=hub-essay", "class/algebra/items?lesson=hub-essay"):
        status, body = api(grading, "GET", page, "tok-teacher")
        assert status == 200 and "Traceback" not in body, page
    status, exported = api(
        grading, "GET", "class/algebra/export?lesson=hub-essay&format=csv", "tok-teacher"
    )
    assert status == 200 and exported.startswith("id,")
    view = api(grading, "GET", "class/algebra/?lesson=hub-essay", "tok-teacher")[1]
    assert 'href="grading?lesson=hub-essay"' in view  # the grading tab
    status, grades = api(grading, "GET", "api/grades/algebra/hub-essay", "tok-teacher")
    assert {name: g["sessions"] for name, g in grades["learners"].items()} == {
        "alice": 1,
        "bob": 1,
    }


GRADING_WORDS = ("Previous answer", "Save grade", "Comment to the learner", "Keys:", "Rubric (")
SUPPORT_WORDS = ("Judge a competency", "Leave a note", "Assign a lesson", "Grant extra attempts")


def test_the_grading_and_support_tabs_speak_the_teachers_language(
    grading: ThreadedService, answered: dict[str, LessonSession]
) -> None:
    """The tabs' words, their status lines and the reasons a save is refused come from the
    catalog in the viewer's language (``Accept-Language``, or ``?lang=``, kept in the forms
    and the redirect); the learner's answer and the rubric's own words stay as written."""
    teacher = browser_session(grading, "teacher")
    tab = grading.base + "class/algebra/grading?lesson=hub-essay&question=q-explain"
    german = teacher.get(tab, headers={"Accept-Language": "de-AT, de;q=0.9"}, timeout=30).text
    assert '<html lang="de" dir="ltr">' in german
    assert "Vorherige Antwort" in german and "Bewertung speichern" in german
    assert "Lernende " in german and "Bewertungsraster (4 Punkte)" in german
    assert not [w for w in GRADING_WORDS if w in german]
    arabic = teacher.get(tab + "&lang=ar", timeout=30).text
    assert '<html lang="ar" dir="rtl">' in arabic and "حفظ التقييم" in arabic
    action = re.search(r'<form id="grade" method="post" action="([^"]+)"', arabic)
    assert action is not None and "lang=ar" in action.group(1)  # the language is kept
    assert not [w for w in GRADING_WORDS if w in arabic]
    # A stale grade is refused in Spanish: the reason from the service, translated.
    spanish = teacher.get(tab + "&lang=es&n=1", timeout=30).text
    stale = {**form_of(spanish), "level-idea": "Clear", "level-wording": "Vague"}
    stale["replaces"] = "7"
    refused = teacher.post(tab + "&lang=es&n=1", data=stale, allow_redirects=False, timeout=30)
    assert refused.status_code == 409
    assert "No se ha guardado: la calificación de esta respuesta está en la versión" in refused.text
    assert "someone graded" not in refused.text
    # The support tab: its words, a refusal and the saved line after the redirect.
    support = grading.base + "class/algebra/support?lesson=hub-essay"
    page = teacher.get(support + "&learner=bob&lang=de", timeout=30).text
    assert '<html lang="de" dir="ltr">' in page and "Eine Kompetenz beurteilen" in page
    assert not [w for w in SUPPORT_WORDS if w in page]
    assert 'name="lang" value="de"' in page and "support?lesson=hub-essay&amp;lang=de" in page
    fields = {**form_of(page), "action": "judge", "competency": "accumulator"}
    no_verdict = teacher.post(support + "&lang=es", data=fields, timeout=30)
    assert no_verdict.status_code == 400
    assert "No se ha guardado: elige dominada o no dominada" in no_verdict.text
    said = teacher.get(support + "&learner=bob&saved=note&lang=ar", timeout=30).text
    assert "أُرسلت الملاحظة" in said and '<html lang="ar" dir="rtl">' in said
    # English stays English (no language asked for, or one lessonkit does not have).
    english = teacher.get(support + "&learner=bob", headers={"Accept-Language": "fr"}, timeout=30)
    assert all(w in english.text for w in SUPPORT_WORDS)


def test_grades_reach_a_real_lrs_once_and_a_regrade_voids_the_old_one(
    tmp_path: Path,
    ralph: Ralph,  # noqa: F811 - the fixture imported above
) -> None:
    """Grades are forwarded like every statement; the LRS takes the grade, the regrade and
    the voiding of the first (Ralph validates each one it stores)."""
    from lessonkit.hub import lrs

    settings = {"url": ralph.url, "username": ralph.user, "password": ralph.password}
    config = write_config(
        tmp_path,
        f"sqlite:///{tmp_path / 'c.db'}",
        lrs={**settings, "interval": 0.2},
        courses={"algebra": {"lessons": [str(DATA / "essay.lesson.yaml")]}},
    )
    service = ThreadedService.from_file(config).start()
    try:
        answer(service, tmp_path, "bob", "It stops once the condition is false.")
        levels = {"idea": "Clear", "wording": "Vague"}
        first = api(
            service, "POST", GRADE + "bob", "tok-teacher", {"levels": levels, "replaces": 0}
        )
        regrade = {"levels": {**levels, "wording": "Precise"}, "replaces": 1}
        second = api(service, "POST", GRADE + "bob", "tok-teacher", regrade)
        assert first[0] == second[0] == 200
        ledger = service.service.ledger  # type: ignore[union-attr]
        deadline = time.monotonic() + 30
        while lrs.pending(ledger).get("pending", 0) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert set(lrs.pending(ledger)) == {"delivered"}  # nothing refused by the LRS
        stored = ralph.statement_ids()
        assert len(stored) == len(set(stored))
        grades = {first[1]["grade"]["id"], second[1]["grade"]["id"]}
        assert grades <= set(stored)
        verbs = [ralph.get(i)["statements"][0]["verb"]["id"] for i in stored if i not in grades]
        assert sum(v.endswith("/voided") for v in verbs) == 1
    finally:
        service.stop()


def test_a_grade_received_but_never_stored_is_stored_on_retry(
    grading: ThreadedService, answered: dict[str, LessonSession]
) -> None:
    """A crash between the receipt and the evidence store: the retry stores the grade as of
    the receipt, instead of refusing it as someone else's."""
    import sqlalchemy as sa

    from lessonkit.evidence.grades import grade_statement_id
    from lessonkit.hub import db
    from lessonkit.hub.grading import save_grade

    ledger = grading.service.ledger  # type: ignore[union-attr]
    seen = api(grading, "GET", GRADE + "alice", "tok-teacher")[1]
    version = (seen["grade"] or {}).get("version", 0)
    lost = grade_statement_id(seen["answer"], version + 1)
    with db.write(ledger.engine) as conn:
        conn.execute(
            sa.insert(db.receipts).values(
                statement_id=lost,
                learner="alice",
                lesson="hub-essay",
                stored="2026-01-02T03:04:05.000000Z",
                forward=db.FORWARD_NONE,
            )
        )
    saved = save_grade(
        ledger,
        ESSAY,
        "q-explain",
        "alice",
        grader="teacher",
        levels={"idea": "Missing", "wording": "Vague"},
        comment="after a crash",
        replaces=version,
        answer=seen["answer"],
    )
    assert saved.grade.id == lost and ledger.store_has(lost)
    assert saved.grade.timestamp.isoformat().startswith("2026-01-02T03:04:05")
    again = api(grading, "GET", GRADE + "alice", "tok-teacher")[1]
    assert again["grade"]["id"] == lost and again["grade"]["comment"] == "after a crash"


def test_erasing_a_learner_in_a_course_takes_teachers_notes_replies_and_grants_too(
    grading: ThreadedService, answered: dict[str, LessonSession]
) -> None:
    """Runs last (it deletes Alice): her course's data includes what teachers said about her
    under the course file's key (judgements, notes, assignments) and her reply; nothing of
    hers is left in the course, and Bob's stays."""
    key = "course:python-basics"
    ledger = grading.service.ledger  # type: ignore[union-attr]
    assert list(ledger.read(learner="alice", lesson=key))  # judgement, note, assignment
    status, done = api(grading, "DELETE", "api/learners/alice?course=algebra", "tok-teacher")
    assert status == 200 and done["complete"], done
    for lesson in (key, "hub-essay", "hub-course"):
        assert list(ledger.read(learner="alice", lesson=lesson)) == [], lesson
    _, bobs = api(grading, "GET", "api/statements?learner=bob&lesson=hub-essay", "tok-teacher")
    assert any(statement_to_reply(s) for s in bobs["statements"])  # his reply stays
