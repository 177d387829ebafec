"""docs/learner-ui.md: its Python session examples run and print what the page shows."""

from __future__ import annotations

import doctest
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "learner-ui.md"


def test_the_session_examples_run_as_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"^```pycon\n(.*?)^```", PAGE.read_text(encoding="utf-8"), re.M | re.S)
    assert len(blocks) >= 4
    monkeypatch.chdir(ROOT)  # the examples load lessons/loops/loops.lesson.yaml
    for key in [k for k in os.environ if k.startswith("LESSONKIT_")]:
        monkeypatch.delenv(key)
    parser = doctest.DocTestParser()
    test = parser.get_doctest("\n".join(blocks), {}, PAGE.name, str(PAGE), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0 and result.attempted >= 15
