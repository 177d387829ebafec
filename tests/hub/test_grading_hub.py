"""Grading with rubrics under a real JupyterHub, with real PostgreSQL, kernels and chromium.

Two students answer a free-response question in their own servers (one answer is hostile
markup); the instructor grades one through the service's API with a token and the other in
the grading tab in chromium, by keyboard, logged in through the hub (HubOAuth), with axe
checking the page; a cookie without the page's XSRF token changes nothing. The students'
kernels then see the comment and the mastery the grade implies, which equal the service's
own re-grading; every grade statement is valid xAPI by Ralph's models.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from lessonkit.cli import main
from lessonkit.evidence.grades import is_grading_statement, statement_to_grade
from lessonkit.evidence.replies import statement_to_reply
from tests.browser.harness import axe_violations

from .conftest import HUB_VERSIONS, hub_venv, unavailable
from .harness import DATA, LESSON, write_config
from .hubrun import TestHub, find_chp
from .test_hub_integration import browser_login, last_json

pytestmark = [pytest.mark.integration, pytest.mark.slow]

COURSE_FILE = (
    Path(__file__).resolve().parents[2] / "lessons/python-basics/python-basics.course.yaml"
)

HOSTILE = '<script>document.title="owned"</script><img src=x onerror=alert(1)> It stops when false'
ANSWER = """
import json
from lessonkit.engine.session import LessonSession
from lessonkit.evidence.stores import open_store
from lessonkit.hub.remote_check import fetch_lesson

lesson = fetch_lesson("hub-essay")
store = open_store()
s = LessonSession(lesson, store=store)
s.start()
kind = s.submit("while").result
s.advance()
essay = s.submit({text!r}).result
done = store.flush(60)
store.close()
print(json.dumps({{"kind": kind.correct, "recorded": essay.details.get("recorded"),
                  "flushed": done, "store": type(store).__name__}}))
"""
# The learner comes back: the session resumes from the service and shows what the player shows.
SEE = """
import json
from lessonkit.engine.session import LessonSession
from lessonkit.evidence.identity import resolve_learner
from lessonkit.evidence.stores import load_session_events, open_store
from lessonkit.hub.remote_check import fetch_lesson
from lessonkit.widgets.feedback import last_feedback

lesson = fetch_lesson("hub-essay")
store = open_store()
s = LessonSession.resume(lesson, load_session_events(store, resolve_learner(), lesson.id),
                         store=store)
grade = s.records["q-explain"].rubric_grade
print(json.dumps({"box": last_feedback(s, None), "points": grade and grade.points,
                  "mastery": s.mastery.snapshot(), "score": s.score(),
                  "can_submit": s.current.can_submit}))
