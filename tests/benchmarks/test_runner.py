"""The benchmark runner works end to end in quick mode, so it cannot rot unnoticed.

Speed itself is not asserted here (that is what the benchmarks report, as ratios measured in
one run); this checks that a suite runs in its own process and that the results file has the
shape the documentation's table is built from.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "benchmarks" / "run.py"


@pytest.mark.slow
def test_quick_run_of_one_suite_writes_rows_and_the_machine(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(RUNNER), "--quick", "--only", "loader", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
    )
    result = json.loads(output.read_text())
    # exit status 1 means a target was missed (timing on a shared machine), not a broken run
    missed = any(r.get("ok") is False for r in result["rows"])
    assert done.returncode == (1 if missed else 0), done.stdout + done.stderr
    assert result["quick"] is True
    machine = result["machine"]
    assert machine["cores_logical"] >= 1 and machine["python"] == sys.version.split()[0]
    assert machine["packages"]["lessonkit"] != "not installed"
    assert len(machine["git_commit"]) == 40
    assert result["suites"]["loader"]["returncode"] == 0
    timed = [r for r in result["rows"] if "median_s" in r]
    assert len(timed) == 4  # two sizes, each with its baseline
    for row in timed:
        assert row["suite"] == "loader"
        assert row["p10_s"] <= row["median_s"] <= row["p90_s"]
        assert row["n"] == 3
    validated = [r for r in timed if r["name"].startswith("load + validate")]
    assert all(r["baseline"] == "yaml.load (libyaml)" and r["ratio"] > 0 for r in validated)
    # the printed table names every row
    for row in result["rows"]:
        assert row["name"] in done.stdout


def test_unknown_suite_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(RUNNER), "--only", "nosuch", "--output", str(tmp_path / "r.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert "unknown suite(s) nosuch" in done.stderr
    assert not (tmp_path / "r.json").exists()


def test_rows_worse_than_the_previous_run_are_reported() -> None:
    sys.path.insert(0, str(RUNNER.parent))
    import run

    def timed(median: float, p10: float, p90: float, **extra: object) -> dict[str, object]:
        return {"suite": "s", "median_s": median, "p10_s": p10, "p90_s": p90, **extra}

    previous = {
        "rows": [
            {"name": "slower", **timed(1.0, 0.9, 1.1)},
            {"name": "noisy", **timed(1.0, 0.5, 2.0)},
            {
                "name": "ratio",
                **timed(1.0, 0.9, 1.1),
                "ratio": 1.0,
                "ratio_p10": 0.95,
                "ratio_p90": 1.05,
            },
            {"name": "rate", "suite": "s", "value": 100.0, "unit": "events/s"},
            {"name": "target", "suite": "s", "value": 1.0, "unit": "", "ok": True},
        ]
    }
    rows = [
        {"name": "slower", **timed(1.5, 1.3, 1.7)},
        {"name": "noisy", **timed(1.5, 1.2, 1.9)},  # within the old spread
        # the time doubled with the machine's load, but the ratio to its baseline held
        {
            "name": "ratio",
            **timed(2.0, 1.9, 2.1),
            "ratio": 1.02,
            "ratio_p10": 0.97,
            "ratio_p90": 1.06,
        },
        {"name": "rate", "suite": "s", "value": 50.0, "unit": "events/s"},
        {"name": "target", "suite": "s", "value": 2.0, "unit": "", "ok": False},
        {"name": "new row", **timed(9.0, 9.0, 9.0)},
    ]
    worse = {item["name"] for item in run.compare(rows, previous)}
    assert worse == {"slower", "rate", "target"}
