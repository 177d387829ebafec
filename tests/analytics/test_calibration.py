"""Calibration recovers the generating BKT parameters; ``lessonkit calibrate`` writes them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lessonkit import MasteryParams, load_lesson, loads_lesson
from lessonkit.analytics import calibrate, first_attempt_sequences
from lessonkit.analytics.frame import statements_frame
from lessonkit.analytics.synthetic import bkt_statements
from lessonkit.cli import main
from lessonkit.evidence.stores import open_store

from .conftest import ADD, MUL, lesson_yaml
from .handbuilt import handbuilt_frame, handbuilt_statements

TRUTH = {"add": ADD, "mul": MUL}


@pytest.fixture(scope="module")
def bkt_class(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("bkt") / "evidence"
    with open_store(str(folder)) as store:
        store.append_many(
            bkt_statements(
                TRUTH,
                learners=700,
                opportunities=8,
                seed=11,
                lesson="arith",
                mastery_events=False,
            )
        )
    return str(folder)


def test_first_attempt_sequences_exact() -> None:
    seqs = first_attempt_sequences(handbuilt_frame())
    # alice: s1 wrong, s2 right; bob: s1 wrong (the 2nd attempt is not evidence); carol: 1, 1
    assert sorted(seqs["c"]) == [[0], [0, 1], [1, 1]]


def test_calibration_recovers_generating_parameters(bkt_class: str) -> None:
    from lessonkit.analytics import load_frame

    fitted = calibrate(load_frame(bkt_class), "arith")
    assert set(fitted) == {"add", "mul"}
    for comp, truth in TRUTH.items():
        got = fitted[comp]
        for name in ("prior", "learn", "guess", "slip"):
            assert abs(getattr(got, name) - getattr(truth, name)) < 0.06, (comp, name, got)


def test_calibration_skips_thin_evidence() -> None:
    frame = statements_frame(bkt_statements({"x": ADD}, learners=5, opportunities=4))
    assert calibrate(frame, "synthetic", min_sequences=20) == {}
    assert set(calibrate(frame, "synthetic", min_sequences=5)) == {"x"}


def test_calibrate_command_writes_lesson(bkt_class: str, tmp_path: Path) -> None:
    start = MasteryParams(prior=0.5, learn=0.05, guess=0.3, slip=0.2)
    source = tmp_path / "arith.lesson.yaml"
    source.write_text(lesson_yaml(start, start))
    out = tmp_path / "calibrated.lesson.yaml"
    assert main(["calibrate", bkt_class, str(source), "--output", str(out)]) == 0
    lesson = load_lesson(out)
    params = {c.id: c.mastery for c in lesson.competencies}
    for comp, truth in TRUTH.items():
        assert abs(params[comp].learn - truth.learn) < 0.06
        assert abs(params[comp].slip - truth.slip) < 0.06
    # everything else is unchanged
    original = load_lesson(source)
    assert [s.id for s in lesson.steps] == [s.id for s in original.steps]
    assert loads_lesson(source.read_text()).competencies[0].mastery == start


def test_calibrate_command_without_evidence(
    tmp_path: Path, capsys: pytest.CaptureFixture[Any]
) -> None:
    source = tmp_path / "arith.lesson.yaml"
    source.write_text(lesson_yaml())
    empty = tmp_path / "evidence"
    with open_store(str(empty)) as store:
        store.append_many(handbuilt_statements())  # another lesson's evidence only
    assert main(["calibrate", str(empty), str(source)]) == 1
    assert "no competency" in capsys.readouterr().err
