"""Rubric questions through a real nbgrader course, graded by hand as formgrader does.

generate (answer and task cells), nbgrader's generate_assignment and release, a student who
fetches the assignment, answers in the released notebook's player widget in a real kernel and
submits with nbgrader's own commands, collect, autograde (the answer copied into its cell,
as text), manual scores and comments set through nbgrader's gradebook (formgrader's backend),
then ``lessonkit nbgrader import-grades``: the grades become evidence once, nbgrader's total
counts every point once, and a changed grade replaces the one before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from lessonkit.evidence.grades import GradeIndex, is_grading_statement
from lessonkit.evidence.stores import JsonlStore
from lessonkit.integrations.nbgrader import EVIDENCE_DIR
from lessonkit.integrations.nbgrader_player import student_id
from lessonkit.integrations.nbgrader_source import generate_source
from lessonkit.integrations.voila import nbgrader_config

from .test_nbgrader_roundtrip import KERNELS_ON_SOCKETS

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "tests" / "data" / "valid" / "rubric.lesson.yaml"
BIN = Path(sys.executable).parent
ASSIGNMENT, NOTEBOOK = "ps2", "essay"
ESSAY = "````\n<script>alert(1)</script> A while loop stops when its condition is false."
CODE = "def double(x):\n    return 2 * x\n"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("rubric-course")
    (root / "exchange").mkdir()
    (root / "nbgrader_config.py").write_text(
        nbgrader_config().read_text()
        + f"\nc.CourseDirectory.root = {str(root)!r}\nc.CourseDirectory.course_id = 'lk102'\n"
        + f"c.Exchange.root = {str(root / 'exchange')!r}\n"
        + KERNELS_ON_SOCKETS.format(prefix=str(root / "kernel"))
    )
    yield root


def _api(root: Path) -> Any:
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return NbGraderAPI(CourseDirectory(config=config), config=config)


def _answer_in_the_widget(folder: Path) -> Any:
    """The released notebook's player, in a real kernel, answered as the page would."""
    from nbclient import NotebookClient
    from traitlets.config import Config

    nb = nbformat.read(folder / f"{NOTEBOOK}.ipynb", as_version=4)
    player = [c for c in nb.cells if "player(" in c.source]
    answers = {"explain": [ESSAY], "code": [CODE]}
    driver = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from tests.integration.player_driver import drive\n"
        "shown = [v for k, v in sorted(Out.items()) if type(v).__name__ == 'LessonPlayer']\n"
        f"print(json.dumps(drive(shown[-1], {answers!r})))\n"
    )
    run = nbformat.v4.new_notebook(cells=[*player, nbformat.v4.new_code_cell(driver)])
    run.metadata = nb.metadata
    config = Config({"KernelManager": {"transport": "ipc", "ip": str(folder.parent / "k")}})
    client = NotebookClient(
        run, timeout=120, resources={"metadata": {"path": str(folder)}}, config=config
    )
    client.execute()
    return json.loads("".join(o.text for o in run.cells[-1].outputs if o.output_type == "stream"))


def _nbgrader(home: Path, *argv: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NBGRADER")}
    done = subprocess.run(
        [str(BIN / "nbgrader"), *argv],
        cwd=home,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _lessonkit(course: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "lessonkit"), *argv], cwd=course, capture_output=True, text=True, check=False
    )


