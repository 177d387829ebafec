"""Run the benchmarks, print a table and write ``benchmarks/results.json``.

Each ``benchmarks/bench_<name>.py`` defines ``run(quick: bool) -> list[dict]``; every suite
runs in a process of its own, so one suite's memory, caches and garbage never slow another. A
row has ``name`` and either timings (``median_s``, ``p10_s``, ``p90_s``, ``n``, and ``p99_s``
from 100 samples) or a ``value`` with its ``unit``; optionally ``baseline`` (what it is compared
with, measured in the same run), ``ratio`` (ours / baseline: the median of per-pair ratios
when the two were timed in turns, with ``ratio_p10`` and ``ratio_p90``; else the ratio of
medians), ``target``, ``ok`` (bool or None) and ``note``.

The JSON file also describes the machine (CPU, cores, memory, load, Python and package
versions, git commit), so numbers are never read apart from where they were measured.

Usage: ``python benchmarks/run.py [--quick] [--only NAME[,NAME...]] [--output FILE]
[--compare FILE]``. A full run writes ``benchmarks/results.json``; a ``--quick`` or ``--only``
run writes ``benchmarks/results-partial.json`` unless ``--output`` says otherwise. Every run
reports the rows that got worse than in an earlier results file (``--compare``, by default the
``results.json`` there was before the run) beyond the spread of both: a ratio to its baseline,
else a median time, else a rate; or a target met before and missed now.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PACKAGES = (
    "lessonkit",
    "numpy",
    "pandas",
    "PyYAML",
    "fastjsonschema",
    "SQLAlchemy",
    "sympy",
    "ipywidgets",
    "voila",
    "nbgrader",
    "nbclient",
    "jupyter_client",
    "playwright",
)


# ---------------------------------------------------------------------------- machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    except (ValueError, OSError, AttributeError):
        return None


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def _versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine() -> dict[str, Any]:
    """Where the numbers were measured."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    memory = _memory_gb()
    return {
        "cpu": _cpu_model(),
        "cores_logical": os.cpu_count(),
        "cores_usable": usable,
        "memory_gb": round(memory, 1) if memory else None,
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "packages": _versions(),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "load_average_at_start": _load(),
    }


# ---------------------------------------------------------------------------- one suite


def _suites() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def _child(name: str, quick: bool, rows_file: str) -> int:
    """Run one suite in this process and write its rows to ``rows_file``."""
    sys.path.insert(0, str(HERE))
    path = HERE / f"bench_{name}.py"
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.run(quick)
    Path(rows_file).write_text(json.dumps(rows, default=float))
    return 0


