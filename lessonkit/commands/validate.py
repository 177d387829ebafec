"""``lessonkit validate PATH...``: check lesson files and folders (recursively)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..lesson.loader import LESSON_SUFFIXES, check_file


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``validate`` sub-command."""
    parser = sub.add_parser(
        "validate",
        help="check lesson files; problems are printed as FILE:LINE:COL: message",
        description="Check lesson files and folders (searched recursively for "
        + ", ".join(f"*{s}" for s in LESSON_SUFFIXES)
        + "). Exit 0 when all are valid, 1 when any is not, 2 on usage errors.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="lesson file or folder")
    parser.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    parser.set_defaults(func=run)


def _lesson_files(folder: Path) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        found += [Path(root, f) for f in sorted(files) if f.endswith(LESSON_SUFFIXES)]
    return found


def run(args: argparse.Namespace) -> int:
    """Validate every named file and every lesson file under every named folder."""
    files: list[Path] = []
    for name in args.paths:
        path = Path(name)
        if path.is_dir():
            files += _lesson_files(path)
        elif path.exists():
            files.append(path)
        else:
            print(f"lessonkit: error: no such file or folder: {name}", file=sys.stderr)
            return 2
    if not files:
        print("lessonkit: error: no lesson files (*.lesson.yaml) found", file=sys.stderr)
        return 2
    bad = 0
    for path in files:
        problems = check_file(path)
        for problem in problems:
            print(problem)
        bad += bool(problems)
        if not problems and not args.quiet:
            print(f"{path}: ok")
    if not args.quiet:
        print(f"{len(files) - bad} of {len(files)} lesson file(s) valid", file=sys.stderr)
    return 1 if bad else 0