def _set(course: Path, scores: dict[str, tuple[float, str]]) -> None:
    """The instructor's manual scores and comments, as formgrader stores them."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for cell, (score, comment) in scores.items():
            grade = gb.find_grade(cell, NOTEBOOK, ASSIGNMENT, student_id())
            grade.manual_score = score
            note = gb.find_comment(cell, NOTEBOOK, ASSIGNMENT, student_id())
            note.manual_comment = comment
        gb.db.commit()


def _total(course: Path) -> tuple[float, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        sub = gb.find_submission(ASSIGNMENT, student_id())
        return float(sub.score), float(sub.max_score)


def _graded(course: Path, *, trusted: bool = True) -> dict[str, Any]:
    evidence = course / "autograded" / student_id() / ASSIGNMENT / EVIDENCE_DIR
    grades = ["--grades", str(course / "lessonkit-grades")] if trusted else []
    done = _lessonkit(course, "nbgrader", "grade", str(LESSON), str(evidence), "--json", *grades)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_rubric_grades_from_formgrader_become_evidence_once(
    course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")  # alembic
    monkeypatch.chdir(course)
    made = generate_source(LESSON, course / "source" / ASSIGNMENT, name=NOTEBOOK)
    assert made.grade_cells == {"lessonkit-code": 2.0}  # the tests' share of the exercise
    assert made.task_cells == {
        "lessonkit-explain-idea": 3,
        "lessonkit-explain-words": 1,
        "lessonkit-code-names": 1,
    }
    api = _api(course)
    for step in (api.generate_assignment, api.release_assignment):
        result = step(ASSIGNMENT)
        assert result["success"], result["log"]
    home = course.parent / "student-home"
    home.mkdir()
    (home / "nbgrader_config.py").write_text(
        nbgrader_config().read_text()
        + f"\nc.Exchange.root = {str(course / 'exchange')!r}\n"
        + f"c.Exchange.cache = {str(home / 'cache')!r}\n"
    )
    _nbgrader(home, "fetch_assignment", ASSIGNMENT, "--course=lk102")
    log = _answer_in_the_widget(home / ASSIGNMENT)
    feedback = {entry["step"]: entry.get("feedback") for entry in log}
    assert feedback["explain"] == ["info"] and feedback["code"] == ["info"]  # recorded
    _nbgrader(home, "submit", ASSIGNMENT, "--course=lk102")
    for result in (api.collect(ASSIGNMENT), api.autograde(ASSIGNMENT, student_id())):
        assert result["success"], result["log"]

    # The answer is in its cell for the grader, as text in a fence it cannot close.
    graded = course / "autograded" / student_id() / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    cells = nbformat.read(graded, as_version=4).cells
    shown = next(c.source for c in cells if "(as recorded)" in c.source and "loop" in c.source)
    assert ESSAY in shown and shown.count("`````") == 2  # a fence longer than the answer's
    html = subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--stdout", str(graded)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)" in html
    assert _total(course) == (2.0, 7.0)  # the tests' 2; the rubric's 5 wait for the grader

    _set(
        course,
        {
            "lessonkit-explain-idea": (3, "The rule, clearly."),
            "lessonkit-explain-words": (0, "Say 'before each pass'."),
            "lessonkit-code-names": (1, ""),
        },
    )
    assert _total(course) == (6.0, 7.0)  # every point counted once in nbgrader
    # nothing imported yet: the rubric shares are pending
    assert _graded(course, trusted=False)["score"] == 2.0
    done = _lessonkit(course, "nbgrader", "import-grades", ASSIGNMENT, "--grader", "tess")
    assert done.returncode == 0, done.stderr
    assert f"written: 2 grade(s): {student_id()}/explain, {student_id()}/code" in done.stdout
    report = _graded(course)
    assert report["score"] == 6.0 and report["max_score"] == 7
    assert report["questions"] == {"explain": 3.0, "code": 3.0} and report["pending"] == []
    assert report["mastery"]["naming"] != pytest.approx(0.2)

    again = _lessonkit(course, "nbgrader", "import-grades", ASSIGNMENT)
    assert "written: 0 grade(s)" in again.stdout and "unchanged: 2" in again.stdout
    _set(course, {"lessonkit-explain-idea": (1, "On second reading: partly.")})
    changed = _lessonkit(course, "nbgrader", "import-grades", ASSIGNMENT)
    assert f"written: 1 grade(s): {student_id()}/explain" in changed.stdout
    with JsonlStore(course / "lessonkit-grades", create=False) as store:
        statements = [s for s in store.read() if is_grading_statement(s)]
    assert len(statements) == 4  # two grades, one regrade and the voiding of the grade it replaced
    current = GradeIndex.of(statements).current
    assert sorted((g.question_id, g.version, g.points) for g in current.values()) == [
        ("code", 1, 1.0),
        ("explain", 2, 1.0),
    ]
    assert _graded(course)["score"] == 4.0 == _total(course)[0]

    _set(course, {"lessonkit-explain-idea": (2, "")})  # no level is worth 2
    wrong = _lessonkit(course, "nbgrader", "import-grades", ASSIGNMENT)
    assert wrong.returncode == 1 and "2 points, which is no level of the rubric" in wrong.stderr
    assert _graded(course)["score"] == 4.0  # the last good grade still stands
