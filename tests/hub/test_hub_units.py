"""Pieces of the course service on their own: configuration, roles, flags, CLI, checker, spool."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lessonkit.cli import main
from lessonkit.evidence.stores.spool import Spool
from lessonkit.hub.classview import progress_table
from lessonkit.hub.config import ClassViewConfig, HubConfigError, load_config
from lessonkit.hub.remote_check import UNREACHABLE, check_service, service_url
from lessonkit.hub.roles import INSTRUCTOR, LEARNER, OBSERVER, Membership

from .harness import GROUPS, LESSON, NOTES, free_port, write_config


def test_roles_come_from_course_groups() -> None:
    members = Membership({g: frozenset(u) for g, u in GROUPS.items()})
    assert members.role("alice", "algebra") == LEARNER
    assert members.role("teacher", "algebra") == INSTRUCTOR
    assert members.role("ta", "algebra") == OBSERVER
    assert members.role("mallory", "algebra") is None
    assert members.at_least("teacher", "algebra", OBSERVER)
    assert not members.at_least("alice", "algebra", OBSERVER)
    assert members.roster("algebra") == {"alice", "bob"}
    assert members.role("alice", "geometry") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("courses: {}\ndatabase: sqlite:///x.db\n", "at least one course"),
        ("courses: {a: {lessons: nope}}\ndatabase: sqlite:///x.db\n", "list of lesson files"),
        ("courses: {'bad name': {lessons: []}}\ndatabase: sqlite:///x.db\n", "letters, digits"),
        ("courses: {a: {lessons: [missing.yaml]}}\ndatabase: sqlite:///x.db\n", "does not load"),
        ("- just a list\n", "expected a mapping"),
        ("courses: {a: {lessons: []}}\n", "no database configured"),
        ("courses: {a: {lessons: [], code_checks: cloud}}\ndatabase: x\n", "code_checks"),
        ("courses: {a: {lessons: []}}\ndatabase: x\nlrs: {username: u}\n", "lrs: give"),
        ("courses: {a: {}}\ndatabase: x\n", "give `lessons:` as a list .* or a `course_file:`"),
        ("courses: {a: {course_file: no.course.yaml}}\ndatabase: x\n", "course file or lesson"),
    ],
)
def test_configuration_mistakes_are_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.delenv("LESSONKIT_HUB_DB", raising=False)
    monkeypatch.delenv("LESSONKIT_HUB_DB_FILE", raising=False)
    path = tmp_path / "hub.yaml"
    path.write_text(text)
    with pytest.raises(HubConfigError, match=message):
        load_config(path)


def test_the_database_url_can_come_from_a_mounted_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "db-url"
    secret.write_text("postgres://lk:pw@db:5432/lessonkit\n")
    monkeypatch.setenv("LESSONKIT_HUB_DB_FILE", str(secret))
    path = tmp_path / "hub.yaml"
    path.write_text(f"courses: {{c: {{lessons: [{LESSON}]}}}}\n")
    config = load_config(path)
    assert config.database == "postgresql+psycopg://lk:pw@db:5432/lessonkit"
    assert "pw" not in repr(config)  # secrets stay out of logs


def test_flags_for_the_teacher() -> None:
    import pandas as pd

    from lessonkit.analytics.frame import statements_frame
    from lessonkit.engine.session import LessonSession
    from lessonkit.evidence.statements import event_to_statement
    from lessonkit.lesson.loader import load_lesson

    lesson = load_lesson(LESSON)
    now = datetime.now(UTC)
    statements = []
    for learner, answers in (("ann", ["3", "5"]), ("ben", []), ("cal", ["4"])):
        s = LessonSession(lesson, learner=learner)
        s.start()
        s.advance()
        for answer in answers:
            s.submit(answer)
        statements += [event_to_statement(e) for e in s.events]
    frame = statements_frame(statements)
    seen = {
        "ann": (now - timedelta(minutes=1)).isoformat(),
        "ben": (now - timedelta(minutes=30)).isoformat(),
        "cal": now.isoformat(),
    }
    cfg = ClassViewConfig(stuck_minutes=10, stuck_wrong=2)
    table = progress_table(frame, ["ann", "ben", "cal", "dee"], seen, cfg, now=now)
    flags = dict(zip(table["learner"], table["flag"], strict=True))
    assert flags == {"ann": "stuck", "ben": "stuck", "cal": "", "dee": "not started"}
    reasons = dict(zip(table["learner"], table["reason"], strict=True))
    assert "2 wrong answers in a row" in reasons["ann"] and "idle for 30 min" in reasons["ben"]
    assert isinstance(table, pd.DataFrame)


def test_the_checker_says_when_the_service_is_missing_or_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LESSONKIT_SERVICE_URL", raising=False)
    monkeypatch.delenv("LESSONKIT_STORE", raising=False)
    answer = {"lesson": "hub-course", "question": "q-even"}
    result = check_service("4", answer)
    assert not result.understood and "not configured" in result.feedback
    monkeypatch.setenv("LESSONKIT_STORE", f"hub+http://127.0.0.1:{free_port()}/services/lk/")
    monkeypatch.setenv("LESSONKIT_HUB_TOKEN", "t")
    assert service_url().endswith("/services/lk/")
    result = check_service("4", answer)
    assert not result.understood and result.feedback == UNREACHABLE


def test_a_torn_spool_line_is_dropped_not_sent(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.add([json.dumps({"id": "a"}), json.dumps({"id": "b"})])
    assert spool.path is not None
    with open(spool.path, "ab") as f:
        f.write(b'{"id": "c", "tor')  # a write cut short by a crash
    assert [json.loads(x)["id"] for x in spool.own_lines()] == ["a", "b"]
    spool.drop_own(1)
    assert [json.loads(x)["id"] for x in spool.own_lines()] == ["b"]
    spool.close()
    assert spool.path.exists()  # something is still to be delivered


def test_cli_copy_status_delete_and_purge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "copy.lesson.yaml"
    assert main(["hub", "copy", str(LESSON), "-o", str(out)]) == 0
    assert "lessonkit.service" in out.read_text() and "42" not in out.read_text()
    assert main(["validate", str(out)]) == 0
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'c.db'}")
    from lessonkit.hub.ingest import ingest
    from lessonkit.hub.ledger import Ledger
    from tests.hub.test_lrs_forwarding import MEMBERS, walk

    ledger = Ledger(load_config(config))
    ingest(ledger, "alice", walk("alice", 2), MEMBERS)
    ingest(ledger, "bob", walk("bob", 2), MEMBERS)
    ledger.close()
    capsys.readouterr()
    assert main(["hub", "status", "--config", str(config)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["stored"] == status["received"] == 12
    assert main(["hub", "delete-learner", "alice", "--config", str(config)]) == 0
    assert json.loads(capsys.readouterr().out)["deleted"]["statements"] == 6
    assert main(["hub", "delete-learner", "x", "--config", str(config), "--course", "no"]) == 1
    assert main(["hub", "purge", "--config", str(config), "--before", "2000-01-01"]) == 0
    assert json.loads(capsys.readouterr().out)["deleted"]["statements"] == 0
    assert main(["hub", "purge", "--config", str(config), "--before", "2999-01-01"]) == 0
    assert json.loads(capsys.readouterr().out)["deleted"]["statements"] == 6
    assert main(["hub", "purge", "--config", str(config), "--before", "soon"]) == 2


def test_an_administrator_deletes_a_course_shared_lesson_only_when_told(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command does not know the hub's groups: a lesson another course also holds is not
    attributed to ``--course`` unless the administrator says so (``--include-shared``)."""
    from lessonkit.hub.ingest import ingest
    from lessonkit.hub.ledger import Ledger
    from tests.hub.test_lrs_forwarding import MEMBERS, walk

    courses = {
        "algebra": {"lessons": [str(LESSON), str(NOTES)]},
        "geometry": {"lessons": [str(NOTES)]},
    }
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'c.db'}", courses=courses)
    ledger = Ledger(load_config(config))
    ingest(ledger, "alice", walk("alice", 2), MEMBERS)  # hub-notes, in both courses
    ledger.close()
    base = ["hub", "delete-learner", "alice", "--config", str(config), "--course", "algebra"]
    capsys.readouterr()
    assert main(base) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["refused"]["hub-notes"] == {
        "courses": ["geometry"],
        "statements": 6,
        "receipts": 6,
        "checks": 0,
    }
    assert "nothing was deleted" in err and "--include-shared" in err
    assert main(["hub", "status", "--config", str(config)]) == 0
    assert json.loads(capsys.readouterr().out)["stored"] == 6
    assert main([*base, "--include-shared"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["deleted"]["statements"] == 6 and done["complete"]


def test_a_lesson_without_restarts_refuses_a_second_session(tmp_path: Path) -> None:
    from lessonkit.engine.session import LessonSession
    from lessonkit.evidence.statements import event_to_statement
    from lessonkit.hub.ingest import ingest
    from lessonkit.hub.ledger import Ledger
    from lessonkit.lesson.loader import load_lesson

    once = LESSON.with_name("once.lesson.yaml")
    courses = {"algebra": {"lessons": [str(once)]}}
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'c.db'}", courses=courses)
    ledger = Ledger(load_config(config))
    members = Membership({"lessonkit-algebra": frozenset({"alice"})})
    try:
        sessions = []
        for _ in range(2):
            s = LessonSession(load_lesson(once), learner="alice")
            s.start()
            sessions.append([event_to_statement(e) for e in s.events])
        first = ingest(ledger, "alice", sessions[0], members)
        assert first.as_json()["accepted"] == 2
        second = ingest(ledger, "alice", sessions[1], members)
        assert second.as_json()["accepted"] == 0
        assert "cannot be restarted" in second.rejected[0]["reason"]
        again = ingest(ledger, "alice", sessions[0], members)  # the first session goes on
        assert again.as_json()["duplicates"] == 2
    finally:
        ledger.close()


def test_a_learner_s_bucket_refills_and_idle_buckets_are_forgotten() -> None:
    from lessonkit.hub.limits import Limiter, LimitExceededError, Limits, Rate

    now = [0.0]
    limiter = Limiter(Limits(checks=Rate(rate=0.5, burst=3)), clock=lambda: now[0])
    for _ in range(3):
        limiter.take("checks", "ann")
    with pytest.raises(LimitExceededError) as refused:
        limiter.take("checks", "ann")
    assert refused.value.retry_after == pytest.approx(2.0)  # one token at 0.5 per second
    limiter.take("checks", "ben")  # another learner's bucket is full
    now[0] = 1.0
    with pytest.raises(LimitExceededError) as refused:
        limiter.take("checks", "ann")  # the refusal took nothing: half a token now
    assert refused.value.retry_after == pytest.approx(1.0)
    now[0] = 2.0
    limiter.take("checks", "ann")
    limiter.take("statements", "ann", 1000)  # two full requests: the whole bucket of 2000
    limiter.take("statements", "ann", 1000)
    with pytest.raises(LimitExceededError, match="too many statements: try again in 10 s"):
        limiter.take("statements", "ann", 200)  # refilled at 20 per second
    for i in range(2000):  # a class passes by; once their buckets have refilled they go
        limiter.take("checks", f"learner-{i}")
    now[0] = 1000.0
    for _ in range(1024):
        limiter.take("checks", "ann")
        now[0] += 2.0
    assert len(limiter._buckets) < 10
    limiter.start_check("ann")
    limiter.start_check("ann")
    with pytest.raises(LimitExceededError):
        limiter.start_check("ann")  # 2 at a time by default
    limiter.end_check("ann")
    limiter.start_check("ann")