def _run_suite(name: str, quick: bool, timeout: float) -> tuple[list[dict[str, Any]], dict]:
    """Run a suite in a fresh interpreter; its rows and how it went."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        rows_file = handle.name
    command = [sys.executable, str(Path(__file__).resolve()), "--child", name, rows_file]
    if quick:
        command.append("--quick")
    info: dict[str, Any] = {"load_average_before": _load()}
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, timeout=timeout, check=False)
        info["returncode"] = done.returncode
        text = Path(rows_file).read_text() if done.returncode == 0 else ""
        rows = json.loads(text) if text else []
    except subprocess.TimeoutExpired:
        info["returncode"] = None
        info["error"] = f"timed out after {timeout:.0f} s"
        rows = []
    finally:
        Path(rows_file).unlink(missing_ok=True)
    info["seconds"] = round(time.perf_counter() - started, 1)
    info["load_average_after"] = _load()
    if info["returncode"] != 0:
        reason = info.get("error") or f"exit status {info['returncode']}"
        rows.append({"name": f"{name}: suite failed ({reason})", "ok": False})
    for row in rows:
        row.setdefault("suite", name)
    return rows, info


# ---------------------------------------------------------------------------- table


def _ms(seconds: float) -> str:
    if seconds >= 10:
        return f"{seconds:.1f} s"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} us"


def format_row(row: dict[str, Any]) -> str:
    """One table line: name, median (spread), n, ratio vs baseline, target, verdict."""
    if "median_s" in row:
        value = _ms(row["median_s"])
        spread = f"{_ms(row['p10_s'])}-{_ms(row['p90_s'])}" if "p10_s" in row else ""
        if "p99_s" in row:
            spread += f" p99 {_ms(row['p99_s'])}"
        count = f"n={row['n']}" if "n" in row else ""
    elif "value" in row:
        number = row["value"]
        missing = number is None or math.isnan(number)
        value = "-" if missing else f"{number:.4g} {row.get('unit', '')}"
        spread = f"{row['value_p10']:.4g}-{row['value_p90']:.4g}" if "value_p10" in row else ""
        count = f"n={row['n']}" if "n" in row else ""
    else:
        value, spread, count = "", "", ""
    ratio = ""
    if row.get("ratio") is not None:
        ratio = f"x{row['ratio']:.2f}"
        if "ratio_p10" in row:
            ratio += f" ({row['ratio_p10']:.2f}-{row['ratio_p90']:.2f})"
        ratio += f" vs {row['baseline']}"
    verdict = {True: "ok", False: "MISSED", None: ""}[row.get("ok")]
    line = f"{row['name']:<58} {value:>12} {spread:<24} {count:<7} {ratio:<44} "
    return line + f"{row.get('target', ''):<18} {verdict}".rstrip()


# ---------------------------------------------------------------------------- comparison


def _worse(new: dict[str, Any], old: dict[str, Any]) -> str | None:
    """Why ``new`` is worse than ``old`` (the same row of an earlier run), beyond the spread
    of both; ``None`` when it is not. Ratios to a baseline of the same run are compared when
    both rows have one (they travel between machines and loads), else times, else rates."""
    if old.get("ok") is True and new.get("ok") is False:
        return "target met before, missed now"
    for key, low, high in (
        ("ratio", "ratio_p10", "ratio_p90"),
        ("median_s", "p10_s", "p90_s"),
    ):
        if new.get(key) is None or old.get(key) is None:
            continue
        grew = new[key] > old[key] * 1.10
        apart = new.get(low, new[key]) > old.get(high, old[key])
        if grew and apart:
            return f"{key} {old[key]:.4g} -> {new[key]:.4g}"
        return None
    unit = str(new.get("unit", ""))
    rate = unit.endswith("/s") and new.get("value") and old.get("value")
    if rate and new["value"] < old["value"] * 0.9:
        return f"{old['value']:.4g} -> {new['value']:.4g} {unit}"
    return None


def compare(rows: list[dict[str, Any]], previous: dict[str, Any]) -> list[dict[str, str]]:
    """The rows worse than in ``previous`` (an earlier results file), matched by suite and
    name; rows new in this run, or gone from it, are not compared."""
    before = {(r.get("suite"), r.get("name")): r for r in previous.get("rows", [])}
    found = []
    for row in rows:
        old = before.get((row.get("suite"), row.get("name")))
        why = _worse(row, old) if old is not None else None
        if why:
            found.append({"suite": str(row.get("suite")), "name": str(row["name"]), "why": why})
    return found


def _previous(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# ---------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repetitions")
    parser.add_argument("--only", default="", help="comma-separated suite names (bench_NAME.py)")
    parser.add_argument("--output", default="", help="JSON file to write")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per suite")
    parser.add_argument(
        "--compare",
        default=str(HERE / "results.json"),
        help="an earlier results file to report regressions against (default: results.json)",
    )
    parser.add_argument("--child", nargs=2, metavar=("SUITE", "ROWS_FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child[0], args.quick, args.child[1])

    known = _suites()
    wanted = [s.strip() for s in args.only.split(",") if s.strip()] or known
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        parser.error(f"unknown suite(s) {', '.join(unknown)}; known: {', '.join(known)}")
    partial = args.quick or bool(args.only)
    output = Path(args.output or HERE / ("results-partial.json" if partial else "results.json"))
    previous = _previous(Path(args.compare))  # read before a full run overwrites it
    result: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])]),
        "quick": args.quick,
        "machine": machine(),
        "suites": {},
        "rows": [],
    }
    for name in wanted:
        print(f"== {name}", flush=True)
        rows, info = _run_suite(name, args.quick, args.timeout)
        result["suites"][name] = info
        result["rows"].extend(rows)
        for row in rows:
            print(format_row(row), flush=True)
        print(f"   [{name}: {info['seconds']} s, load {info['load_average_after']}]", flush=True)
    result["machine"]["load_average_at_end"] = _load()
    if previous is not None:
        worse = compare(result["rows"], previous)
        machine_then = previous.get("machine", {})
        result["compared_with"] = {
            "file": args.compare,
            "git_commit": machine_then.get("git_commit"),
            "started": previous.get("started"),
            "regressions": worse,
        }
        print(
            f"compared with {args.compare} (commit {str(machine_then.get('git_commit'))[:10]}, "
            f"{previous.get('started')}): {len(worse)} row(s) worse beyond their spread"
        )
        for item in worse:
            print(f"  REGRESSION {item['suite']}: {item['name']}: {item['why']}")
    output.write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(f"wrote {output}")
    return 1 if any(r.get("ok") is False for r in result["rows"]) else 0


if __name__ == "__main__":
    sys.exit(main())
