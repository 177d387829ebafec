"""JupyterQuiz's own example questions (examples/questions.json and the string-question
example of its README, from its sdist on PyPI)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.interop.banks import feedback_for, imported, plain, play_right, steps_of, valid
from tests.interop.conftest import import_cli


def _readme_questions(readme: Path) -> list[dict[str, Any]]:
    blocks = re.findall(r"```json\n(.*?)```", readme.read_text(encoding="utf-8"), re.S)
    found = []
    for block in blocks:
        try:
            data = json.loads(block)
        except ValueError:
            continue
        found.extend(data if isinstance(data, list) else [data])
    return [q for q in found if isinstance(q, dict) and "type" in q]


def _right(question: dict[str, Any]) -> Any:
    answers = question["answers"]
    if question["type"] == "many_choice":
        return [a.get("answer") or a.get("code") for a in answers if a["correct"]]
    if question["type"] == "numeric":
        right = next(a for a in answers if a.get("correct") and a["type"] == "value")
        return str(right["value"])
    right = next(a for a in answers if a.get("correct"))
    return right.get("answer") or right.get("code")


def test_jupyterquiz_examples_import_validate_and_play(sdist: Any, tmp_path: Path) -> None:
    root = sdist("jupyterquiz")
    bank = tmp_path / "questions.json"
    questions = json.loads((root / "examples" / "questions.json").read_text(encoding="utf-8"))
    questions += _readme_questions(root / "README.md")
    assert {q["type"] for q in questions} == {"multiple_choice", "many_choice", "numeric", "string"}
    bank.write_text(json.dumps(questions, indent=2), encoding="utf-8")
    out = tmp_path / "quiz.lesson.yaml"
    done = import_cli(bank, "-o", out, "--json")
    assert done.returncode == 0, done.stderr + done.stdout
    valid(out)
    findings = imported(done.stdout)
    assert len(findings) == len(questions)
    script = {steps_of(f)[0]: [_right(q)] for f, q in zip(findings, questions, strict=True)}
    play_right(out, script)
    checked = 0
    for finding, question in zip(findings, questions, strict=True):
        step = steps_of(finding)[0]
        for answer in question["answers"]:
            message = plain(answer.get("feedback", ""))
            if answer.get("correct") is False and message and question["type"] != "numeric":
                shown = answer.get("answer") or answer.get("code")
                assert message in feedback_for(out, step, shown)
                checked += 1
    assert checked >= 10
