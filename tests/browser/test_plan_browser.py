"""The learning plan in a real Voilà server and Debian chromium: it renders, a learner sets a
goal, reads a teacher's feedback and note and replies to the comment, axe finds no
accessibility violation, and the screenshot in the docs is taken from it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lessonkit.course import load_course
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.stores import open_store
from tests.course.conftest import PLACEMENT_RIGHT, Clock, take

from .harness import AXE, ROOT, VoilaServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

PLAN = ROOT / "lessons" / "python-basics" / "plan.ipynb"
SCREENSHOT = ROOT / "docs" / "images" / "learning-plan.png"
LEARNER = "browser-plan"
READY_PLAN = ".lk-plan .lk-next"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoilaServer]:
    """``lessonkit serve`` on the plan notebook, for a learner who took the placement check
    (lists and for loops placed out, accumulating not) and the lists lesson's first steps."""
    store_dir = tmp_path_factory.mktemp("store")
    course = load_course(ROOT / "lessons" / "python-basics" / "python-basics.course.yaml")
    clock = Clock(datetime.now(UTC) - timedelta(days=2))
    with open_store(store_dir) as store:
        take(
            course,
            store,
            LearnerRef(id=LEARNER),
            "python-basics-placement",
            {"interest": "data", **PLACEMENT_RIGHT, "a1": 0},
            clock=clock,
        )
        teacher_said(course, store, clock)
    env = {
        "LESSONKIT_STORE": store_dir.as_uri(),
        "LESSONKIT_LEARNER": LEARNER,
        "LESSONKIT_HOME": str(tmp_path_factory.mktemp("home")),
    }
    log = tmp_path_factory.mktemp("logs") / "voila.log"
    with VoilaServer(PLAN, env=env, log=log) as running:
        yield running


def teacher_said(course: Any, store: Any, clock: Clock) -> None:
    """A teacher's grade with a comment of the learner's first answer, and a note."""
    from lessonkit.course.statements import to_statement
    from lessonkit.course.storage import note_event
    from lessonkit.evidence.grades import RubricGrade, grade_statement
    from lessonkit.evidence.statements import statement_to_event

    learner = LearnerRef(id=LEARNER)
    answer = next(
        e
        for s in store.read(learner=learner, lesson="python-basics-placement")
        if (e := statement_to_event(s)).kind == "answered"
    )
    tess = LearnerRef(id="tess", name="Tess")
    grade = RubricGrade(
        learner=answer.learner,
        grader=tess,
        lesson_id=answer.lesson_id,
        question_id=str(answer.step_id),
        registration=answer.registration,
        answer_seq=answer.seq,
        version=1,
        timestamp=clock() + timedelta(hours=1),
        levels={"idea": "Partly"},
        criterion_points={"idea": 1.0},
        points=1.0,
        max_points=2.0,
        comment="Good start: <b>say</b> why.",
    )
    store.append([grade_statement(grade)])
    store.append([to_statement(note_event(course, learner, "See me on Friday.", teacher=tess))])


def axe_violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


def test_the_plan_in_the_browser(browser: Any, server: VoilaServer, tmp_path: Path) -> None:
    page = browser.new_context(viewport={"width": 1100, "height": 1400}).new_page()
    page.set_default_timeout(30_000)
    page.goto(server.url)
    page.wait_for_selector(READY_PLAN, timeout=90_000)
    nxt = page.locator(READY_PLAN)
    assert "Next: Python loops for beginners" in nxt.inner_text()
    assert "You have mastered for loops, which accumulating in a loop requires." in (
        nxt.inner_text()
    )
    locked = page.locator("li[data-lesson='center-spread']")
    assert "prerequisites not met" in locked.inner_text()

    # a learner sets a goal with the form
    page.get_by_label("New goal").select_option(label="Milestone: Summarising data")
    page.get_by_role("button", name="Set goal", exact=True).click()
    page.locator("[role=status]", has_text="Goal set").wait_for()
    assert "milestone Summarising data" in page.locator(".lk-plan").inner_text()

    # the evidence behind an estimate opens on demand
    page.locator("tr[data-competency='lists'] summary").click()
    assert "l1: right" in page.locator("tr[data-competency='lists']").inner_text()

    assert axe_violations(page) == []
    page.set_viewport_size({"width": 900, "height": 2600})  # the whole plan in one picture
    # The docs' screenshot is refreshed only on request (LESSONKIT_SCREENSHOTS=1), like the
    # player's; otherwise the picture goes to the test's own folder and is only checked.
    target = (
        SCREENSHOT if os.environ.get("LESSONKIT_SCREENSHOTS") == "1" else tmp_path / SCREENSHOT.name
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    page.locator(".lk-plan").screenshot(path=str(target))
    assert target.stat().st_size > 10_000


def test_the_learner_reads_feedback_and_replies_in_the_browser(
    browser: Any, server: VoilaServer
) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 1400})
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(server.url)
        page.wait_for_selector(READY_PLAN, timeout=90_000)
        plan = page.locator(".lk-plan")
        assert "Note from Tess" in plan.inner_text() and "See me on Friday." in plan.inner_text()
        feedback = page.locator(".lk-feedback")
        assert "Good start: <b>say</b> why." in feedback.inner_text()  # as text
        assert "New since your last visit" in plan.inner_text()
        page.get_by_label("Your reply").fill("Thank you: I will say why.")
        page.get_by_role("button", name="Send reply", exact=True).click()
        page.locator("[role=status]", has_text="Reply sent").wait_for()
        assert "Your reply: Thank you: I will say why." in feedback.inner_text()
        assert page.get_by_role("button", name="Send reply", exact=True).is_hidden()
        assert axe_violations(page) == []
    finally:
        context.close()
