"""docs/checks.md: every YAML example loads as a question, every Python example runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import lessonkit as lk
from lessonkit.checks import grade

DOC = (Path(__file__).resolve().parents[3] / "docs" / "checks.md").read_text(encoding="utf-8")
YAML = re.findall(r"^```yaml\n(.*?)^```", DOC, re.M | re.S)
PYTHON = re.findall(r"^```python\n(.*?)^```", DOC, re.M | re.S)


def _load(step: dict[str, Any]) -> lk.Lesson:
    data = {
        "lessonkit": 1,
        "id": "doc",
        "title": "doc",
        "steps": [{**step, "next": "end"}, {"id": "end", "kind": "end"}],
    }
    return lk.loads_lesson(yaml.safe_dump(data, allow_unicode=True), "checks.md")


def test_the_doc_has_examples_of_every_check_type() -> None:
    types = {yaml.safe_load(text)["check"]["type"] for text in YAML}
    assert types == set(lk.checks.SPEC_TYPES)
    assert len(PYTHON) >= 4


@pytest.mark.parametrize("text", YAML, ids=[yaml.safe_load(t)["id"] for t in YAML])
def test_yaml_examples_load_and_grade(text: str) -> None:
    lk.checks.register_checker(
        "same-set",
        lambda response, answer: {p.strip() for p in str(response).split(",")} == set(answer),
    )
    lesson = _load(yaml.safe_load(text))
    question = lesson.questions()[0]
    result = grade(question, "", attempt=1, hints_used=0, seed=7)
    assert 0 <= result.score <= 1 and result.details["attempt"] == 1


@pytest.mark.parametrize("code", PYTHON)
def test_python_examples_run(code: str) -> None:
    exec(compile(code, "checks.md", "exec"), {})
