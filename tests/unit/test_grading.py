"""Re-grading recorded evidence and hiding answer keys (no nbgrader needed here; the real
course round trip is in tests/integration/test_nbgrader_roundtrip.py)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lessonkit as lk
from lessonkit import checks
from lessonkit.evidence import event_to_statement
from lessonkit.evidence.stores import JsonlStore
from lessonkit.grading import regrade
from lessonkit.grading.keys import display_spec, gradable_problems, live_mode, student_copy
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
    assert report.completed and report.sessions == 1 and not report.flagged


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
    for item in statements(run(KEY, {"bigger": ["4/7"], "half": ["9"]})):
        text = json.dumps(item).replace('"correct": false', '"correct": true')
        forged.append(json.loads(text.replace('"success": false', '"success": true')))
    report = regrade(KEY, forged)
    assert report.question_points()[0] == 0.0
    assert any("recorded as correct but is incorrect" in d for d in report.discrepancies)


def test_honest_evidence_has_no_discrepancy_even_with_recorded_questions() -> None:
    copy, _ = student_copy(KEY, salt="s")
    live = run(copy, RIGHT)
    assert live.records["third"].recorded  # judged only at grading
    report = regrade(KEY, statements(live))
    assert report.question_points() == (6.0, 6.0)
    assert report.discrepancies == [] and report.gaps == []


def test_attempts_beyond_the_limit_are_ignored() -> None:
    session = run(KEY, {"bigger": ["3/5", "4/7"]})
    extra = dataclasses.replace(
        next(e for e in session.events if e.kind == "answered"),
        seq=len(session.events),
        data={"response": "2/3", "raw": "2/3", "correct": True, "attempt": 1},
    )
    report = regrade(KEY, [*statements(session), event_to_statement(extra)])
    # Three answers to a question that allows two: lessonkit could not have recorded that.
    assert report.questions["bigger"].score == 0.0
    assert "3 answers were recorded but it allows 2" in report.questions["bigger"].impossible
    assert any("3 answers were recorded but it allows 2" in d for d in report.discrepancies)


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
    for secret in ("0.375", "0.333", "denominator", "0.667", "is about"):
        assert secret not in text
    live = run(copy, {**RIGHT, "name": ["  The DENOMINATOR. "], "half": ["3/8"]})
    assert live.records["bigger"].correct and live.records["name"].correct
    assert live.records["half"].correct
    assert not live.records["third"].correct and live.records["third"].attempts == 0
    # Grading the live copy's evidence against the key gives full credit.
    assert regrade(KEY, statements(live)).question_points() == (6.0, 6.0)


def test_answers_the_grader_accepts_are_right_live() -> None:
    """Normalisation happens before hashing: option texts, comma-separated picks, fractions,
    decimal commas, units, case, accents and a trailing full stop."""
    lesson = lk.Lesson(
        id="agree",
        title="Agree",
        steps=(
            lk.Question(
                id="pick",
                prompt="Which?",
                check=checks.Choice(
                    options=(
                        checks.Option(value="median", text="the median"),
                        checks.Option(value="mean", text="the mean"),
                        checks.Option(value="iqr", text="the IQR"),
                    ),
                    answer=("median", "iqr"),
                ),
                next="num",
            ),
            lk.Question(
                id="num", prompt="?", check=checks.Numeric(answer=13, units="m"), next="txt"
            ),
            lk.Question(id="txt", prompt="?", check=checks.Text(answer="Café au lait"), next="end"),
            lk.End(id="end"),
        ),
    )
    copy, how = student_copy(lesson, salt="x")
    assert set(how.values()) == {"hashed"}
    cases = {
        "pick": [["median", "iqr"], "the median, the IQR", "iqr,median", "median", "the mean"],
        "num": ["13", "26/2", "13,0 m", "1.3e1 m", "13.00000000001", "13 cm", "-13", "14"],
        "txt": ["cafe au lait.", "  CAFÉ  AU LAIT ", "cafe", "", "café au lait!"],
    }
    for qid, responses in cases.items():
        for response in responses:
            key_q, copy_q = lesson.step(qid), copy.step(qid)
            want = checks.grade(key_q, response, attempt=1, hints_used=0, seed=None)  # type: ignore[arg-type]
            got = checks.grade(copy_q, response, attempt=1, hints_used=0, seed=None)  # type: ignore[arg-type]
            assert (got.understood, got.correct) == (want.understood, want.correct), (
                qid,
                response,
            )


@settings(max_examples=300, deadline=None)
@given(
    digits=st.integers(min_value=-(10**9) + 1, max_value=10**9 - 1),
    exponent=st.integers(min_value=-12, max_value=12),
    nudge=st.sampled_from([0.0, 3e-10, -7e-10, 9.99e-10, -1.0001e-9, 2e-9, 1e-6, -0.5]),
    form=st.sampled_from(["repr", "sci", "comma", "fraction"]),
)
def test_hashed_numbers_agree_with_the_grader(
    digits: int, exponent: int, nudge: float, form: str
) -> None:
    """Whatever number a learner types near a key of up to 9 significant digits, the live
    check and the grader agree on whether it is right."""
    target = float(f"{digits}e{exponent}")
    key_q = lk.Question(id="n", prompt="?", check=checks.Numeric(answer=target))
    copy_q = _COPY_CACHE.setdefault(target, student_copy(_one(key_q), salt="z")[0].step("n"))
    value = target * (1 + nudge)
    text = {
        "repr": repr(value),
        "sci": f"{value:.12e}".replace("e", "x10^"),
        "comma": repr(value).replace(".", ",") if "e" not in repr(value) else repr(value),
        "fraction": f"{round(value * 8)}/8",
    }[form]
    want = checks.grade(key_q, text, attempt=1, hints_used=0, seed=None)
    got = checks.grade(copy_q, text, attempt=1, hints_used=0, seed=None)  # type: ignore[arg-type]
    assert (got.understood, got.correct) == (want.understood, want.correct), text


_COPY_CACHE: dict[float, object] = {}


def _one(question: lk.Question) -> lk.Lesson:
    return lk.Lesson(
        id="one",
        title="One",
        steps=(
            question.__class__(
                **{
                    **{
                        f.name: getattr(question, f.name)
                        for f in dataclasses.fields(question)
                        if f.init
                    },
                    "next": "end",
                }
            ),
            lk.End(id="end"),
        ),
    )


def test_recorded_answers_are_neutral_live() -> None:
    copy, _ = student_copy(KEY, salt="s")
    session = lk.LessonSession(copy, learner="kim", seed=1)
    session.start()
    while session.current.step.id != "third":
        view = session.current
        if view.question is not None:
            session.submit(RIGHT[view.step.id][0])
        session.advance()
    before = session.mastery.probability("convert")
    out = session.submit("0.3")  # wrong, but nobody can tell yet
    assert out.result.details["recorded"] is True and out.mastery == {}
    assert session.mastery.probability("convert") == before
    view = session.current
    assert view.record.attempts == 0 and view.can_submit and view.can_advance
    session.submit("0.333")  # changed: the last answer counts
    assert session.score() == (4.0, 4.0) and session.pending() == (1, 2.0)
    answered = [e for e in session.events if e.kind == "answered" and e.step_id == "third"]
    assert [e.data["correct"] for e in answered] == [None, None]
    report = regrade(KEY, statements(session))
    assert report.questions["third"].points == 2.0 and not report.flagged


def test_branching_does_not_treat_a_recorded_answer_as_right_or_wrong() -> None:
    from lessonkit.engine.decisions import RunContext, choose_branch
    from lessonkit.lesson.branching import Branch, Rule

    copy, _ = student_copy(KEY, salt="s")
    session = lk.LessonSession(copy, learner="kim", seed=1)
    session.state.enter("third")
    session.submit("0.1")
    session.state.leave("third")
    context = RunContext(session.state)
    assert context.recorded and not context.correct
    branch = Branch(
        rules=(
            Rule(when="not correct", goto="remedial"),
            Rule(when="correct", goto="challenge"),
            Rule(when="recorded", goto="recorded-path"),
        ),
        default="done",
    )
    assert choose_branch(branch, context) == ("recorded-path", "recorded")
    only_verdicts = Branch(rules=branch.rules[:2], default="done")
    assert choose_branch(only_verdicts, context) == ("done", "default")


def test_targeted_feedback_is_sealed_in_the_copy() -> None:
    lesson = lk.load_lesson(DATA / "branching.lesson.yaml")
    copy, _ = student_copy(lesson, salt="s")
    assert "One too many" not in lk.lesson.dumps_lesson(copy)
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
    got = points(KEY, KEY, max_points=6, evidence=folder, student="kim")
    captured = capsys.readouterr()
    assert got == 6.0
    assert captured.err == ""
    assert "could not be used" in captured.out
    assert points(KEY, KEY, max_points=3, evidence=tmp_path / "missing", student="kim") == 0.0
    assert "No lesson evidence" in capsys.readouterr().out


def test_competency_points_scale(tmp_path: Path) -> None:
    folder = tmp_path / "ev"
    with JsonlStore(folder) as store:
        store.append(statements(run(KEY, RIGHT)))
    linear = points(KEY, KEY, max_points=3, competency="compare", evidence=folder, student="kim")
    report = regrade(KEY, JsonlStore(folder, create=False).read())
    assert linear == round(3 * report.competencies["compare"].fraction(), 2)
    allornothing = points(
        KEY,
        KEY,
        max_points=3,
        competency="compare",
        scale="threshold",
        evidence=folder,
        student="kim",
    )
    assert allornothing == (3.0 if report.competencies["compare"].mastered else 0.0)
    assert points(KEY, KEY, max_points=3, competency="nope", evidence=folder, student="kim") == 0.0


def test_display_spec_renders_every_hidden_input_without_its_key() -> None:
    exercise = lk.Exercise(
        id="ex",
        prompt="Write total",
        starter="def total(xs):\n    pass\n",
        check=checks.Code(name="total", tests=(checks.CodeTest(args=([1, 2],), expect=3),)),
        next="order",
    )
    lesson = lk.Lesson(
        id="kinds",
        title="Kinds",
        steps=(
            lk.Question(
                id="pick",
                prompt="?",
                check=checks.Choice(options=("2/3", "3/5"), answer=("2/3",)),
                next="ex",
            ),
            exercise,
            lk.Question(
                id="order",
                prompt="?",
                check=checks.Ordering(items=("zeta", "alpha", "mid")),
                next="speed",
            ),
            lk.Question(
                id="speed",
                prompt="?",
                check=checks.Numeric(answer=9.8, tolerance=0.1, units="m/s^2"),
                next="end",
            ),
            lk.End(id="end"),
        ),
    )
    copy, how = student_copy(lesson, salt="s")
    assert how == {"pick": "hashed", "ex": "recorded", "order": "hashed", "speed": "recorded"}
    shown = {q.id: display_spec(q.check) for q in copy.questions()}
    pick = shown["pick"]
    assert isinstance(pick, checks.Choice) and pick.multiple
    assert [o.value for o in pick.options] == ["2/3", "3/5"]
    assert isinstance(shown["ex"], checks.Code) and shown["ex"].tests == ()
    assert isinstance(copy.step("ex"), lk.Exercise) and copy.step("ex").starter.startswith("def")
    order = shown["order"]
    assert isinstance(order, checks.Ordering) and order.items == ("alpha", "mid", "zeta")
    speed = shown["speed"]
    assert isinstance(speed, checks.Numeric) and speed.units == "m/s^2"
    text = lk.lesson.dumps_lesson(copy)
    assert "9.8" not in text and "expect" not in text and "zeta\n    - alpha" not in text
    reloaded = lk.lesson.loads_lesson(text)  # the copy is a valid lesson file
    assert reloaded.step("ex").kind == "exercise"


def test_ungradable_questions_are_named() -> None:
    lesson = lk.Lesson(
        id="bad",
        title="Bad",
        steps=(
            lk.Question(id="essay", prompt="?", check=checks.FreeResponse(), next="df"),
            lk.Question(id="df", prompt="?", check=checks.Frame(answer={"a": [1]}), next="fn"),
            lk.Question(
                id="fn", prompt="?", check=checks.Custom(checker=lambda r, a: True), next="end"
            ),
            lk.End(id="end"),
        ),
    )
    assert [sid for sid, _ in gradable_problems(lesson)] == ["essay", "df", "fn"]
    assert live_mode(KEY.step("third")) == "recorded"  # type: ignore[arg-type]


def test_removed_events_are_reported_and_counted_as_failed_attempts() -> None:
    session = run(KEY, {**RIGHT, "bigger": ["3/5", "2/3"]})
    kept = [
        event_to_statement(e)
        for e in session.events
        if not (e.kind == "answered" and e.data.get("attempt") == 1 and e.step_id == "bigger")
    ]
    report = regrade(KEY, kept)
    assert any("1 recorded event(s) are missing" in g for g in report.gaps)
    # By hand: the deleted wrong answer still counts, so 2/3 is the second attempt (0.5 of 2).
    assert report.questions["bigger"].points == 1.0
    assert not regrade(KEY, statements(session)).gaps
