"""``lessonkit export LESSON --format qti|moodle-xml``: round trips and a second QTI reader.

A round trip (export, then import) must give the same questions: every probe response is
judged the same way (right or wrong, score, feedback) by the original and the imported
question. qti2latex, a QTI reader written for Canvas exports, must find the same stems and
the same right answers in the exported package.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lessonkit.checks import grade
from lessonkit.lesson.loader import load_lesson
from lessonkit.lesson.model import Question
from lessonkit.lesson.specs import Choice, FreeResponse, Numeric, Ordering, Text
from tests.hub.conftest import unavailable
from tests.interop.banks import plain, valid
from tests.interop.conftest import run_cli

LESSON = Path(__file__).resolve().parents[1] / "data" / "banks" / "all-kinds.lesson.yaml"


def _probes(q: Question) -> list[Any]:
    check = q.check
    wrong = [w.answer for w in q.feedback.wrong]
    if isinstance(check, Choice):
        texts = [o.text or o.value for o in check.options]
        return [*texts, list(check.answers()), texts[:2]] if check.multiple else texts
    if isinstance(check, Numeric):
        a, t = float(check.answer or 0), check.tolerance
        return [a, a + t / 2, a - t / 2, a + 2 * t + 1, *wrong]
    if isinstance(check, Text):
        return [*check.answers(), "the seine river", "nonsense", *wrong]
    if isinstance(check, Ordering):
        return [list(check.items), list(reversed(check.items))]
    if isinstance(check, FreeResponse):
        return ["one two three four five six"]
    return []


def _verdicts(q: Question, probe: Any, *, feedback: bool) -> list[Any]:
    out = []
    for attempt in (1, 2):
        r = grade(q, probe, attempt=attempt, hints_used=0, seed=None)
        out.append((r.correct, round(r.score, 6), plain(r.feedback) if feedback else None))
    return out


@pytest.mark.parametrize("fmt", ["moodle-xml", "qti"])
def test_export_then_import_judges_every_answer_the_same(fmt: str, tmp_path: Path) -> None:
    bank = tmp_path / ("bank.zip" if fmt == "qti" else "bank.xml")
    done = run_cli("export", LESSON, "--format", fmt, "-o", bank)
    # Canvas quizzes have no ordering question: reported, and the export says so in its status
    assert done.returncode == (1 if fmt == "qti" else 0), done.stdout + done.stderr
    if fmt == "qti":
        assert "[order]: skipped: Canvas quizzes (QTI 1.2) have no ordering question" in done.stdout
    back = tmp_path / "back.lesson.yaml"
    again = run_cli("import", bank, "-o", back, "--allow-partial")
    assert again.returncode == 0, again.stdout + again.stderr
    valid(back)
    original = {
        q.id: q
        for q in load_lesson(LESSON).questions()
        if fmt != "qti" or not isinstance(q.check, Ordering)
    }
    returned = {q.id: q for q in load_lesson(back).questions()}
    assert list(returned) == list(original)
    for sid, q in original.items():
        r = returned[sid]
        assert plain(r.prompt) == plain(q.prompt)
        assert r.points == q.points and type(r.check) is type(q.check)
        # QTI keeps neither targeted messages for typed answers nor hints nor penalties
        full = fmt == "moodle-xml" or isinstance(q.check, Choice)
        for probe in _probes(q):
            theirs = _verdicts(r, probe, feedback=full)
            ours = _verdicts(q, probe, feedback=full)
            if fmt == "qti":  # the attempt schedule is the quiz's, not the question's
                theirs, ours = theirs[:1], ours[:1]
            assert theirs == ours, (fmt, sid, probe)
        if fmt == "moodle-xml":
            assert r.hints == q.hints and r.solution == q.solution
            assert r.attempt_scores == q.attempt_scores and r.competencies == q.competencies


def test_the_report_names_what_a_bank_cannot_express(lessons_dir: Path, tmp_path: Path) -> None:
    lesson = next(lessons_dir.rglob("loops*.lesson.yaml"))
    done = run_cli("export", lesson, "--format", "moodle-xml", "-o", tmp_path / "b.xml")
    assert done.returncode == 1  # code exercises are skipped
    assert re.search(r"\[\S+\]: skipped: a code check cannot be expressed", done.stdout)
    assert "branching at" in done.stdout
    assert re.search(r": \d+ exported, \d+ approximated, [1-9]\d* skipped", done.stdout)
    partial = run_cli(
        "export", lesson, "--format", "qti", "-o", tmp_path / "b.zip", "--allow-partial"
    )
    assert partial.returncode == 0 and (tmp_path / "b.zip").stat().st_size > 0


def test_export_of_a_lesson_needs_a_bank_format(tmp_path: Path) -> None:
    done = run_cli("export", LESSON)
    assert done.returncode == 2
    assert "give --format qti or moodle-xml" in done.stderr
    store = run_cli("export", tmp_path / "no-such-store", "--format", "csv")
    assert store.returncode == 1 and "lessonkit: error:" in store.stderr


def test_qti2latex_reads_the_same_questions_and_keys(tmp_path: Path) -> None:
    if shutil.which("pandoc") is None:
        unavailable("qti2latex needs pandoc (Debian package pandoc; ./dev.sh installs it)")
    bank = tmp_path / "bank.zip"
    assert (
        run_cli("export", LESSON, "--format", "qti", "-o", bank, "--allow-partial").returncode == 0
    )
    tool = Path(sys.executable).with_name("qti2latex")
    done = subprocess.run(
        [str(tool), str(bank), "-o", "bank.tex", "--answer-key"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    tex = (tmp_path / "bank-answerkey.tex").read_text(encoding="utf-8")
    questions = [q for q in load_lesson(LESSON).questions() if not isinstance(q.check, Ordering)]
    assert tex.count("\\question[") == len(questions)
    flat = " ".join(re.sub(r"[^A-Za-z ]", " ", tex).split())
    for q in questions:
        words = re.sub(r"[^A-Za-z ]", " ", plain(q.prompt.split("$")[0])).split()
        assert " ".join(words[:4]) in flat, q.id
        if isinstance(q.check, Choice):
            right = {(o.text or o.value) for o in q.check.options if o.value in q.check.answers()}
            found = {
                m.strip()
                for m in re.findall(r"\\CorrectChoice (.*)", tex)
                if m.strip() in {(o.text or o.value) for o in q.check.options}
            }
            assert right <= found, (q.id, right, found)
        if isinstance(q.check, Text):
            for answer in q.check.answers():
                assert answer in tex
