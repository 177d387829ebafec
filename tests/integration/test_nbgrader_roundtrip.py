"""A lessonkit lesson through a real nbgrader course, as an instructor and students do it.

generate (the shipped course configuration: tamper-resistant grading, feedback without
hidden tests, the instructor's try-out in source/ kept back), nbgrader's own
``generate_assignment``, release, students work (one through the released notebook's player
widget in a real kernel, one through nbgrader's own fetch/submit/collect, the others
headlessly through the released student copy, their submissions placed where ``collect``
puts them), autograde, gradebook, feedback HTML, ``lessonkit nbgrader grade`` and CSV export.
The lesson has every question type, a code exercise and a practice pool
(tests/data/valid/course.lesson.yaml).

Every expected grade is written by hand from the lesson's rules.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import nbformat
import pytest

import lessonkit as lk
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.stores import JsonlStore
from lessonkit.integrations.nbgrader import EVIDENCE_DIR
from lessonkit.integrations.nbgrader_player import NBGRADER_HOME_PAGE, student_id
from lessonkit.integrations.nbgrader_source import generate_source
from lessonkit.integrations.voila import nbgrader_config

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "tests" / "data" / "valid" / "course.lesson.yaml"
BIN = Path(sys.executable).parent
ASSIGNMENT = "ps1"
NOTEBOOK = "course"

QUESTIONS = ["q-choice", "q-multi", "q-number", "q-tolerance", "q-units", "q-text", "q-expr"]
QUESTIONS += ["q-order", "ex-code"]
MAX = dict(zip(QUESTIONS, [2.0, 2.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 2.0], strict=True))
ORDER = ["wake-zq", "shower-zq", "breakfast-zq"]
RIGHT: dict[str, list[Any]] = {
    "q-choice": ["keystone-zq"],
    "q-multi": [["red", "green"]],
    "q-number": ["3/8"],
    "q-tolerance": ["3.14"],
    "q-units": ["9.807 m/s"],
    "q-text": ["Photosynthesis-ZQ"],
    "q-expr": ["2*(x + 7)"],
    "q-order": [ORDER],
    "ex-code": ["def triple(x):\n    return 3 * x\n"],
}
PARTIAL: dict[str, list[Any]] = {
    "q-choice": ["bedrock-zq", "keystone-zq"],  # second attempt: 0.5 of 2 -> 1
    "q-multi": [["red", "yellow"]],  # 1 right pick - 1 wrong pick -> 0
    "q-number": ["0.38", "0.375"],  # no schedule: the second attempt earns 1
    "q-tolerance": ["3.2", "3.14"],  # recorded: the last answer counts -> 2
    "q-units": ["9.807 cm/s"],  # the wrong unit -> 0
    "q-text": ["  PHOTOSYNTHESIS-zq. "],  # normalised -> 1
    "q-expr": ["2*x + 7"],  # -> 0
    "q-order": [["shower-zq", "wake-zq", "breakfast-zq"]],  # 2 of 3 in order -> 0.5
    "ex-code": ["def triple(x):\n    return 3 * x if x > 0 else x\n"],  # 1 of 2 tests -> 1
}
WRONG: dict[str, list[Any]] = {
    "q-choice": ["pebble-zq", "bedrock-zq"],
    "q-multi": [["yellow", "purple"]],
    "q-number": ["0.5"],
    "q-tolerance": ["2.5"],
    "q-units": ["1 m/s"],
    "q-text": ["respiration"],
    "q-expr": ["x"],
    "q-order": [ORDER[::-1]],
    "ex-code": ["def triple(x):\n    return 0\n"],
}
EXPECTED_PARTIAL = {
    "q-choice": 1.0,
    "q-multi": 0.0,
    "q-number": 1.0,
    "q-tolerance": 2.0,
    "q-units": 0.0,
    "q-text": 1.0,
    "q-expr": 0.0,
    "q-order": 0.5,
    "ex-code": 1.0,
}
EXPECTED: dict[str, dict[str, float]] = {
    "perfect": dict(MAX),
    "partial": EXPECTED_PARTIAL,
    # Two wrong answers to q-choice (its limit), then "Restart lesson": the limit holds.
    "restart": {**MAX, "q-choice": 0.0},
    # The perfect student's evidence copied: not the student's own, so not counted (flagged).
    "copied": dict.fromkeys(QUESTIONS, 0.0),
    # The partial student's own work, submitted with the instructor's try-out (right answers)
    # and the perfect student's files: only the student's own evidence counts.
    "pooled": EXPECTED_PARTIAL,
    # Wrong answers, plus a hand-written session dated a day earlier answering q-choice
    # right: three answers to a question that allows two can only be edited: nothing.
    "forger": dict.fromkeys(QUESTIONS, 0.0),
    # q-choice wrong then right (1 of 2), the wrong line deleted: still 1, gap reported.
    "deleted": {**MAX, "q-choice": 1.0},
    # Wrong answers with every claim edited to "correct".
    "tampered": dict.fromkeys(QUESTIONS, 0.0),
    # Wrong answers, plus a cell that patches the grade function and swaps in the perfect
    # student's evidence while autograde runs.
    "patcher": dict.fromkeys(QUESTIONS, 0.0),
    "nothing": dict.fromkeys(QUESTIONS, 0.0),
}
# Strings of the key that must never reach a student: answers, sealed messages, solutions,
# code tests, and the serialized key itself.
SECRETS = [
    "keystone-wedge-zq",
    "keystone-solution-zq",
    "0.375",
    "3.14159",
    "9.807",
    "photosynthesis-zq",
    "2*x + 14",
    "triple-of-four-zq",
    "triple-of-minus-five-zq",
    "Rounded-zq",
    "Bedrock is under",
    "BEGIN HIDDEN TESTS",
    '"lessonkit":1',
    "answer_key = '",
]


# Kernels on Unix sockets: a TCP port picked at random can be taken by another process on a
# busy machine before the kernel binds it, and the kernel then dies before it replies. An
# absolute socket prefix, since the grader and the kernel run in different folders.
KERNELS_ON_SOCKETS = "c.KernelManager.transport = 'ipc'\nc.KernelManager.ip = {prefix!r}\n"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("course")
    (root / "exchange").mkdir()
    (root / "nbgrader_config.py").write_text(
        nbgrader_config().read_text()  # the configuration lessonkit ships
        + f"\nc.CourseDirectory.root = {str(root)!r}\nc.CourseDirectory.course_id = 'lk101'\n"
        + f"c.Exchange.root = {str(root / 'exchange')!r}\n"
        + KERNELS_ON_SOCKETS.format(prefix=str(root / "kernel"))
    )
    yield root


def _api(root: Path) -> Any:
    """nbgrader's API with the course's own nbgrader_config.py (lessonkit's settings)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return NbGraderAPI(CourseDirectory(config=config), config=config)


def _submission(root: Path, student: str) -> Path:
    """The released files placed exactly where ``nbgrader collect`` puts a submission."""
    dest = root / "submitted" / student / ASSIGNMENT
    shutil.copytree(root / "release" / ASSIGNMENT, dest)
    (dest / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    return dest


def _work(
    lesson: lk.Lesson, folder: Path, student: str, answers: dict[str, list[Any]]
) -> lk.LessonSession:
    """A student working through the released copy headlessly, as the player would."""
    learner = LearnerRef(id=student, home_page=NBGRADER_HOME_PAGE)
    with JsonlStore(folder / EVIDENCE_DIR) as store:
        session = lk.LessonSession(
            lesson, learner=learner, store=store, identity={"nbgrader_student": student}
        )
        session.start()
        while not session.finished:
            view = session.current
            given = answers.get(view.step.id, ["42"] if view.step.kind == "practice" else [])
            for value in given:
                if session.current.can_submit:
                    session.submit(value)
            if not session.current.can_advance:
                break  # the learner stops here
            session.advance()
    return session


def _claim_success(folder: Path) -> None:
    """Edit every recorded answer to claim it was right, leaving the raw answers as they are."""
    for path in folder.rglob("*.jsonl"):
        lines = path.read_text().splitlines()
        out = [lines[0]]
        for line in lines[1:]:
            st = json.loads(line)
            event = next(v for k, v in st["context"]["extensions"].items() if k.endswith("/event"))
            if event["kind"] == "answered":
                event["data"].update(correct=True, score=1.0)
                st["result"]["success"] = True
            out.append(json.dumps(st))
        path.write_text("\n".join(out) + "\n")


def _delete_first_wrong_answer(folder: Path) -> None:
    path = next(folder.rglob("*.jsonl"))
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines[1:], start=1):
        st = json.loads(line)
        event = next(v for k, v in st["context"]["extensions"].items() if k.endswith("/event"))
        if event["kind"] == "answered" and event["data"].get("correct") is False:
            del lines[i]
            break
    path.write_text("\n".join(lines) + "\n")


def _forge_an_earlier_session(folder: Path, template: Path, student: str) -> None:
    """A session written by hand (with lessonkit's own functions, as a student could), dated
    a day before the student's own, answering q-choice right at its "first attempt"."""
    from lessonkit.evidence import event_to_statement
    from lessonkit.evidence.statements import statement_to_event

    with JsonlStore(template, create=False) as store:
        events = [statement_to_event(st) for st in store.read()]
    start = next(e for e in events if e.kind == "started")
    right = next(e for e in events if e.kind == "answered" and e.step_id == "q-choice")
    me = LearnerRef(id=student, home_page=NBGRADER_HOME_PAGE)
    registration = str(uuid.uuid4())
    forged = [
        dataclasses.replace(
            e, learner=me, registration=registration, seq=seq, timestamp=e.timestamp - timedelta(1)
        )
        for seq, e in enumerate([start, right])
    ]
    forged[0] = dataclasses.replace(forged[0], data={"identity": {"nbgrader_student": student}})
    with JsonlStore(folder) as store:
        store.append([event_to_statement(e) for e in forged])


def _through_the_exchange(course: Path, api: Any) -> list[dict[str, Any]]:
    """release; then, as the student running these tests (with the shipped configuration
    too), fetch, work through the released notebook's player widget in a real kernel and
    submit with nbgrader's own commands — nbgrader files the submission under its own idea of
    the student's id, the player records the evidence under lessonkit's; then collect."""
    result = api.release_assignment(ASSIGNMENT)
    assert result["success"], result["log"]
    home = course.parent / "home"
    home.mkdir()
    (home / "nbgrader_config.py").write_text(
        nbgrader_config().read_text()
        + f"\nc.Exchange.root = {str(course / 'exchange')!r}\n"
        + f"c.Exchange.cache = {str(home / 'cache')!r}\n"
    )

    def nbgrader(*argv: str) -> None:
        done = subprocess.run(
            [str(BIN / "nbgrader"), *argv], cwd=home, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr

    nbgrader("fetch_assignment", ASSIGNMENT, "--course=lk101")
    fetched = home / ASSIGNMENT
    assert not (fetched / EVIDENCE_DIR).exists()  # the instructor's try-out stayed behind
    log = _work_in_the_widget(fetched)
    nbgrader("submit", ASSIGNMENT, "--course=lk101")  # filed under nbgrader's own student id
    result = api.collect(ASSIGNMENT)
    assert result["success"], result["log"]
    collected = course / "submitted" / student_id() / ASSIGNMENT / EVIDENCE_DIR
    assert list(collected.rglob("*.jsonl")), "collect must carry the student's evidence"
    return log


def _add_patching_cell(folder: Path, perfect_evidence: Path) -> None:
    """The student adds a cell before the grade cells that cheats in the kernel."""
    path = folder / f"{NOTEBOOK}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cheat = nbformat.v4.new_code_cell(
        "import shutil\n"
        "import lessonkit.integrations.nbgrader as grading\n"
        "grading.points = lambda *args, max_points, **kwargs: max_points\n"
        f"shutil.rmtree({EVIDENCE_DIR!r}, ignore_errors=True)\n"
        f"shutil.copytree({str(perfect_evidence)!r}, {EVIDENCE_DIR!r})\n"
    )
    nb.cells.insert(2, cheat)
    nbformat.write(nb, path)


def _work_in_the_widget(folder: Path) -> list[dict[str, Any]]:
    """Execute the released notebook in a real kernel and answer through its player widget."""
    from nbclient import NotebookClient

    nb = nbformat.read(folder / f"{NOTEBOOK}.ipynb", as_version=4)
    player_cells = [c for c in nb.cells if "player(" in c.source or c.cell_type == "markdown"]
    driver = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from tests.integration.player_driver import drive\n"
        "shown = [v for k, v in sorted(Out.items()) if type(v).__name__ == 'LessonPlayer']\n"
        f"print(json.dumps(drive(shown[-1], {RIGHT!r}, practice='42')))\n"
    )
    run = nbformat.v4.new_notebook(cells=[*player_cells, nbformat.v4.new_code_cell(driver)])
    run.metadata = nb.metadata
    env = {k: v for k, v in os.environ.items() if not k.startswith("NBGRADER")}
    from traitlets.config import Config

    prefix = str(folder.parent / "widget-kernel")  # as KERNELS_ON_SOCKETS
    config = Config({"KernelManager": {"transport": "ipc", "ip": prefix}})
    client = NotebookClient(
        run, timeout=120, resources={"metadata": {"path": str(folder)}}, config=config
    )
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    outputs = run.cells[-1].outputs
    assert all(o.output_type == "stream" and o.name == "stdout" for o in outputs), outputs
    log: list[dict[str, Any]] = json.loads("".join(o.text for o in outputs))
    return log


