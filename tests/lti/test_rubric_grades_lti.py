"""A rubric grade changes the learner's LMS score, once: a real platform (lti1p3platform), the
service in a thread, grades given through the service's API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lessonkit.engine.session import LessonSession
from lessonkit.evidence.stores.service import ServiceStore, request_json
from lessonkit.hub.keys import service_copy
from lessonkit.lesson.loader import load_lesson
from lessonkit.lti import store
from lessonkit.lti.claims import read_launch
from tests.hub.harness import DATA, ThreadedService, free_port, write_config

from .platform import PlatformServer
from .test_lti_service import lms_for, signed_launch

ESSAY = load_lesson(DATA / "essay.lesson.yaml")
GRADE = "api/grades/algebra/hub-essay/q-explain/alice"


@pytest.fixture
def lms(tmp_path: Path) -> Iterator[tuple[ThreadedService, PlatformServer]]:
    platform = PlatformServer(lms_for)
    port = free_port()
    platform.lms.tool_jwks = f"http://127.0.0.1:{port}/services/lessonkit/lti/jwks"
    base = platform.base
    lti = {
        "hub_url": "http://hub.invalid/",
        "keys": str(tmp_path / "keys"),
        "interval": 0.2,
        "roster_minutes": 60,
        "platforms": [
            {
                "issuer": base,
                "client_id": platform.lms.client_id,
                "deployment_ids": [platform.lms.deployment_id],
                "login_url": base + "/authorize",
                "token_url": base + "/token",
                "jwks_url": base + "/jwks",
                "contexts": {"c-1": "algebra"},
            }
        ],
    }
    config = write_config(
        tmp_path,
        f"sqlite:///{tmp_path / 'course.db'}",
        lti=lti,
        courses={"algebra": {"lessons": [str(DATA / "essay.lesson.yaml")]}},
    )
    platform.start()
    service = ThreadedService.from_file(config, port=port).start()
    try:
        yield service, platform
    finally:
        service.stop()
        platform.stop()


def scores_after(lms: Any, lineitem: str, count: int, timeout: float = 30) -> list[Any]:
    """alice's scores once there are ``count`` of them (and a moment more, to see no more)."""
    deadline = time.monotonic() + timeout
    while len(lms.scores_for(lineitem, "alice")) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.5)  # a few more rounds of the grade spool: nothing else may arrive
    return list(lms.scores_for(lineitem, "alice"))


def test_a_rubric_grade_changes_the_lms_score_once(
    lms: tuple[ThreadedService, PlatformServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, platform = lms
    link = platform.lms.add_link("c-1", "Loops", {"lessonkit_item": "lesson:hub-essay"}, points=5)
    engine = service.service.ledger.engine  # type: ignore[union-attr]
    store.record_launch(
        engine,
        read_launch(signed_launch(platform.lms, "alice", link)),
        course="algebra",
        username="alice",
        item="lesson:hub-essay",
        now="2026-01-01T00:00:00Z",
    )
    monkeypatch.setenv("LESSONKIT_SERVICE_URL", service.base)
    monkeypatch.setenv("LESSONKIT_HUB_TOKEN", "tok-alice")
    spool = ServiceStore("hub+" + service.base, token="tok-alice", spool_dir=tmp_path / "spool")
    s = LessonSession(service_copy(ESSAY), learner="alice", store=spool)
    s.start()
    assert s.submit("while").result.correct  # type: ignore[union-attr]
    s.advance()
    s.submit("It stops as soon as its condition is false.")
    s.advance()
    assert s.finished and spool.flush(10)
    lineitem = platform.lms.links[link]["lineitem"]
    first = scores_after(platform.lms, lineitem, 1)
    # Finished, the free response not graded yet: 1 of 5 (the grade is pending).
    assert [x["scoreGiven"] for x in first] == [1]

    def grade(levels: dict[str, str], replaces: int) -> Any:
        body = {"levels": levels, "comment": "ok", "replaces": replaces}
        status, answer = request_json("POST", service.base + GRADE, "tok-teacher", body)
        assert status == 200, answer
        return answer

    grade({"idea": "Clear", "wording": "Vague"}, 0)
    second = scores_after(platform.lms, lineitem, 2)
    assert [x["scoreGiven"] for x in second] == [1, 4]
    assert grade({"idea": "Clear", "wording": "Vague"}, 0)["duplicate"]  # a retry: no new score
    assert [x["scoreGiven"] for x in scores_after(platform.lms, lineitem, 2)] == [1, 4]
    grade({"idea": "Clear", "wording": "Precise"}, 1)  # a regrade replaces: 5, once
    third = scores_after(platform.lms, lineitem, 3)
    assert [x["scoreGiven"] for x in third] == [1, 4, 5]
    assert all(x["scoreMaximum"] == 5 for x in third)