store.close()
"""


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, pg_server: Any) -> Iterator[TestHub]:
    chp = find_chp()
    if chp is None:
        unavailable("configurable-http-proxy is not installed (npm; ./dev.sh installs it)")
    folder = tmp_path_factory.mktemp("gradinghub")
    config = write_config(
        folder,
        pg_server.url("lessonkit_grading"),
        courses={
            "algebra": {
                "lessons": [str(DATA / "essay.lesson.yaml"), str(LESSON)],
                "course_file": str(COURSE_FILE),  # for the Support tab
            }
        },
    )
    running = TestHub(folder, config, venv_bin=hub_venv(HUB_VERSIONS[0]), external=False)
    try:
        yield running.start(chp)
    finally:
        running.stop()


def service(hub: TestHub, method: str, path: str, token: str, body: Any = None) -> Any:
    return hub.api(method, "/services/lessonkit/" + path, token, body)


@pytest.fixture(scope="module")
def tokens(hub: TestHub) -> dict[str, str]:
    found = {user: hub.token(user) for user in ("student-a", "student-b", "teacher")}
    for user, text in (("student-a", HOSTILE), ("student-b", "It ends once the test is false.")):
        hub.spawn(user)
        kernel = hub.kernel(user, found[user])
        out = last_json(kernel.run(ANSWER.format(text=text)))
        kernel.shutdown()
        assert out == {"kind": True, "recorded": True, "flushed": True, "store": "ServiceStore"}
    return found


def see(hub: TestHub, user: str, token: str) -> dict[str, Any]:
    kernel = hub.kernel(user, token)
    try:
        return dict(last_json(kernel.run(SEE)))
    finally:
        kernel.shutdown()


def test_the_instructor_grades_through_the_api_and_the_learner_sees_it(
    hub: TestHub, tokens: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    teacher = tokens["teacher"]
    path = "api/grades/algebra/hub-essay/q-explain/student-b"
    before = see(hub, "student-b", tokens["student-b"])
    assert before["points"] is None and before["can_submit"]  # not graded: may still change it
    status, seen = service(hub, "GET", path, teacher)
    assert status == 200 and seen["response"] == "It ends once the test is false."
    grade = {"levels": {"idea": "Partly", "wording": "Precise"}, "comment": "When is it tested?"}
    status, body = service(
        hub, "POST", path, teacher, {**grade, "replaces": 0, "answer": seen["answer"]}
    )
    assert status == 200 and body["grade"]["points"] == 2, body
    assert service(hub, "POST", path, tokens["student-b"], {**grade, "replaces": 1})[0] == 403
    after = see(hub, "student-b", tokens["student-b"])
    assert after["points"] == 2 and not after["can_submit"]
    assert after["box"]["title"] == "Graded by your teacher: 2 of 4 points."
    assert "When is it tested?" in after["box"]["html"]
    table = service(hub, "GET", "api/grades/algebra/hub-essay", teacher)[1]["learners"]
    assert table["student-b"]["questions"]["q-explain"] == 2
    assert after["mastery"] == pytest.approx(table["student-b"]["mastery"])  # two computations
    assert after["mastery"]["loops"] != before["mastery"]["loops"]
    # nbgrader's grade command, from the service's evidence: the grade counts there too.
    url = f"hub+{hub.public}/services/lessonkit/?learner=student-b"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LESSONKIT_HUB_TOKEN", teacher)
        capsys.readouterr()
        assert main(["nbgrader", "grade", str(DATA / "essay.lesson.yaml"), url, "--json"]) == 0
    graded = json.loads(capsys.readouterr().out)
    assert graded["score"] == 3 and graded["questions"] == {"q-kind": 1.0, "q-explain": 2.0}


def test_the_grading_tab_in_chromium_by_keyboard(
    hub: TestHub, tokens: dict[str, str], browser: Any
) -> None:
    url = "/services/lessonkit/class/algebra/grading?lesson=hub-essay"
    dialogs: list[str] = []
    context = browser.new_context()  # the run's one browser (tests/conftest.py)
    try:
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        # the hub's login form, then on to the tab through the hub's OAuth
        page.goto(f"{hub.public}/hub/login?{urlencode({'next': url})}")
        page.fill("#username_input", "teacher")
        page.fill("#password_input", "any")
        page.click("#login_submit")
        page.wait_for_selector("#grade")
        text = page.inner_text("main")
        assert "student-a" not in text and "student-b" not in text  # pseudonyms
        while "It stops when false" not in page.inner_text("pre.answer"):
            page.keyboard.press("j")
            page.wait_for_load_state()
        assert '<script>document.title="owned"' in page.inner_text("pre.answer")
        assert page.title() != "owned" and dialogs == []
        assert axe_violations(page) == []
        focused = page.evaluate("() => document.activeElement.name")
        assert focused == "level-idea"  # ready for the keyboard
        page.keyboard.press("1")  # idea: Clear, then focus moves to the next criterion
        assert page.evaluate("() => document.activeElement.name") == "level-wording"
        page.keyboard.press("2")  # wording: Vague, then focus moves to Save
        assert page.evaluate("() => document.activeElement.id") == "save"
        page.focus("#comment")
        page.keyboard.type("Right idea; say <when> it is tested.")
        with page.expect_navigation():
            page.keyboard.press("Control+Enter")
        status = page.inner_text("[role=status]")
        assert "Saved the grade of answer" in status and "3 of 4 points" in status
        assert axe_violations(page) == []
        page.goto(hub.public + url + "&reveal=1")
        assert "student-a" in page.inner_text("main") or "student-b" in page.inner_text("main")
    finally:
        context.close()
    stored = service(
        hub, "GET", "api/statements?learner=student-a&lesson=hub-essay", tokens["teacher"]
    )
    grades = [g for s in stored[1]["statements"] if (g := statement_to_grade(s))]
    assert len(grades) == 1 and grades[0].points == 3 and grades[0].grader.id == "teacher"
    assert grades[0].comment == "Right idea; say <when> it is tested."
    seen = see(hub, "student-a", tokens["student-a"])
    assert "say &lt;when&gt; it is tested" in seen["box"]["html"]  # escaped for the learner
    assert seen["points"] == 3


def test_a_cookie_without_the_pages_token_changes_nothing(
    hub: TestHub, tokens: dict[str, str]
) -> None:
    teacher = browser_login(hub, "teacher")
    url = f"{hub.public}/services/lessonkit/class/algebra/grading?lesson=hub-essay&n=1"
    page = teacher.get(url, headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200 and any("oauth_callback" in r.url for r in page.history)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    post = {**fields, "level-idea": "Missing", "level-wording": "Vague", "comment": "forged"}
    forged = {k: v for k, v in post.items() if k != "_xsrf"}
    assert teacher.post(url, data=forged, allow_redirects=False, timeout=60).status_code == 403
    assert (
        teacher.post(
            url, data={**post, "_xsrf": "x"}, allow_redirects=False, timeout=60
        ).status_code
        == 403
    )
    api = f"{hub.public}/services/lessonkit/api/grades/algebra/hub-essay/q-explain/student-a"
    assert teacher.post(api, json={"levels": {}}, timeout=60).status_code == 403
    for user in ("student-a", "student-b"):
        stored = service(
            hub, "GET", f"api/statements?learner={user}&lesson=hub-essay", tokens["teacher"]
        )
        assert all("forged" not in json.dumps(s) for s in stored[1]["statements"])
    saved = teacher.post(url, data=post, allow_redirects=False, timeout=60)
    assert saved.status_code == 303  # the page's own token: a regrade, saved
    student = browser_login(hub, "student-a")
    refused = student.get(url, headers={"Accept": "text/html"}, timeout=60)
    assert refused.status_code == 403


def test_grade_statements_are_valid_xapi_and_a_regrade_voids_the_old_one(
    hub: TestHub, tokens: dict[str, str]
) -> None:
    from ralph.models.xapi.base.statements import BaseXapiStatement

    stored = []
    for user in ("student-a", "student-b"):
        _, body = service(
            hub, "GET", f"api/statements?learner={user}&lesson=hub-essay", tokens["teacher"]
        )
        stored += body["statements"]
    graded = [s for s in stored if is_grading_statement(s) and not statement_to_reply(s)]
    assert graded
    for statement in graded:
        BaseXapiStatement.model_validate(json.loads(json.dumps(statement)))
        assert statement["actor"]["account"]["name"].startswith("student-")
        assert statement["context"]["instructor"]["account"]["name"] == "teacher"
    voided = {s["object"]["id"] for s in graded if s["verb"]["id"].endswith("/voided")}
    assert len(voided) == 1  # the regrade of the forgery test replaced student-a's grade


# The learner opens the lesson in their own server: the player says a grade is new and shows
# the comment at the question, where they reply once (a second reply is refused).
REPLY = """
import json
from lessonkit.course.feedback import ReplyRefusedError, send_reply
from lessonkit.evidence.identity import resolve_learner
from lessonkit.evidence.replies import feedback_of
from lessonkit.evidence.stores import open_store
from lessonkit.hub.remote_check import fetch_lesson
from lessonkit.widgets import show