def _rendered_inputs_match_the_instructors(log: list[dict[str, Any]]) -> None:
    """What the released player rendered is what the instructor's lesson shows."""
    shown = {entry["step"]: entry for entry in log}
    assert shown["q-choice"]["input"]["kind"] == "single"
    assert shown["q-choice"]["input"]["options"] == ["the keystone", "the bedrock", "a pebble"]
    assert shown["q-multi"]["input"]["kind"] == "multi"
    assert shown["q-multi"]["input"]["options"] == ["red", "green", "yellow", "purple"]
    assert shown["q-order"]["input"]["kind"] == "ordering"
    assert sorted(shown["q-order"]["input"]["items"]) == sorted(ORDER)
    assert shown["q-units"]["input"]["placeholder"] == "Type a number in m/s"
    assert shown["q-number"]["input"]["placeholder"] == "Type a number"
    assert shown["q-expr"]["input"]["kind"] == "expression"
    code = shown["ex-code"]["input"]
    assert code["kind"] == "code" and code["starter"].startswith("def triple(x):")
    # Live verdicts: hashed questions right, recorded ones neither right nor wrong.
    verdicts = {step: entry.get("feedback") for step, entry in shown.items()}
    for step in ("q-choice", "q-multi", "q-number", "q-units", "q-text", "q-order"):
        assert verdicts[step] == ["correct"], step
    for step in ("q-tolerance", "q-expr", "ex-code"):
        assert verdicts[step] == ["info"], step
    # Every answer right: 'skills' is mastered before the practice pool, which then asks
    # nothing (its items keep their keys in the student copy: test_nbgrader_generate.py).
    assert "practice" not in verdicts


