"""docs/question-banks.md: its Python example runs (the console blocks run in tests/docs)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "question-banks.md").read_text(encoding="utf-8")


def test_the_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (example,) = re.findall(r"^```python\n(.*?)^```", DOC, re.M | re.S)
    shutil.copy(ROOT / "tests" / "data" / "docs" / "cells.gift", tmp_path)
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "question-banks.md", "exec"), {})  # our own documentation's code
    assert (tmp_path / "biology.xml").read_bytes().startswith(b"<?xml")
    assert os.path.exists("biology/biology.lesson.yaml")
