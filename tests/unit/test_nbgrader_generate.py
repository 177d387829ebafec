"""``lessonkit nbgrader generate``: every step kind, and every refusal before anything is
written (nbgrader itself is exercised in tests/integration/test_nbgrader_roundtrip.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

import lessonkit as lk
from lessonkit.cli import main
from lessonkit.integrations.nbgrader import EVIDENCE_DIR
from lessonkit.integrations.nbgrader_grader import parse_grade_cell

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "tests" / "data" / "valid" / "course.lesson.yaml"


def generate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["nbgrader", "generate", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "source",
    ["lessons/loops/loops.ipynb", "lessons/center-spread/center-spread.lesson.yaml"],
)
def test_the_documented_example_lessons_generate(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = generate(capsys, str(ROOT / source), str(tmp_path / "ps1"))
    assert (code, err) == (0, "")
    lesson = lk.load_lesson(next((tmp_path / "ps1").glob("*.lesson.yaml")))
    kinds = {step.kind for step in lesson.steps}
    assert "practice" in kinds
    assert "grade cell" in out


def test_every_step_kind_becomes_gradable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = generate(capsys, str(COURSE), str(tmp_path / "ps1"), "--name", "nb")
    assert code == 0
    copy = lk.load_lesson(tmp_path / "ps1" / "nb.lesson.yaml")
    key = lk.load_lesson(COURSE)
    assert [s.kind for s in copy.steps] == [s.kind for s in key.steps]
    assert copy.step("ex-code").starter == key.step("ex-code").starter  # type: ignore[attr-defined]
    graded = [q for q in copy.questions() if q.points > 0 and q.id in {s.id for s in copy.steps}]
    assert {q.check.type for q in graded} == {"custom"}
    assert copy.step("practice") == key.step("practice")  # formative: keys kept, live checking
    nb = nbformat.read(tmp_path / "ps1" / "nb.ipynb", as_version=4)
    cells = [parse_grade_cell(c.source) for c in nb.cells if c.cell_type == "code"]
    graded_cells = [c for c in cells if c is not None]
    assert len(graded_cells) == 9 and all(c["questions"] for c in graded_cells)
    assert "recorded for grading" in out and "ex-code" in out


def test_evidence_in_the_source_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "ps1"
    (dest / EVIDENCE_DIR / "course-check").mkdir(parents=True)
    code, out, err = generate(capsys, str(COURSE), str(dest))
    assert code == 1 and out == ""
    assert err.startswith("lessonkit: error: ") and "holds evidence" in err and "--force" in err
    assert sorted(p.name for p in dest.iterdir()) == [EVIDENCE_DIR]  # nothing written
    code, _, _ = generate(capsys, str(COURSE), str(dest), "--force")
    assert code == 0 and (dest / "course-check.ipynb").exists()


def test_ungradable_questions_are_refused_naming_each_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lesson = tmp_path / "bad.lesson.yaml"
    lesson.write_text(
        "lessonkit: 1\nid: bad\ntitle: Bad\nsteps:\n"
        "  - {id: essay, kind: question, prompt: Why?, check: {type: free}, points: 2,"
        " next: table}\n"
        "  - {id: table, kind: question, prompt: Table?, check: {type: frame, answer: {a: [1]}},"
        " next: end}\n"
        "  - {id: end, kind: end}\n"
    )
    code, _, err = generate(capsys, str(lesson), str(tmp_path / "ps1"))
    assert code == 1
    assert "step 'essay': a free response" in err and "step 'table': a DataFrame" in err
    assert not (tmp_path / "ps1").exists()


def test_competency_mode_refuses_what_nobody_could_master(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loops = str(ROOT / "lessons" / "loops" / "loops.ipynb")
    code, _, err = generate(capsys, loops, str(tmp_path / "ps1"), "--mode", "competency")
    assert code == 1
    assert "competency 'while-loops': a learner who answers every graded question right" in err
    assert not (tmp_path / "ps1").exists()
    code, out, _ = generate(capsys, str(COURSE), str(tmp_path / "ps2"), "--mode", "competency")
    assert code == 0 and "lessonkit-facts" in out and "lessonkit-skills" in out


RUBRIC = ROOT / "tests" / "data" / "valid" / "rubric.lesson.yaml"


@pytest.mark.parametrize("mode", ["question", "total"])
def test_a_rubric_becomes_task_cells_and_counts_once(
    mode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each criterion is a task cell worth its points; grade cells grade the checked share
    only, so the notebook's points are the lesson's points, each counted once."""
    code, out, _ = generate(capsys, str(RUBRIC), str(tmp_path / "ps"), "--mode", mode)
    assert code == 0, out
    nb = nbformat.read(tmp_path / "ps" / "loops-essay.ipynb", as_version=4)
    meta = [c.metadata.get("nbgrader", {}) for c in nb.cells]
    tasks = {m["grade_id"]: m["points"] for m in meta if m.get("task")}
    grades = {m["grade_id"]: m["points"] for m in meta if m.get("grade")}
    assert tasks == {
        "lessonkit-explain-idea": 3,
        "lessonkit-explain-words": 1,
        "lessonkit-code-names": 1,
    }
    assert grades == {"lessonkit-code": 2} if mode == "question" else {"lessonkit-total": 2}
    assert (
        sum(tasks.values()) + sum(grades.values())
        == 7
        == sum(q.points for q in lk.load_lesson(RUBRIC).questions())
    )
    answers = [c for c in nb.cells if (c.metadata.get("lessonkit") or {}).get("role") == "answer"]
    assert len(answers) == 2 and all(c.metadata["nbgrader"]["locked"] for c in answers)
    assert all(m.get("locked") for m in meta if m.get("task"))  # students cannot edit a rubric
    assert "task cell lessonkit-explain-idea: 3 points" in out
    assert "may skip" not in out  # the first step is on every path
    copy = lk.load_lesson(tmp_path / "ps" / "loops-essay.lesson.yaml")
    assert copy.step("explain").rubric == lk.load_lesson(RUBRIC).step("explain").rubric  # type: ignore[attr-defined]


def test_competency_mode_refuses_questions_graded_by_hand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = generate(capsys, str(RUBRIC), str(tmp_path / "ps"), "--mode", "competency")
    assert code == 1 and "questions with a rubric (explain, code)" in err
    assert not (tmp_path / "ps").exists()


def test_the_answer_cell_shows_hostile_text_as_text() -> None:
    from lessonkit.integrations.nbgrader_rubric import answer_markdown

    tricky = "``` \n<script>x</script>\n````\n# not a heading"
    shown = answer_markdown("Q", tricky, code=False)
    fence = "`````"
    assert shown.endswith(f"\n{fence}") and f"{fence}text\n{tricky}\n{fence}" in shown
    import markdown_it

    html = markdown_it.MarkdownIt("commonmark", {"html": True}).render(shown)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<h1>" not in html
    assert "No answer was recorded" in answer_markdown("Q", None, code=True)
