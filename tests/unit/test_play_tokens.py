"""``lessonkit play`` scripts: practice items by item id, and ``{correct: true}`` /
``{wrong: true}`` answering randomized items without knowing the numbers drawn."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lessonkit as lk
from lessonkit.cli import main
from lessonkit.engine.play import play

ROOT = Path(__file__).resolve().parents[2]
CONDITIONAL = ROOT / "tests" / "data" / "probability" / "conditional.lesson.yaml"
LOOPS = ROOT / "lessons" / "loops" / "loops.lesson.yaml"


def test_tokens_answer_a_randomized_item_by_its_id() -> None:
    lesson = lk.load_lesson(CONDITIONAL)
    script = {"warmup": 2, "p-die": {"visits": [[{"wrong": True}], [{"correct": True}]]}}
    result = play(lesson, script, seed=3)
    assert result.completed, result.error
    given = [(f["step"], f["correct"]) for f in result.feedback if f["step"] == "p-die"]
    # the first visit wrong, then right (the last visit repeats) until mastered
    assert given[0] == ("p-die", False)
    assert all(correct for _, correct in given[1:]) and len(given) >= 3
    assert "conditional" in result.to_json()["mastered"]
    # different learners draw different numbers; the token answers each right
    for learner in ("ada", "bob", "cy"):
        out = play(lesson, {"warmup": 2, "pool": {"correct": True}}, learner=learner).to_json()
        assert out["completed"] and "conditional" in out["mastered"], out


def test_the_play_command_reads_tokens(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    responses = tmp_path / "responses.yaml"
    responses.write_text("warmup: 2\npool: {correct: true}\n", encoding="utf-8")
    assert main(["play", str(CONDITIONAL), "-r", str(responses), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["path"] == ["warmup", "intro", "pool", "done"]
    assert all(f["correct"] for f in out["feedback"])


def test_a_check_no_token_can_answer_stops_the_script_with_a_reason() -> None:
    lesson = lk.load_lesson(LOOPS)
    script = {"confidence": "new", "q-range": [{"correct": True}], "ex-sum": [{"correct": True}]}
    result = play(lesson, script)
    assert result.stopped_at == "ex-sum"
    assert result.error is not None
    assert result.error.startswith("ex-sum: {correct: true} cannot answer it (no right response")
    assert result.error.endswith("script the answer itself")
