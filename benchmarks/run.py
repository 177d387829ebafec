"""Run every benchmark, print a table and write ``benchmarks/results.json``.

Each ``benchmarks/bench_*.py`` module defines ``run(quick: bool) -> list[dict]``. A row has:
``name``; ``median_s`` and optionally ``p99_s`` (seconds per operation) or ``value`` with
``unit``; ``baseline`` (name of the baseline measured in the same run) and ``ratio``
(ours / baseline); ``target`` (the goal, as text) and ``ok`` (bool or None).

Usage: ``python benchmarks/run.py [--quick] [--only NAME]``. Machines are shared and noisy, so
targets are stated as ratios against a baseline measured in the same run where possible.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(HERE))
    spec.loader.exec_module(module)
    return module


def _fmt(row: dict[str, Any]) -> str:
    if "median_s" in row:
        value = f"{row['median_s'] * 1e3:10.3f} ms"
        if row.get("p99_s") is not None:
            value += f" (p99 {row['p99_s'] * 1e3:.3f} ms)"
    else:
        value = f"{row.get('value', float('nan')):10.3f} {row.get('unit', '')}"
    ratio = f"x{row['ratio']:.2f} vs {row['baseline']}" if row.get("ratio") is not None else ""
    ok = {True: "ok", False: "MISSED", None: ""}[row.get("ok")]
    return f"{row['name']:<48} {value:<34} {ratio:<38} {row.get('target', ''):<22} {ok}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    parser.add_argument("--only", default="", help="run only bench_<ONLY>.py")
    parser.add_argument("--output", default=str(HERE / "results.json"))
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    for path in sorted(HERE.glob("bench_*.py")):
        if args.only and path.stem != f"bench_{args.only}":
            continue
        started = time.perf_counter()
        for row in _load(path).run(args.quick):
            row.setdefault("suite", path.stem.removeprefix("bench_"))
            rows.append(row)
            print(_fmt(row), flush=True)
        print(f"  [{path.stem} took {time.perf_counter() - started:.1f} s]", flush=True)
    result = {
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "quick": args.quick,
        "rows": rows,
    }
    Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.output}")
    return 1 if any(r.get("ok") is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
