"""``lessonkit import FILE... -o OUT.lesson.yaml``: question banks in as a lesson to edit.

Reads Moodle XML, GIFT, QTI (Canvas/Blackboard zips or XML) and JupyterQuiz JSON; the
format is detected unless ``--format`` names it. Prints what was approximated and what was
skipped, each as ``FILE:LINE`` (or ``FILE[item]`` inside a package), and a count per file.
Exit 0 when every question was imported (approximations included), 1 when something was
skipped (unless ``--allow-partial``) or the written lesson does not validate, 2 on a usage
error.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``import`` sub-command."""
    from ..interop.build import LAYOUTS
    from ..interop.formats import FORMATS

    parser = sub.add_parser(
        "import",
        help="turn question banks (Moodle XML, GIFT, QTI, JupyterQuiz) into a lesson",
        description="Import question banks into a lesson file to edit: multiple choice, "
        "true/false, numerical, short answer, matching, ordering and essay questions with "
        "their feedback, hints, penalties, categories and images. Reports what was "
        "approximated and what was skipped.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="bank files (or QTI zips)")
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUT.lesson.yaml",
        help="lesson file to write; images go to media/ beside it "
        "(default: the first file's name with .lesson.yaml, in this folder)",
    )
    parser.add_argument("--format", choices=FORMATS, help="the files' format (default: detect)")
    parser.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="steps",
        help="steps: one question per step (default); practice: a practice pool per category; "
        "per-category: one lesson file per category",
    )
    parser.add_argument("--title", default="", help="the lesson's title")
    parser.add_argument(
        "--allow-partial",
        action="store_true",
        help="exit 0 even when some questions were skipped",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace an existing lesson file of the same name"
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="list imported items too")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.set_defaults(func=run)


def _default_output(first: str) -> str:
    from pathlib import Path

    name = Path(first).name
    for suffix in (".zip", ".xml", ".gift", ".txt", ".json"):
        name = name.removesuffix(suffix)
    return f"{name or 'bank'}.lesson.yaml"


def run(args: argparse.Namespace) -> int:
    """Import; 0 all imported, 1 something skipped or invalid, 2 usage."""
    from ..interop.importing import import_banks
    from ..interop.report import report_data, report_lines
    from ..interop.untrusted import BankFileError

    output = args.output or _default_output(args.files[0])
    if not output.endswith((".lesson.yaml", ".lesson.yml")):
        print("lessonkit: error: the output must be a *.lesson.yaml file", file=sys.stderr)
        return 2
    try:
        result = import_banks(
            args.files,
            output,
            fmt=args.format,
            layout=args.layout,
            title=args.title,
            replace=args.force,
        )
    except (BankFileError, FileExistsError) as exc:
        print(f"lessonkit: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"lessonkit: error: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    lessons = [p for p in result.written if p.name.endswith(".lesson.yaml")]
    if args.json:
        data = report_data(result.findings, written=result.written, problems=result.problems)
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for line in report_lines(result.findings, verbose=args.verbose, written=lessons):
            print(line)
    for problem in result.problems:
        print(f"lessonkit: error: {problem}", file=sys.stderr)
    if not lessons:
        print("lessonkit: error: nothing could be imported; no lesson written", file=sys.stderr)
        return 1
    if result.problems:
        return 1
    return 0 if result.complete or args.allow_partial else 1
