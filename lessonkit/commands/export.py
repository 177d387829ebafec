"""``lessonkit export STORE --format xapi|csv``: statements out of a store, maybe pseudonymised;
``lessonkit export LESSON --format qti|moodle-xml``: a lesson's questions as a question bank.

What is exported depends on the argument: a lesson file (``*.lesson.yaml``) or a bank format
exports questions (see :mod:`lessonkit.interop.exporting`); anything else is an evidence store.

``--format xapi`` writes a JSON array of statements (one per line, streamed), the body an LRS
accepts at ``POST /statements``. ``--format csv`` writes the flat table of
:func:`lessonkit.evidence.statements_to_frame`.

``--pseudonymise`` replaces every value derived from a learner's identity by a keyed
pseudonym (see :mod:`lessonkit.evidence.privacy` for the field-by-field list): learner ids
become ``HMAC-SHA256(salt, home page + NUL + id)`` (hex) under the home page
``urn:lessonkit:pseudonym``, display names and attachments are dropped, registrations, statement
ids and variant seeds are re-keyed with the salt. The salt (``--salt`` or ``LESSONKIT_SALT``) is
required: without a secret, hashes of known ids could simply be recomputed. Use one salt per
recipient and keep it from them; the same salt gives the same pseudonyms, so exports made with
it can be joined. Free-text answers, profile values and timestamps are exported as they are.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from ..errors import StorageError
from ..evidence.privacy import pseudonymise

BANK_FORMATS = ("qti", "moodle-xml")
"""Formats that export a lesson's questions rather than evidence."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``export`` sub-command."""
    parser = sub.add_parser(
        "export",
        help="export evidence (xAPI, CSV) or a lesson's questions (QTI, Moodle XML)",
        description="Export the statements of an evidence store as an xAPI JSON array or as a "
        "flat CSV table, optionally for one lesson or learner, optionally pseudonymised; or "
        "export the questions of a lesson file as a question bank an LMS imports (QTI 1.2 for "
        "Canvas, Moodle XML), with a report of what the bank cannot express.",
    )
    parser.add_argument(
        "store",
        metavar="STORE_OR_LESSON",
        help="store URL or folder (e.g. ./evidence, sqlite:///evidence.db, postgresql://…), "
        "or a lesson file (*.lesson.yaml) with --format qti or moodle-xml",
    )
    parser.add_argument(
        "--format",
        choices=("xapi", "csv", *BANK_FORMATS),
        help="xapi (default for a store) or csv; qti or moodle-xml for a lesson",
    )
    parser.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="default stdout for evidence; LESSON_ID.qti.zip or LESSON_ID.moodle.xml for a bank",
    )
    parser.add_argument(
        "--allow-partial",
        action="store_true",
        help="bank: exit 0 even when some steps could not be exported",
    )
    parser.add_argument("--json", action="store_true", help="bank: print the report as JSON")
    parser.add_argument("--lesson", metavar="ID", help="only this lesson")
    parser.add_argument("--learner", metavar="ID", help="only this learner (account name)")
    parser.add_argument(
        "--pseudonymise",
        "--pseudonymize",
        dest="pseudonymise",
        action="store_true",
        help="replace learner ids, registrations, statement ids and variant seeds by salted "
        "HMAC-SHA256 pseudonyms (free-text answers stay as typed)",
    )
    parser.add_argument(
        "--salt", metavar="SECRET", help="secret for --pseudonymise (default: $LESSONKIT_SALT)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Export; 0 done, 1 the store could not be read (or a bank lost steps), 2 a usage error."""
    from ..lesson.loader import LESSON_SUFFIXES

    if args.format in BANK_FORMATS or str(args.store).endswith(LESSON_SUFFIXES):
        return run_bank_export(args)
    args.format = args.format or "xapi"
    args.output = args.output or "-"
    salt = args.salt or os.environ.get("LESSONKIT_SALT", "")
    if args.pseudonymise and not salt:
        print(
            "lessonkit: error: --pseudonymise needs a secret salt (--salt or LESSONKIT_SALT); "
            "without one, pseudonyms of known learner ids can be recomputed",
            file=sys.stderr,
        )
        return 2
    if args.salt and not args.pseudonymise:
        print("lessonkit: error: --salt is only used with --pseudonymise", file=sys.stderr)
        return 2
    from ..evidence.stores import open_store

    try:
        with open_store(args.store, create=False) as store:
            statements: Iterable[dict[str, Any]] = store.read(
                learner=args.learner, lesson=args.lesson
            )
            if args.pseudonymise:
                statements = pseudonymise(statements, salt.encode())
            if args.output == "-":
                _write(statements, args.format, sys.stdout)
                sys.stdout.flush()
            else:
                with open(args.output, "w", encoding="utf-8", newline="") as out:
                    _write(statements, args.format, out)
    except StorageError as exc:
        if getattr(args, "debug", False):
            raise
        print(f"lessonkit: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        raise  # the CLI treats a closed pipe (``| head``) as success
    except OSError as exc:  # the output file
        print(f"lessonkit: error: cannot write {args.output}: {exc}", file=sys.stderr)
        return 1
    return 0


def _write(statements: Iterable[dict[str, Any]], fmt: str, out: IO[str]) -> None:
    if fmt == "xapi":
        out.write("[")
        sep = "\n"
        for statement in statements:
            out.write(sep + json.dumps(statement, separators=(",", ":"), ensure_ascii=False))
            sep = ",\n"
        out.write("\n]\n")
        return
    from ..evidence.frame import statements_to_frame

    frame = statements_to_frame(statements)
    frame.to_csv(
        out,
        index=False,
        lineterminator="\n",
        quoting=csv.QUOTE_MINIMAL,
        date_format="%Y-%m-%dT%H:%M:%S.%fZ",
    )


def run_bank_export(args: argparse.Namespace) -> int:
    """Export a lesson's questions as the bank format ``args.format``."""
    from ..errors import LessonDefinitionError
    from ..interop.bank import EXPORT_STATUSES
    from ..interop.exporting import export_bank
    from ..interop.report import report_data, report_lines

    if args.format not in ("qti", "moodle-xml"):
        print(
            "lessonkit: error: a lesson exports as a question bank: give --format qti or "
            "moodle-xml (xapi and csv export an evidence store)",
            file=sys.stderr,
        )
        return 2
    store_only = [o for o in ("lesson", "learner", "salt") if getattr(args, o, None)]
    if store_only or args.pseudonymise:
        flags = ", ".join(f"--{o}" for o in store_only) or "--pseudonymise"
        print(f"lessonkit: error: {flags} only apply to evidence stores", file=sys.stderr)
        return 2
    try:
        result = export_bank(args.store, args.format)
    except LessonDefinitionError as exc:
        print(exc, file=sys.stderr)
        return 1
    stem = Path(args.store).name.split(".lesson.")[0]
    output = args.output or (f"{stem}.qti.zip" if args.format == "qti" else f"{stem}.moodle.xml")
    report = sys.stderr if output == "-" else sys.stdout
    try:
        if output == "-":
            sys.stdout.buffer.write(result.data)
            sys.stdout.flush()
        else:
            Path(output).write_bytes(result.data)
    except OSError as exc:
        print(f"lessonkit: error: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    written = [] if output == "-" else [Path(output)]
    if args.json:
        data = report_data(result.findings, written=written, statuses=EXPORT_STATUSES)
        print(json.dumps(data, indent=2), file=report)
    else:
        for line in report_lines(result.findings, written=written, statuses=EXPORT_STATUSES):
            print(line, file=report)
    skipped = result.count("skipped")
    return 0 if not skipped or args.allow_partial else 1
