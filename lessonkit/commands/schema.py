"""``lessonkit schema lesson|course [--path | --url]``: the JSON Schemas of lesson and course files.

Editors that speak the YAML language server (VS Code's YAML extension, and others) complete
and check a file as it is typed when its first line names a schema:
``# yaml-language-server: $schema=URL``. ``lessonkit new`` and ``lessonkit course new`` write
the published URL (``--url``). Working offline, point the line (or the editor's settings) at the
file installed with lessonkit (``--path``), or save a copy next to the lessons (the schema
itself, printed without options).
"""

from __future__ import annotations

import argparse
import json

from ..course.schema import COURSE_SCHEMA_URL, course_schema, course_schema_path
from ..lesson.schema import SCHEMA_URL, lesson_schema, schema_path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``schema`` sub-command."""
    parser = sub.add_parser(
        "schema",
        help="print the JSON Schema of lesson or course files (or where it is)",
        description="Print the JSON Schema lesson (or course) files are checked against; "
        "--path prints the file installed with lessonkit, --url its published address (what "
        "`lessonkit new` writes in a file's `# yaml-language-server: $schema=` line).",
    )
    parser.add_argument("kind", choices=("lesson", "course"), help="which schema")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--path", action="store_true", help="print the installed file's path")
    where.add_argument("--url", action="store_true", help="print the published URL")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the schema, its path or its URL."""
    lesson = args.kind == "lesson"
    if args.path:
        print(schema_path() if lesson else course_schema_path())
    elif args.url:
        print(SCHEMA_URL if lesson else COURSE_SCHEMA_URL)
    else:
        print(json.dumps(lesson_schema() if lesson else course_schema(), indent=2))
    return 0
