"""The course service's API with real lesson sessions: identity, keys, attempts, grades, views."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lessonkit.engine.session import LessonSession
from lessonkit.evidence.statements import EXT
from lessonkit.evidence.stores.service import ServiceStore
from lessonkit.hub.keys import service_copy
from lessonkit.lesson.loader import load_lesson
from lessonkit.lesson.variants import draw, variant_seed

from .conftest import Api
from .harness import LESSON, ThreadedService, write_config

KEY = load_lesson(LESSON)


def sum_answer(user: str) -> int:
    """The right answer to ``q-sum`` for ``user``'s variant."""
    values = draw(KEY.step("q-sum"), variant_seed(user, KEY.id, "q-sum", 0))  # type: ignore[arg-type]
    return int(values["a"] + values["b"])


def learner_session(
    service: ThreadedService, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, user: str
) -> LessonSession:
    """A learner's session on the copy with no keys, recording through the service."""
    token = f"tok-{user}"
    monkeypatch.setenv("LESSONKIT_SERVICE_URL", service.base)
    monkeypatch.setenv("LESSONKIT_HUB_TOKEN", token)
    store = ServiceStore("hub+" + service.base, token=token, spool_dir=tmp_path / "spool" / user)
    session = LessonSession(service_copy(KEY), learner=user, store=store)
    session.start()
    return session


def own_statements(api: Api, token: str, **query: str) -> list[dict[str, Any]]:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    status, body = api("GET", f"api/statements?{params}", token)
    assert status == 200, body
    return list(body["statements"])


def test_the_copy_holds_no_key() -> None:
    text = json.dumps(service_copy(KEY), default=repr)
    copy = service_copy(KEY)
    for qid in ("q-even", "q-times", "q-sum"):
        check = copy.step(qid).check  # type: ignore[attr-defined]
        assert check.checker == "lessonkit.service"
        assert set(check.answer) <= {"lesson", "question", "input", "options", "multiple"}
    assert "a + b" not in text  # the derived formula of the answer is gone
    assert "42" not in text and "6 + 7" not in text  # the key and a targeted wrong answer


