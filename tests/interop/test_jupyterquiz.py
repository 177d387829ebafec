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


def test_questions_hidden_in_jupyterquiz_notebooks(sdist: Any, tmp_path: Path) -> None:
    import base64
    import shutil

    root = sdist("jupyterquiz")
    notebook = tmp_path / "HideQuiz.ipynb"
    shutil.copy(root / "HideQuiz.ipynb", notebook)
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    hidden = []
    for cell in cells:
        for content in re.findall(r"display:none[^>]*>(.*?)</span>", "".join(cell["source"]), re.S):
            try:
                hidden.append(json.loads(content))
            except ValueError:
                hidden.append(json.loads(base64.b64decode(content)))
    assert len(hidden) == 2  # one as JSON, one base64-encoded
    out = tmp_path / "hidden.lesson.yaml"
    done = import_cli(notebook, "-o", out, "--json")
    assert done.returncode == 0, done.stderr + done.stdout
    valid(out)
    findings = imported(done.stdout)
    assert [f["item"] for f in findings] == ["cell 9 #question1", "cell 16 #question2"]
    script = {steps_of(f)[0]: [_right(q[0])] for f, q in zip(findings, hidden, strict=True)}
    play_right(out, script)
    # a notebook that builds its questions in code: reported, nothing run
    shutil.copy(root / "mve.ipynb", tmp_path / "mve.ipynb")
    done = import_cli(tmp_path / "mve.ipynb", "-o", tmp_path / "mve.lesson.yaml")
    assert done.returncode == 1 and "a notebook's code never runs" in done.stdout
