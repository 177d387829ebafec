"""The command line: exit codes, messages, and the scaffold."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lessonkit.cli import main

INVALID = Path(__file__).resolve().parents[1] / "data" / "invalid"


def test_validate_ok(lessons_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(lessons_dir)]) == 0
    assert "loops.lesson.yaml: ok" in capsys.readouterr().out


def test_validate_reports_file_line_col(capsys: pytest.CaptureFixture[str]) -> None:
    target = INVALID / "unknown_next_step.lesson.yaml"
    assert main(["validate", "-q", str(target)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        f"{target}:8:11: step 'intro': next: unknown step 'whiel' (did you mean 'while'?)"
    )


def test_validate_folder_recurses_and_fails_if_any_file_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", "-q", str(INVALID)]) == 1
    out = capsys.readouterr().out
    assert out.count("\n") >= 45


@pytest.mark.parametrize("argv", [[], ["validate"], ["validate", "/no/such/path"], ["frobnicate"]])
def test_usage_errors_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        code = main(argv)
        raise SystemExit(code)
    assert info.value.code == 2


def test_python_dash_m_and_no_traceback_on_garbage(tmp_path: Path) -> None:
    garbage = tmp_path / "x.lesson.yaml"
    garbage.write_bytes(bytes(range(256)) * 50)
    proc = subprocess.run(
        [sys.executable, "-m", "lessonkit", "validate", str(garbage)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout == (
        f"{garbage}:2:118: file is not valid UTF-8 text (byte 0x80); save it as UTF-8\n"
        "0 of 1 file(s) valid\n"
    )
    assert proc.stderr == ""


def test_new_scaffolds_a_valid_lesson(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "Fractions intro", "--dir", str(tmp_path)]) == 0
    folder = tmp_path / "fractions-intro"
    assert (folder / "fractions-intro.lesson.yaml").exists()
    notebook = json.loads((folder / "fractions-intro.ipynb").read_text())
    assert notebook["nbformat"] == 4
    assert 'lessonkit.show("fractions-intro.lesson.yaml")' in "".join(
        notebook["cells"][1]["source"]
    )
    assert main(["validate", str(folder)]) == 0
    assert main(["new", "Fractions intro", "--dir", str(tmp_path)]) == 1
    assert "already exists" in capsys.readouterr().err
