"""Moodle XML made by moodle-tools (its own reference files, from its sdist on PyPI).

Right answers and feedback are read from the XML here with the standard library, apart from
lessonkit's reader; each imported lesson must validate, score full marks with the bank's
right answers, and show the bank's feedback for its wrong answers.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.interop.banks import feedback_for, imported, plain, play_right, steps_of, valid
from tests.interop.conftest import import_cli

PLAYABLE = [
    "description.xml",
    "essayRef.xml",
    "markdownRef.xml",
    "matchingRef.xml",
    "multiple-choiceRef.xml",
    "numericalRef.xml",
    "orderingRef.xml",
    "shortanswerRef.xml",
    "true-falseRef.xml",
]
UNSUPPORTED = {
    "clozeRef.xml": "several blanks",
    "dragdrop_missing-wordsRef.xml": "several blanks",
    "missing-wordsRef.xml": "several blanks",
    "multiple-true-falseRef.xml": "verdict per statement",
    "coderunner-streaming.xml": "CodeRunner",
}


def _questions(path: Path) -> dict[int, ET.Element]:
    """Questions (not categories) by the line of their <question> tag."""
    text = path.read_text(encoding="utf-8")
    lines = [
        n
        for n, line in enumerate(text.splitlines(), 1)
        if re.search(r'<question type="(?!category)', line)
    ]
    found = [
        q for q in ET.fromstring(text.encode()).iter("question") if q.get("type") != "category"
    ]
    return dict(zip(lines, found, strict=True))


def _answers(q: ET.Element) -> list[tuple[float, str, str]]:
    return [
        (
            float(a.get("fraction", "0")),
            plain(a.findtext("text", "")),
            plain(a.findtext("feedback/text", "")),
        )
        for a in q.findall("answer")
    ]


def _right(
    q: ET.Element, steps: list[str]
) -> tuple[dict[str, list[Any]], list[tuple[str, Any, str]]]:
    """The bank's right answer per step, and (step, wrong answer, its feedback) pairs."""
    kind = q.get("type")
    answers = _answers(q)
    wrong = [(steps[0], text, fb) for f, text, fb in answers if f < 100 and fb and text != "*"]
    if kind == "multichoice" and q.findtext("single", "true").strip() == "true":
        return {steps[0]: [next(t for f, t, _ in answers if f == 100)]}, wrong
    if kind == "multichoice":
        return {steps[0]: [[t for f, t, _ in answers if f > 0]]}, wrong
    if kind in ("truefalse", "shortanswer"):
        return {steps[0]: [next(t for f, t, _ in answers if f == 100)]}, wrong
    if kind == "numerical":
        return {steps[0]: [next(t for f, t, _ in answers if f == 100)]}, wrong
    if kind == "essay":
        return {steps[0]: ["A response of a good many words, long enough for any limit " * 5]}, []
    if kind == "ordering":
        order = sorted(answers, key=lambda a: a[0])
        return {steps[0]: [[t for _, t, _ in order]]}, []
    if kind == "matching":
        subs = [s for s in q.findall("subquestion") if plain(s.findtext("text", ""))]
        return {
            step: [plain(s.findtext("answer/text", ""))]
            for step, s in zip(steps, subs, strict=True)
        }, []
    return {}, []


@pytest.mark.parametrize("name", PLAYABLE)
def test_moodle_tools_reference_banks_import_and_play(
    name: str, sdist: Any, tmp_path: Path
) -> None:
    bank = sdist("moodle-tools") / "tests" / "resources" / name
    out = tmp_path / "bank.lesson.yaml"
    done = import_cli(bank, "-o", out, "--json")
    assert done.returncode == 0, done.stderr + done.stdout
    valid(out)
    questions = _questions(bank)
    script: dict[str, list[Any]] = {}
    wrong: list[tuple[str, Any, str]] = []
    findings = imported(done.stdout)
    assert len(findings) == len(questions)
    for finding in findings:
        right, bad = _right(questions[finding["line"]], steps_of(finding))
        script.update(right)
        wrong.extend(bad)
    play_right(out, script)
    for step, answer, message in wrong:
        assert message in feedback_for(out, step, answer)


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_question_types_without_an_equivalent_are_reported_with_their_line(
    name: str, sdist: Any, tmp_path: Path
) -> None:
    bank = sdist("moodle-tools") / "tests" / "resources" / name
    done = import_cli(bank, "-o", tmp_path / "bank.lesson.yaml")
    lines = set(_questions(bank))
    reported = re.findall(
        rf"{re.escape(str(bank))}:(\d+): skipped: .*{UNSUPPORTED[name]}", done.stdout
    )
    assert {int(n) for n in reported} == lines, done.stdout
    assert done.returncode == 1
    assert "nothing could be imported" in done.stderr
    assert not (tmp_path / "bank.lesson.yaml").exists()
