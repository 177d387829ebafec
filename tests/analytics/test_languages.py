"""Evidence of the language a learner saw, and the class report split by it.

Real sessions write to a real JSONL store: a German learner (no translation: the English text,
German numbers), a Spanish learner (the Spanish translation) and one whose session was given
no language, as before languages existed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement

import lessonkit as lk
from lessonkit.analytics.frame import load_frame
from lessonkit.analytics.groups import NOT_RECORDED, group_summary, step_stats_by
from lessonkit.cli import main
from lessonkit.evidence import event_to_statement, statement_to_event
from lessonkit.evidence.stores import open_store
from lessonkit.grading.regrade import regrade

TINY = Path(__file__).resolve().parents[1] / "data" / "translations" / "ok.lesson.yaml"


def _run(
    lesson: lk.Lesson, store: object, learner: str, language: str | None, **given: str
) -> None:
    session = lk.LessonSession(lesson, learner=learner, store=store, language=language)
    session.start()
    session.advance()
    session.choose("good")
    assert session.submit(given.get("q", "4")).result.correct
    session.advance()
    session.submit(given.get("word", "dog"))
    while not session.finished:
        session.advance()


@pytest.fixture(scope="module")
def lesson() -> lk.Lesson:
    lesson = lk.load_lesson(TINY)
    q = lesson.step("q")
    assert isinstance(q, lk.Question)
    return lesson


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory, lesson: lk.Lesson) -> str:
    url = str(tmp_path_factory.mktemp("languages") / "evidence")
    with open_store(url) as store:
        _run(lesson, store, "dora", "de", q="4,000", word="perro")  # 4 the German way
        _run(lesson, store, "ana", "es", word="perro")  # the Spanish accepted answer
        _run(lesson, store, "eli", None)
    return url


def test_every_statement_says_the_language_the_learner_saw(store_url: str) -> None:
    with open_store(store_url, create=False) as store:
        statements = list(store.read())
    by_learner: dict[str, set[object]] = {}
    for statement in statements:
        BaseXapiStatement.model_validate(json.loads(json.dumps(statement)))
        name = statement["actor"]["account"]["name"]
        by_learner.setdefault(name, set()).add(statement["context"].get("language"))
        assert statement_to_event(statement).language == statement["context"].get("language")
    # German has no translation: dora saw the English text; ana the Spanish one
    assert by_learner == {"dora": {"en"}, "ana": {"es"}, "eli": {None}}
    names = [
        s["object"]["definition"]["name"]
        for s in statements
        if s["verb"]["id"].endswith("experienced") and s["object"]["id"].endswith("/intro")
    ]
    assert {"es": "Bienvenida"} in names and {"en": "Welcome"} in names
    assert {"und": "Welcome"} in names  # a session given no language, as before


def test_a_statement_without_a_language_is_as_before() -> None:
    from datetime import UTC, datetime

    event = lk.evidence.events.Event(
        kind="started",
        learner=lk.evidence.events.LearnerRef(id="x"),
        lesson_id="tiny",
        lesson_version="1",
        content_hash="0" * 64,
        registration="00000000-0000-4000-8000-000000000001",
        seq=0,
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert "language" not in event_to_statement(event)["context"]


def test_the_frame_and_the_report_split_by_language(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = load_frame(store_url)
    assert set(frame["language"].dropna()) == {"en", "es"}
    summary = group_summary(frame).set_index("language")
    assert list(summary.index) == [NOT_RECORDED, "en", "es"]
    assert summary["learners"].tolist() == [1, 1, 1]
    assert summary["completed"].tolist() == [1.0, 1.0, 1.0]
    assert summary.loc["en", "first_try_success"] == 0.5  # "4,000" right, "perro" not in German
    assert summary.loc["es", "first_try_success"] == 1.0
    steps = step_stats_by(frame)
    assert set(steps.columns) >= {"language", "step", "learners", "first_try_success"}
    word = steps[steps["step"] == "word"].set_index("language")["first_try_success"]
    assert word.to_dict() == {NOT_RECORDED: 1.0, "en": 0.0, "es": 1.0}
    assert main(["report", store_url, "--by", "language", "--format", "json"]) == 0
    tables = json.loads(capsys.readouterr().out)["tables"]
    assert [row["language"] for row in tables["by_language"]] == [NOT_RECORDED, "en", "es"]
    assert {row["language"] for row in tables["step_stats_by_language"]} == {
        NOT_RECORDED,
        "en",
        "es",
    }
    with pytest.raises(SystemExit) as usage:
        main(["report", store_url, "--by", "country"])
    assert usage.value.code == 2


def test_regrading_reads_answers_in_the_learner_s_language(
    store_url: str, lesson: lk.Lesson
) -> None:
    with open_store(store_url, create=False) as store:
        statements = list(store.read())
    for learner, expected in (("dora", {"q": 1.0, "word": 0.0}), ("ana", {"q": 1.0, "word": 1.0})):
        report = regrade(lesson, statements, student=learner)
        assert {q: g.score for q, g in report.questions.items()} == expected, learner
