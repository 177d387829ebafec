"""Re-grading recorded evidence and hiding answer keys (no nbgrader needed here; the real
course round trip is in tests/integration/test_nbgrader_roundtrip.py)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import lessonkit as lk
from lessonkit.evidence import event_to_statement
from lessonkit.evidence.stores import JsonlStore
from lessonkit.grading import regrade
from lessonkit.grading.keys import student_copy
from lessonkit.integrations.nbgrader import points

DATA = Path(__file__).resolve().parents[1] / "data" / "valid"
KEY = lk.load_lesson(DATA / "graded.lesson.yaml")
RIGHT = {"bigger": ["2/3"], "half": ["0.375"], "name": ["denominator"], "third": ["0.333"]}


def run(lesson: lk.Lesson, answers: dict[str, list[str]], hints: int = 0) -> lk.LessonSession:
    session = lk.LessonSession(lesson, learner="kim", seed=3)
    session.start()
    while not session.finished:
        view = session.current
        if view.question is not None:
            for _ in range(min(hints, view.hints_left)):
                session.hint()
        for answer in answers.get(view.step.id, []):
            if session.current.can_submit:
                session.submit(answer)
        if not session.current.can_advance:
            break  # no answer scripted here: the learner stopped
        session.advance()
    return session


def statements(session: lk.LessonSession) -> list[dict[str, object]]:
    return [event_to_statement(e) for e in session.events]


def test_perfect_evidence_earns_every_point() -> None:
    report = regrade(KEY, statements(run(KEY, RIGHT)))
    assert report.question_points() == (6.0, 6.0)
    assert report.completed and report.sessions == 1 and not report.discrepancies


def test_attempt_schedule_and_policies() -> None:
    session = run(KEY, {**RIGHT, "bigger": ["3/5", "2/3"]})
    best = regrade(KEY, statements(session))
    assert best.questions["bigger"].score == 0.5  # second attempt: half credit
    first = regrade(KEY, statements(session), attempts="first")
    assert first.questions["bigger"].score == 0.0


def test_hint_penalty_uses_hints_recounted_from_the_events() -> None:
    hinted = lk.load_lesson(DATA / "branching.lesson.yaml")
    session = lk.LessonSession(hinted, learner="kim", seed=1)
    session.start()
    session.advance()
    session.choose("music")
    session.hint()
    session.submit("5")
    report = regrade(hinted, statements(session), hint_penalty=0.25)
    assert report.questions["q1"].attempts[0].hints_used == 1
    assert report.questions["q1"].score == pytest.approx(0.75)


def test_claimed_success_is_not_trusted() -> None:
    forged = []
    for st in statements(run(KEY, {"bigger": ["4/7"], "half": ["9"]})):
        text = json.dumps(st).replace('"correct": false', '"correct": true')
        forged.append(json.loads(text.replace('"success": false', '"success": true')))
    report = regrade(KEY, forged)
    assert report.question_points()[0] == 0.0
    assert any("recorded as correct" in d for d in report.discrepancies)


def test_attempts_beyond_the_limit_are_ignored() -> None:
    session = run(KEY, {"bigger": ["3/5", "4/7"]})
    extra = dataclasses.replace(
        next(e for e in session.events if e.kind == "answered"),
        seq=len(session.events),
        data={"response": "2/3", "raw": "2/3", "correct": True, "attempt": 1},
    )
    report = regrade(KEY, [*statements(session), event_to_statement(extra)])
    assert report.questions["bigger"].score == 0.0
    assert any("exceeds the limit" in d for d in report.discrepancies)


def test_mastery_is_recomputed_from_rechecked_answers() -> None:
    session = run(KEY, RIGHT)
    report = regrade(KEY, statements(session))
    for comp in KEY.competencies:
        assert report.competencies[comp.id].mastery == pytest.approx(
            session.mastery.probability(comp.id)
        )
    assert report.competencies["compare"].observations == 2


def test_student_copy_hides_graded_keys_but_checks_live() -> None:
    copy, how = student_copy(KEY, salt="pepper")
    assert how == {"bigger": "hashed", "half": "hashed", "name": "hashed", "third": "recorded"}
    text = lk.lesson.dumps_lesson(copy)
    for secret in ("0.375", "0.333", "denominator", "0.667"):
        assert secret not in text
    live = run(copy, {**RIGHT, "name": ["  DENOMINATOR "]})
    assert live.records["bigger"].correct and live.records["name"].correct
    assert not live.records["third"].correct  # recorded only: judged at grading
    # Grading the live copy's evidence against the key gives full credit.
    assert regrade(KEY, statements(live)).question_points() == (6.0, 6.0)


def test_targeted_feedback_survives_hashing() -> None:
    branching = lk.load_lesson(DATA / "branching.lesson.yaml")
    copy, _ = student_copy(branching, salt="s")
    session = lk.LessonSession(copy, learner="kim", seed=1)
    session.start()
    session.advance()
    session.choose("music")
    out = session.submit("6")
    assert "One too many" in out.result.feedback


def test_points_is_quiet_and_survives_damaged_evidence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "lessonkit-evidence"
    with JsonlStore(folder) as store:
        session = run(KEY, RIGHT)
        store.append(statements(session))
    damaged = next(folder.rglob("*.jsonl"))
    with damaged.open("a") as fh:
        fh.write("garbage\n{torn")
    got = points(KEY, KEY, max_points=6, evidence=folder)
    captured = capsys.readouterr()
    assert got == 6.0
    assert captured.err == ""
    assert "could not be used" in captured.out
    assert points(KEY, KEY, max_points=3, evidence=tmp_path / "missing") == 0.0
    assert "No lesson evidence" in capsys.readouterr().out


def test_competency_points_scale(tmp_path: Path) -> None:
    folder = tmp_path / "ev"
    with JsonlStore(folder) as store:
        store.append(statements(run(KEY, RIGHT)))
    linear = points(KEY, KEY, max_points=3, competency="compare", evidence=folder)
    report = regrade(KEY, JsonlStore(folder, create=False).read())
    assert linear == round(3 * report.competencies["compare"].fraction(), 2)
    allornothing = points(
        KEY, KEY, max_points=3, competency="compare", scale="threshold", evidence=folder
    )
    assert allornothing == (3.0 if report.competencies["compare"].mastered else 0.0)
    assert points(KEY, KEY, max_points=3, competency="nope", evidence=folder) == 0.0


def test_hidden_questions_keep_their_input_kind() -> None:
    from lessonkit import checks
    from lessonkit.grading.keys import display_spec

    copy, _ = student_copy(KEY, salt="s")
    shown = {q.id: display_spec(q.check) for q in copy.questions()}
    assert isinstance(shown["bigger"], checks.Choice)
    assert [o.value for o in shown["bigger"].options] == ["2/3", "3/5", "4/7"]
    assert isinstance(shown["third"], checks.Numeric)  # recorded, still a number input


def test_removed_events_are_reported() -> None:
    session = run(KEY, {**RIGHT, "bigger": ["3/5", "2/3"]})
    kept = [
        event_to_statement(e)
        for e in session.events
        if not (e.kind == "answered" and e.data.get("attempt") == 1 and e.step_id == "bigger")
    ]
    report = regrade(KEY, kept)
    assert any("missing" in d for d in report.discrepancies)
    assert not regrade(KEY, statements(session)).discrepancies
