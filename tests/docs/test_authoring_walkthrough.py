"""The authoring guide walks a new instructor from ``lessonkit new`` to a validated course.

``test_doc_commands.py`` runs every command of the page as shown; this test holds the page to
its promise: the walkthrough's steps are all there, in order, none marked illustrative, and no
step sends the reader into lessonkit's source tree (a pip install has none).
"""

from __future__ import annotations

import re
from pathlib import Path

from .test_doc_commands import _blocks

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "authoring.md"

STEPS = [
    r"lessonkit new ",
    r"lessonkit validate ",
    r"lessonkit play .*-r ",
    r"lessonkit schema lesson --path",
    r"lessonkit new \"Sample spaces\"",
    r"lessonkit validate probability$",
    r"lessonkit course new ",
    r"lessonkit course validate ",
    r"lessonkit validate probability$",
    r"lessonkit course graph ",
    r"lessonkit play .* --store evidence$",
    r"lessonkit course plan ",
    r"lessonkit play .* --course ",
    r"lessonkit validate .*never.lesson.yaml",
]


def test_the_walkthrough_runs_from_a_scaffold_to_a_validated_course() -> None:
    blocks, _ = _blocks(PAGE)
    commands = [c.line for b in blocks if b.kind == "console" for c in b.commands]
    written = [b.filename for b in blocks if b.kind == "file"]
    position = 0
    for step in STEPS:
        found = next(
            (i for i, c in enumerate(commands[position:], position) if re.search(step, c)), None
        )
        assert found is not None, f"no `{step}` after `{commands[position - 1]}`"
        position = found + 1
    # the lessons and the course are written out in full, then validated
    assert "probability/sample-spaces/sample-spaces.lesson.yaml" in written
    assert "probability/probability.course.yaml" in written
    # the practice pool is scripted without knowing the numbers drawn
    responses = next(b.text for b in blocks if b.filename == "ada-2.yaml")
    assert "{correct: true}" in responses


def walkthrough_text(text: str) -> str:
    """Sections 9 to 11 of the guide (editors, a course, messages), whatever follows them."""
    start = text.index("## 9. Editors")
    end = re.search(r"^## (?!9\.|10\.|11\.)", text[start:], re.M)
    return text[start : start + end.start()] if end else text[start:]


def test_the_walkthrough_needs_no_source_tree() -> None:
    walkthrough = walkthrough_text(PAGE.read_text(encoding="utf-8"))
    assert "illustrative" not in walkthrough
    assert not re.findall(r"\]\((?:\.\./)+(?:lessonkit|tests)/", walkthrough)
    assert "tests/" not in walkthrough
    # the schema line is the published address, not a path into a checkout
    for line in re.findall(r"\$schema=[^\s`]+", walkthrough):
        assert line.startswith(("$schema=https://", "$schema=../lesson.schema.json")), line