def test_a_lesson_through_the_service(
    service: ThreadedService, api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    s = learner_session(service, monkeypatch, tmp_path, "alice")
    s.advance()
    assert s.submit("4").result.correct  # type: ignore[union-attr]
    s.advance()
    wrong = s.submit("13").result
    assert not wrong.correct and "multiply" in wrong.feedback  # type: ignore[union-attr]
    right = s.submit("42").result
    assert right.correct and right.score == 0.5  # type: ignore[union-attr]
    s.advance()
    assert s.submit(str(sum_answer("alice"))).result.correct  # type: ignore[union-attr]
    s.advance()
    assert s.finished
    assert s.store.flush(10)
    stored = own_statements(api, "tok-alice", lesson=KEY.id)
    assert len(stored) == len(s.events)
    assert {st["actor"]["account"]["name"] for st in stored} == {"alice"}
    answers = [st for st in stored if st["verb"]["id"].endswith("/answered")]
    data = [a["context"]["extensions"][EXT + "event"]["data"] for a in answers]
    assert [d["verified"] for d in data] == [True, True, True, True]
    assert [d["attempt"] for d in data] == [1, 1, 2, 1]
    assert data[2]["score"] == 0.5  # the service's record, after the attempt schedule
    seqs = [st["context"]["extensions"][EXT + "server-seq"] for st in stored]
    assert len(set(seqs)) == len(seqs) and all("stored" in st for st in stored)
    status, grades = api("GET", f"api/grades/algebra/{KEY.id}", "tok-teacher")
    assert status == 200
    assert grades["learners"]["alice"]["score"] == pytest.approx(1 + 2 * 0.5 + 1)
    assert grades["learners"]["bob"]["score"] == 0 and grades["learners"]["bob"]["sessions"] == 0


def test_attempts_are_counted_across_restarts(
    service: ThreadedService, api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first = learner_session(service, monkeypatch, tmp_path, "bob")
    first.advance()
    assert not first.submit("3").result.correct  # type: ignore[union-attr]
    again = learner_session(service, monkeypatch, tmp_path, "bob")  # a restart: new session
    again.advance()
    assert not again.submit("5").result.correct  # type: ignore[union-attr]
    third = learner_session(service, monkeypatch, tmp_path, "bob")
    third.advance()
    late = third.submit("4").result  # right, but both attempts are used up
    assert not late.correct and "No attempts left" in late.feedback  # type: ignore[union-attr]
    for s in (first, again, third):
        assert s.store.flush(10)
    status, grades = api("GET", f"api/grades/algebra/{KEY.id}", "tok-teacher")
    assert status == 200 and grades["learners"]["bob"]["questions"]["q-even"] == 0


def test_the_actor_is_the_token_owner(
    service: ThreadedService, api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    s = learner_session(service, monkeypatch, tmp_path, "alice")
    statement = own_statement_of(s)
    statement["actor"]["account"]["name"] = "bob"
    statement["id"] = "0f1e2d3c-4b5a-4978-8877-665544332211"
    status, body = api("POST", "api/statements", "tok-alice", [statement])
    assert status == 200 and body["accepted"] == 1
    assert own_statements(api, "tok-bob", lesson=KEY.id) == []
    mine = own_statements(api, "tok-alice", lesson=KEY.id)
    assert statement["id"] in {st["id"] for st in mine}
    status, body = api("POST", "api/statements", "tok-bob", [statement])  # alice's id now
    assert status == 200 and body["rejected"][0]["reason"].startswith("this statement id")


def own_statement_of(session: LessonSession) -> dict[str, Any]:
    from lessonkit.evidence.statements import event_to_statement

    return event_to_statement(session.events[0])


def test_learners_cannot_read_others_or_the_class(api: Api) -> None:
    assert api("GET", f"api/statements?learner=alice&lesson={KEY.id}", "tok-bob")[0] == 403
    assert api("GET", f"api/statements?learner=alice&lesson={KEY.id}", "tok-teacher")[0] == 200
    assert api("GET", "class/algebra/", "tok-bob")[0] == 403
    assert api("GET", "class/algebra/export?format=xapi", "tok-alice")[0] == 403
    assert api("GET", f"api/grades/algebra/{KEY.id}", "tok-alice")[0] == 403
    assert api("DELETE", "api/learners/alice?course=algebra", "tok-bob")[0] == 403
    assert api("GET", "api/whoami", "nonsense")[0] == 401
    status, who = api("GET", "api/whoami", "tok-ta")
    assert status == 200 and who == {"name": "ta", "courses": {"algebra": "observer"}}


def test_outsiders_are_refused_per_statement(
    service: ThreadedService, api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    s = learner_session(service, monkeypatch, tmp_path, "alice")
    status, body = api("POST", "api/statements", "tok-mallory", [own_statement_of(s)])
    assert status == 200 and body["accepted"] == 0
    assert "not in a course" in body["rejected"][0]["reason"]
    status, body = api(
        "POST",
        "api/check",
        "tok-mallory",
        {"lesson": KEY.id, "question": "q-even", "response": "4"},
    )
    assert status == 403
    huge = own_statement_of(s)
    huge["result"] = {"response": "x" * 300_000}
    status, body = api("POST", "api/statements", "tok-alice", [{"id": "x"}, "junk", huge])
    assert body["accepted"] == 0 and len(body["rejected"]) == 3
    assert "larger than 256 KiB" in body["rejected"][2]["reason"]


def test_forged_answers_earn_nothing(
    service: ThreadedService, api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A learner who edits what the kernel sends (or the spool file) gains nothing."""
    s = learner_session(service, monkeypatch, tmp_path, "bob")
    s.advance()
    s.submit("3")  # wrong, checked by the service
    s.store.flush(10)
    from lessonkit.evidence.statements import event_to_statement

    answered = next(e for e in s.events if e.kind == "answered")
    forged = event_to_statement(answered)
    data = forged["context"]["extensions"][EXT + "event"]["data"]
    data.update(raw="4", response="4", correct=True, score=1.0, points=1.0)
    forged["result"]["success"] = True
    forged["id"] = "1f1e2d3c-4b5a-4978-8877-665544332211"
    forged["context"]["extensions"][EXT + "seq"] = 99
    status, body = api("POST", "api/statements", "tok-bob", [forged])
    assert body["accepted"] == 1
    stored = {st["id"]: st for st in own_statements(api, "tok-bob", lesson=KEY.id)}
    kept = stored[forged["id"]]["context"]["extensions"][EXT + "event"]["data"]
    assert kept["verified"] is False and kept["raw"] is None and kept["correct"] is False
    status, grades = api("GET", f"api/grades/algebra/{KEY.id}", "tok-teacher")
    assert status == 200 and grades["learners"]["bob"]["questions"]["q-even"] == 0


def test_retries_never_duplicate(
    service: ThreadedService, api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    s = learner_session(service, monkeypatch, tmp_path, "alice")
    s.advance()
    s.submit("4")
    assert s.store.flush(10)
    from lessonkit.evidence.statements import event_to_statement

    again = [event_to_statement(e) for e in s.events]
    status, body = api("POST", "api/statements", "tok-alice", again + again)
    assert status == 200 and body["accepted"] == 0 and body["duplicates"] == len(again)
    stored = own_statements(api, "tok-alice", lesson=KEY.id)
    assert len(stored) == len(s.events)
    answered = [st for st in stored if st["verb"]["id"].endswith("/answered")]
    assert answered[0]["context"]["extensions"][EXT + "event"]["data"]["verified"] is True


def test_class_view_export_and_deletion(
    service: ThreadedService, api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for user in ("alice", "bob"):
        s = learner_session(service, monkeypatch, tmp_path, user)
        s.advance()
        s.submit("3")
        assert s.store.flush(10)
    status, page = api("GET", "class/algebra/", "tok-teacher")
    assert status == 200 and "alice" in page and "bob" in page and "<img" in page
    status, page = api("GET", "class/algebra/", "tok-ta")
    assert status == 200 and "alice" not in page and "bob" not in page
    status, body = api("GET", "class/algebra/export?format=xapi", "tok-teacher")
    assert {st["actor"]["account"]["name"] for st in body} == {"alice", "bob"}
    status, body = api("GET", "class/algebra/export?format=xapi", "tok-ta")
    assert {st["actor"]["account"]["homePage"] for st in body} == {"urn:lessonkit:pseudonym"}
    status, text = api("GET", "class/algebra/export?format=csv", "tok-teacher")
    assert status == 200 and text.splitlines()[0].startswith("id,timestamp,learner")
    status, done = api("DELETE", "api/learners/bob?course=algebra", "tok-teacher")
    assert status == 200 and done["deleted"]["statements"] > 0 and done["deleted"]["checks"] == 1
    assert own_statements(api, "tok-bob", lesson=KEY.id) == []
    assert own_statements(api, "tok-alice", lesson=KEY.id) != []


def test_service_side_checks_refuse_unknown_questions(api: Api) -> None:
    body = {"lesson": KEY.id, "question": "intro", "response": "x"}
    assert api("POST", "api/check", "tok-alice", body)[0] == 404
    body = {"lesson": "nope", "question": "q-even", "response": "4"}
    assert api("POST", "api/check", "tok-alice", body)[0] == 404
    assert api("POST", "api/check", "tok-alice", {"lesson": KEY.id})[0] == 400
    status, copy = api("GET", f"api/lessons/{KEY.id}", "tok-alice")
    assert status == 200 and "lessonkit.service" in copy["yaml"] and "42" not in copy["yaml"]
    assert api("GET", f"api/lessons/{KEY.id}", "tok-mallory")[0] == 404


LOOPS = Path(__file__).resolve().parents[2] / "lessons" / "loops" / "loops.lesson.yaml"
RIGHT = "def total(numbers):\n    result = 0\n    for n in numbers:\n        result += n\n"
RIGHT += "    return result\n"
WRONG = "def total(numbers):\n    return 0\n"


@pytest.mark.parametrize("mode", ["service", "learner"])
def test_learners_code_runs_where_the_author_says(tmp_path: Path, sandbox: Any, mode: str) -> None:
    """``code_checks: service`` runs the code in the service's sandbox; ``learner`` leaves the
    exercise (tests and all) to the learner's own server."""
    from lessonkit.evidence.stores.service import request_json
    from lessonkit.hub.keys import service_copy as copy_of

    courses = {"algebra": {"lessons": [str(LOOPS)], "code_checks": mode}}
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'c.db'}", courses=courses)
    running = ThreadedService.from_file(config).start()
    try:

        def check(source: str) -> tuple[int, Any]:
            body = {"lesson": "python-loops", "question": "ex-sum", "response": source}
            return request_json("POST", running.base + "api/check", "tok-alice", body)

        copy = copy_of(load_lesson(LOOPS), code_checks=mode)
        if mode == "learner":
            assert check(RIGHT)[0] == 404
            assert copy.step("ex-sum").check.type == "code"  # type: ignore[attr-defined]
            return
        assert copy.step("ex-sum").check.type == "custom"  # type: ignore[attr-defined]
        status, wrong = check(WRONG)
        assert status == 200 and wrong["correct"] is False and wrong["attempt"] == 1
        status, right = check(RIGHT)
        assert status == 200 and right["correct"] is True and right["attempt"] == 2
    finally:
        running.stop()