def test_round_trip_with_real_nbgrader(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")  # alembic
    monkeypatch.chdir(course)
    made = generate_source(LESSON, course / "source" / ASSIGNMENT, name=NOTEBOOK)
    assert made.grade_cells == {f"lessonkit-{q}": MAX[q] for q in QUESTIONS}
    assert {q for q, how in made.live_checking.items() if how == "recorded"} == {
        "q-tolerance",
        "q-expr",
        "ex-code",
    }
    # The instructor tries the lesson in the source folder, then runs nbgrader's own
    # generate_assignment: the shipped configuration keeps the try-out out of the release.
    source = course / "source" / ASSIGNMENT
    _work(lk.load_lesson(source / f"{NOTEBOOK}.lesson.yaml"), source, "instructor", RIGHT)
    api = _api(course)
    result = api.generate_assignment(ASSIGNMENT)
    assert result["success"], result["log"]
    release = course / "release" / ASSIGNMENT
    assert not (release / EVIDENCE_DIR).exists()
    _holds_no_key(release)
    _rendered_inputs_match_the_instructors(_through_the_exchange(course, api))

    student_lesson = lk.load_lesson(release / f"{NOTEBOOK}.lesson.yaml")
    folders = {s: _submission(course, s) for s in EXPECTED}
    for student, answers in [
        ("perfect", RIGHT),
        ("partial", PARTIAL),
        ("deleted", {**RIGHT, "q-choice": ["pebble-zq", "keystone-zq"]}),
        ("tampered", WRONG),
        ("patcher", WRONG),
        ("pooled", PARTIAL),
        ("forger", WRONG),
    ]:
        _work(student_lesson, folders[student], student, answers)
    _work(student_lesson, folders["restart"], "restart", {"q-choice": WRONG["q-choice"]})
    _work(student_lesson, folders["restart"], "restart", RIGHT)  # after "Restart lesson"
    shutil.copytree(folders["perfect"] / EVIDENCE_DIR, folders["copied"] / EVIDENCE_DIR)
    _delete_first_wrong_answer(folders["deleted"] / EVIDENCE_DIR)
    _claim_success(folders["tampered"] / EVIDENCE_DIR)
    _add_patching_cell(folders["patcher"], folders["perfect"] / EVIDENCE_DIR)
    for other in (source, folders["perfect"]):  # the try-out and a classmate's files
        shutil.copytree(other / EVIDENCE_DIR, folders["pooled"] / EVIDENCE_DIR, dirs_exist_ok=True)
    _forge_an_earlier_session(
        folders["forger"] / EVIDENCE_DIR, folders["perfect"] / EVIDENCE_DIR, "forger"
    )
    expected = {**EXPECTED, student_id(): dict(MAX)}

    for student in expected:
        result = api.autograde(ASSIGNMENT, student)
        assert result["success"], result["log"]
    scores = _gradebook(course, list(expected))
    got = {
        student: {k.removeprefix("lessonkit-"): v for k, v in scores[student].items()}
        for student in expected
    }
    assert {s: g for s, g in got.items() if g != expected[s]} == {}  # every student at once

    outputs = {s: _grade_cell_text(course, s) for s in expected}
    assert all("graded by lessonkit in the nbgrader process" in t for t in outputs.values())
    assert "evidence of perfect (1 session(s)) was not counted" in outputs["copied"]
    assert "evidence of instructor (1 session(s)) was not counted" in outputs["pooled"]
    assert "evidence of perfect (1 session(s)) was not counted" in outputs["pooled"]
    assert "q-choice: 3 answers were recorded but it allows 2" in outputs["forger"]
    assert "recorded event(s) are missing" in outputs["deleted"]
    assert "contradict the re-check" in outputs["tampered"]
    assert "No lesson evidence" in outputs["nothing"]
    for student in ("perfect", "partial", "restart", "patcher", student_id()):
        assert "!" not in outputs[student], student  # honest work is not flagged
        # Autograde did not copy the instructor's try-out over the student's evidence.
        autograded = course / "autograded" / student / ASSIGNMENT / EVIDENCE_DIR
        assert not [p for p in autograded.rglob("*") if "instructor" in p.name], student

    _feedback_holds_no_key(api, course, list(expected))
    _grade_command_does_not_count_copied_evidence(course)
    _export_csv(course, expected)


def _holds_no_key(release: Path) -> None:
    text = "\n".join(p.read_text(errors="replace") for p in release.rglob("*") if p.is_file())
    for secret in SECRETS:
        assert secret not in text, secret
    student = lk.load_lesson(release / f"{NOTEBOOK}.lesson.yaml")
    order = student.step("q-order").check.answer["items"]  # type: ignore[attr-defined]
    assert order == sorted(ORDER)  # the items, never their order


def _gradebook(course: Path, students: list[str]) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    found: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            nb = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
            found[student] = {g.name: float(g.score) for g in nb.grades}
    return found


def _grade_cell_text(course: Path, student: str) -> str:
    path = course / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    nb = json.loads(path.read_text())
    outputs = [
        o
        for c in nb["cells"]
        if c["cell_type"] == "code"
        and "lessonkit.integrations.nbgrader import points" in "".join(c["source"])
        for o in c["outputs"]
    ]
    assert not any(o.get("name") == "stderr" or o["output_type"] == "error" for o in outputs)
    return "".join("".join(o.get("text", "")) for o in outputs if o["output_type"] == "stream")


def _feedback_holds_no_key(api: Any, course: Path, students: list[str]) -> None:
    for student in students:
        result = api.generate_feedback(ASSIGNMENT, student)
        assert result["success"], result["log"]
        html = (course / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()
        assert "Question q-choice:" in html  # the grade summary is there...
        for secret in SECRETS:  # ...and no key
            assert secret not in html, (student, secret)
        for item in ORDER:
            assert item not in html, (student, item)


def _grade_command_does_not_count_copied_evidence(course: Path) -> None:
    evidence = course / "submitted" / "copied" / ASSIGNMENT / EVIDENCE_DIR
    done = subprocess.run(
        [str(BIN / "lessonkit"), "nbgrader", "grade", str(LESSON), str(evidence), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["student"] == "copied" and report["score"] == 0.0
    assert report["sessions"] == 0 and report["learners"] == ["perfect"]
    assert any("evidence of perfect" in line for line in report["identity"])


def _export_csv(course: Path, expected: dict[str, dict[str, float]]) -> None:
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
    for student, want in expected.items():
        assert float(rows[student]["raw_score"]) == pytest.approx(sum(want.values())), student
