"""A lessonkit lesson through a real nbgrader course: generate, release, learners work through
it headlessly, submissions land where collect puts them, autograde, gradebook, CSV export.

Expected grades are computed independently of the grader: question points by hand from the
lesson's attempt schedule, mastery by running the *instructor's* lesson through a
``LessonSession`` with the same answers (the grader instead re-checks recorded evidence).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import lessonkit as lk
from lessonkit.evidence.stores import JsonlStore
from lessonkit.integrations.nbgrader import EVIDENCE_DIR
from lessonkit.integrations.nbgrader_source import generate_source

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "tests" / "data" / "valid" / "graded.lesson.yaml"
KEY = lk.load_lesson(LESSON)
BIN = Path(sys.executable).parent

# Answers per step, in order, for each kind of learner.
PERFECT = {"bigger": ["2/3"], "half": ["0.375"], "name": ["Denominator"], "third": ["0.33"]}
PARTIAL = {"bigger": ["3/5", "2/3"], "half": ["0.25"], "name": ["numerator"], "third": ["0.33"]}
WRONG = {"bigger": ["4/7", "3/5"], "half": ["2"], "name": ["top"], "third": ["9"]}


def drive(
    lesson: lk.Lesson, answers: dict[str, list[str]], store: object = None
) -> lk.LessonSession:
    """Work through the linear graded lesson giving ``answers``."""
    session = lk.LessonSession(lesson, learner="learner", store=store)
    session.start()
    while not session.finished:
        view = session.current
        for answer in answers.get(view.step.id, []):
            if session.current.can_submit:
                session.submit(answer)
        session.advance()
    return session


def linear(session: lk.LessonSession, cid: str) -> float:
    comp = KEY.competency(cid)
    p = session.mastery.probability(cid)
    span = comp.mastery.threshold - comp.mastery.prior
    return min(1.0, max(0.0, (p - comp.mastery.prior) / span))


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("course")
    (root / "nbgrader_config.py").write_text(
        (ROOT / "extensions" / "nbgrader" / "nbgrader_config.py").read_text()
        + f"\nc.CourseDirectory.root = {str(root)!r}\nc.CourseDirectory.course_id = 'lk101'\n"
    )
    yield root


def _api(root: Path) -> object:
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.course_id = "lk101"
    config.ExecutePreprocessor.timeout = 120
    config.Exchange.root = str(root / "exchange")
    return NbGraderAPI(CourseDirectory(config=config), config=config)


def _submit(root: Path, student: str) -> Path:
    """Place the released files exactly where ``nbgrader collect`` puts a submission."""
    dest = root / "submitted" / student / "ps1"
    shutil.copytree(root / "release" / "ps1", dest)
    (dest / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    return dest


def _tamper(folder: Path) -> None:
    """Claim success for every recorded answer, leaving the (wrong) raw answers as they are."""
    for path in folder.rglob("*.jsonl"):
        lines = path.read_text().splitlines()
        out = [lines[0]]
        for line in lines[1:]:
            st = json.loads(line)
            ext = st["context"]["extensions"]
            event = next(v for k, v in ext.items() if k.endswith("/event"))
            if event["kind"] == "answered":
                event["data"].update(correct=True, score=1.0)
                st["result"]["success"] = True
            out.append(json.dumps(st))
        path.write_text("\n".join(out) + "\n")


def test_round_trip_with_real_nbgrader(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")  # alembic
    monkeypatch.chdir(course)
    made_q = generate_source(LESSON, course / "source" / "ps1", name="by_question", mode="question")
    made_c = generate_source(LESSON, course / "source" / "ps1", name="by_competency")
    assert made_q.grade_cells == {
        "lessonkit-bigger": 2.0,
        "lessonkit-half": 1.0,
        "lessonkit-name": 1.0,
        "lessonkit-third": 2.0,
    }
    assert made_c.grade_cells == {"lessonkit-compare": 3.0, "lessonkit-convert": 3.0}
    assert made_q.live_checking == {
        "bigger": "hashed",
        "half": "hashed",
        "name": "hashed",
        "third": "recorded",
    }
    api = _api(course)
    result = api.generate_assignment("ps1")  # type: ignore[attr-defined]
    assert result["success"], result["log"]
    _released_copy_holds_no_key(course / "release" / "ps1")

    student_lesson = lk.load_lesson(course / "release" / "ps1" / "by_question.lesson.yaml")
    sessions: dict[str, lk.LessonSession] = {}
    for student, answers in [
        ("perfect", PERFECT),
        ("partial", PARTIAL),
        ("tampered", WRONG),
        ("deleted", PERFECT),
        ("damaged", PERFECT),
    ]:
        folder = _submit(course, student) / EVIDENCE_DIR
        with JsonlStore(folder) as store:
            drive(student_lesson, answers, store)
        sessions[student] = drive(KEY, answers)  # the expectation, from the key
    _submit(course, "nothing")
    _tamper(course / "submitted" / "tampered" / "ps1" / EVIDENCE_DIR)
    shutil.rmtree(course / "submitted" / "deleted" / "ps1" / EVIDENCE_DIR)
    damaged = next((course / "submitted" / "damaged" / "ps1" / EVIDENCE_DIR).rglob("*.jsonl"))
    with damaged.open("a") as fh:
        fh.write('{"not": "a statement"}\nthis is not json\n{"torn": ')

    for student in ["perfect", "partial", "tampered", "deleted", "damaged", "nothing"]:
        result = api.autograde("ps1", student)  # type: ignore[attr-defined]
        assert result["success"], result["log"]

    expected_q = {
        "perfect": {"bigger": 2.0, "half": 1.0, "name": 1.0, "third": 2.0},
        "partial": {"bigger": 1.0, "half": 0.0, "name": 0.0, "third": 2.0},
        "tampered": {"bigger": 0.0, "half": 0.0, "name": 0.0, "third": 0.0},
        "deleted": {"bigger": 0.0, "half": 0.0, "name": 0.0, "third": 0.0},
        "damaged": {"bigger": 2.0, "half": 1.0, "name": 1.0, "third": 2.0},
        "nothing": {"bigger": 0.0, "half": 0.0, "name": 0.0, "third": 0.0},
    }
    scores = _gradebook(course)
    for student, expected in expected_q.items():
        got = {k.removeprefix("lessonkit-"): v for k, v in scores[student, "by_question"].items()}
        assert got == expected, student
        comp = scores[student, "by_competency"]
        for cid in ("compare", "convert"):
            if student in ("deleted", "nothing"):
                want = 0.0
            else:
                key_run = sessions["tampered" if student == "tampered" else student]
                want = round(3.0 * linear(key_run, cid), 2)
            assert comp[f"lessonkit-{cid}"] == pytest.approx(want, abs=1e-9), (student, cid)
    # The perfect learner's mastery is real evidence, not a default.
    assert scores["perfect", "by_competency"]["lessonkit-compare"] > 1.0
    tampered = scores["tampered", "by_competency"]["lessonkit-compare"]
    assert tampered < scores["perfect", "by_competency"]["lessonkit-compare"]

    _feedback_shows_evidence_without_keys(course)
    _export_csv(course)


def _gradebook(course: Path) -> dict[tuple[str, str], dict[str, float]]:
    from nbgrader.api import Gradebook

    found: dict[tuple[str, str], dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in ["perfect", "partial", "tampered", "deleted", "damaged", "nothing"]:
            for notebook in ["by_question", "by_competency"]:
                nb = gb.find_submission_notebook(notebook, "ps1", student)
                found[student, notebook] = {g.name: float(g.score) for g in nb.grades}
    return found


def _released_copy_holds_no_key(release: Path) -> None:
    text = "\n".join(p.read_text(errors="replace") for p in release.rglob("*") if p.is_file())
    for secret in ["0.375", "0.333", "denominator", "about 0.667", '"answer":"2/3"']:
        assert secret not in text, secret
    student = lk.load_lesson(release / "by_question.lesson.yaml")
    for question in student.questions():
        assert question.check.type == "custom"
        shown = getattr(question.check, "answer", None) or {}
        # Only hashes and what the player must display (every option alike) are left.
        assert set(shown) <= {"salt", "kind", "hashes", "options", "multiple", "items", "input"} | {
            "case_sensitive",
            "ignore_accents",
        }
    assert "BEGIN HIDDEN TESTS" not in text


def _feedback_shows_evidence_without_keys(course: Path) -> None:
    nb = json.loads((course / "autograded" / "partial" / "ps1" / "by_competency.ipynb").read_text())
    outputs = [
        o
        for c in nb["cells"]
        if (c.get("metadata", {}).get("lessonkit") or {}).get("role") == "grade"
        for o in c["outputs"]
    ]
    text = "".join("".join(o.get("text", "")) for o in outputs if o["output_type"] == "stream")
    assert "Competency compare: mastery" in text
    assert "counted answers" in text
    assert not any(o.get("name") == "stderr" for o in outputs)
    assert "0.375" not in text and "denominator" not in text


def _export_csv(course: Path) -> None:
    out = course / "grades.csv"
    done = subprocess.run(
        [str(BIN / "nbgrader"), "export", "--to", str(out)],
        cwd=course,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with out.open() as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    book = _gradebook(course)
    for student in ("perfect", "partial", "nothing"):
        total = sum(sum(book[student, nb].values()) for nb in ("by_question", "by_competency"))
        assert float(rows[student]["raw_score"]) == pytest.approx(total), student
    assert float(rows["perfect"]["raw_score"]) > float(rows["partial"]["raw_score"]) > 0
