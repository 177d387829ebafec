"""``lessonkit validate PATH...``: check lesson and course files and folders (recursively).

A file is a course by its name (``*.course.yaml``) or its content (a ``lessonkit-course:``
key); anything else is a lesson. A course is checked with
the lessons it names. Everything is printed to standard output: each problem as
``FILE:LINE:COL: message`` (warnings as ``FILE:LINE:COL: warning: message``), ``FILE: ok`` for
each valid file, then ``N of M file(s) valid``. Exit 0 when every file is valid (warnings
allowed unless ``--strict``), 1 when any is not, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ..course.loader import COURSE_SUFFIXES, check_course, file_kind
from ..errors import Problem
from ..lesson.loader import LESSON_SUFFIXES, check_file

_SUFFIXES = LESSON_SUFFIXES + COURSE_SUFFIXES


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``validate`` sub-command."""
    parser = sub.add_parser(
        "validate",
        help="check lesson and course files; problems are printed as FILE:LINE:COL: message",
        description="Check lesson and course files and folders (searched recursively for "
        + ", ".join(f"*{s}" for s in _SUFFIXES)
        + "). A course is checked with the lessons it names. Exit 0 when all are valid, 1 "
        "when any is not (or, with --strict, has a warning), 2 on usage errors.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="lesson or course file, or folder")
    parser.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings (e.g. a rule that can never fire) as problems: exit 1",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate every named file and every lesson and course file under every named folder."""
    return validate_paths(args.paths, quiet=args.quiet, strict=args.strict)


def _found(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        found += [Path(root, f) for f in sorted(files) if f.endswith(suffixes)]
    return found


def validate_paths(
    names: Sequence[str], *, quiet: bool = False, strict: bool = False, only: str | None = None
) -> int:
    """Check the files and folders ``names`` and print what was found; the exit code.

    ``only="course"`` (``lessonkit course validate``) checks course files only: folders are
    searched for courses, and a lesson file is refused with the command that checks it.
    """
    files: list[Path] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            files += _found(path, COURSE_SUFFIXES if only == "course" else _SUFFIXES)
        elif path.exists():
            files.append(path)
        else:
            print(f"lessonkit: error: no such file or folder: {name}", file=sys.stderr)
            return 2
    if not files:
        what = "course files (*.course.yaml)" if only else "lesson or course files"
        print(f"lessonkit: error: no {what} found in {', '.join(names)}", file=sys.stderr)
        return 2
    kinds = {path: file_kind(path) for path in files}
    if only:
        for path, kind in kinds.items():
            if kind != only:
                print(
                    f"lessonkit: error: {path} is a {kind} file, not a {only}: check it with "
                    f"`lessonkit validate {path}`",
                    file=sys.stderr,
                )
                return 2
    bad = 0
    printed: set[str] = set()
    for path in files:
        warnings: list[Problem] = []
        if kinds[path] == "course":
            problems = check_course(path)[1]
        else:
            problems = check_file(path, warnings=warnings)
        for problem in [*problems, *warnings]:
            line = str(problem)
            if line not in printed:  # a course repeats the problems of its lesson files
                printed.add(line)
                print(line)
        failed = bool(problems) or (strict and bool(warnings))
        bad += failed
        if not failed and not quiet:
            counted = f" ({len(warnings)} warning{'s' if len(warnings) != 1 else ''})"
            print(f"{path}: ok{counted if warnings else ''}")
    if not quiet:
        print(f"{len(files) - bad} of {len(files)} file(s) valid")
    return 1 if bad else 0