lesson = fetch_lesson("hub-essay")
store = open_store()
(item,) = feedback_of(list(store.read(lesson=lesson.id)), resolve_learner().id)
player = show(lesson, store=store)
notice, form = player.view["notice"], player.view["reply"]
player.act({{"action": "reply", "token": player.view["token"], "value": {text!r}}})
sent = player.view["feedback"]["html"]
try:
    send_reply(store, item.grade, "And again.")
    again = "sent"
except ReplyRefusedError as exc:
    again = str(exc)
print(json.dumps({{"notice": notice, "comment": item.grade.comment, "new": item.new,
                  "again": again, "form": form, "sent": sent,
                  "after": player.view["reply"]}}))
player.close()
store.close()
"""


def test_the_learner_sees_new_feedback_and_replies_once_from_their_server(
    hub: TestHub, tokens: dict[str, str]
) -> None:
    from ralph.models.xapi.base.statements import BaseXapiStatement

    text = "<b>Thanks</b>: the test runs before each pass."
    kernel = hub.kernel("student-a", tokens["student-a"])
    try:
        out = last_json(kernel.run(REPLY.format(text=text)))
    finally:
        kernel.shutdown()
    assert out["new"] and out["comment"] == "forged"  # the regrade of the cookie test
    assert out["notice"]["kind"] == "news" and "New from your teacher" in out["notice"]["html"]
    assert out["form"]["label"] == "Your reply to your teacher's comment (one reply)"
    assert "Reply sent" in out["sent"] and "&lt;b&gt;Thanks&lt;/b&gt;" in out["sent"]
    assert out["after"] is None  # replied: no second form
    assert out["again"] == "you have already replied to this comment"
    teacher = tokens["teacher"]
    _, body = service(hub, "GET", "api/statements?learner=student-a&lesson=hub-essay", teacher)
    replies = [s for s in body["statements"] if statement_to_reply(s)]
    assert len(replies) == 1 and replies[0]["result"]["response"] == text
    BaseXapiStatement.model_validate(json.loads(json.dumps(replies[0])))
    assert replies[0]["actor"]["account"]["name"] == "student-a"
    # The instructor sees it on the grading tab, as text.
    tab = "class/algebra/grading?lesson=hub-essay&question=q-explain&reveal=1&n="
    pages = [str(service(hub, "GET", tab + n, teacher)[1]) for n in "12"]
    shown = next(p for p in pages if "student-a" in p and "forged" in p)
    assert "The learner replied" in shown and "&lt;b&gt;Thanks&lt;/b&gt;: the test" in shown


def test_the_support_tab_in_chromium_by_keyboard(hub: TestHub, browser: Any) -> None:
    """The instructor reaches Support from the class view, chooses a learner and judges a
    competency with the keyboard only; the page is axe-clean before and after."""
    url = "/services/lessonkit/class/algebra/?lesson=hub-essay"
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{hub.public}/hub/login?{urlencode({'next': url})}")
        page.fill("#username_input", "teacher")
        page.fill("#password_input", "any")
        page.click("#login_submit")
        page.wait_for_selector("nav[aria-label='Class view']")
        with page.expect_navigation():
            page.click("text=Support a learner")
        page.select_option("#learner", "student-b")
        with page.expect_navigation():
            page.click("text=Show")
        assert axe_violations(page) == []
        page.focus("#competency")
        page.select_option("#competency", "while-loops")
        page.keyboard.press("Tab")  # to the first radio of the judgement
        page.keyboard.press("Space")  # mastered
        page.keyboard.press("Tab")  # leaves the radio group for the reason
        page.keyboard.type("Explained <while> at the board.")
        page.keyboard.press("Tab")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Judgement recorded" in page.inner_text("[role=status]")
        assert "Explained <while> at the board." in page.inner_text("main")
        assert axe_violations(page) == []
    finally:
        context.close()
