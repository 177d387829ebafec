"""``lessonkit new NAME``: scaffold a lesson folder that validates."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import LessonDefinitionError
from ..lesson.scaffold import new_lesson


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``new`` sub-command."""
    parser = sub.add_parser(
        "new",
        help="create a lesson folder (lesson file + launcher notebook)",
        description="Create NAME/ with NAME.lesson.yaml (a small branching lesson to edit) "
        "and NAME.ipynb (a launcher notebook).",
    )
    parser.add_argument("name", metavar="NAME", help="lesson name, e.g. fractions")
    parser.add_argument("--dir", default=".", help="where to create it (default: here)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Create the folder and say what to do next."""
    try:
        folder = new_lesson(args.name, Path(args.dir))
    except LessonDefinitionError as exc:
        print(f"lessonkit: error: {exc.problems[0].message}", file=sys.stderr)
        return 1
    print(f"created {folder}/")
    print(
        f"  next: edit {folder}/{folder.name}.lesson.yaml, then run "
        f"`lessonkit validate {folder}` and `lessonkit serve {folder}`"
    )
    return 0
