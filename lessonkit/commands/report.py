"""``lessonkit report STORE``: class analytics of a store as CSV, JSON or self-contained HTML.

``--pseudonymise [SALT]`` replaces learner ids by the same salted HMAC-SHA256 pseudonyms as
``lessonkit export --pseudonymise`` (salt from the option, ``--salt`` or ``LESSONKIT_SALT``).
Every report states what personal data it contains.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import StorageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` sub-command."""
    parser = sub.add_parser(
        "report",
        help="class report: mastery, step statistics, branches, wrong answers, flags",
        description="Summarise the evidence of a store: latest mastery per learner, per-step "
        "statistics (reach, attempts, first-try success, time, hints, drop-off), branches "
        "and paths taken, common wrong answers, and learners who struggle or are ready for a "
        "challenge. HTML reports are one file with inline plots, readable offline.",
    )
    parser.add_argument("store", metavar="STORE", help="store URL or folder")
    parser.add_argument("--lesson", metavar="ID", help="only this lesson")
    parser.add_argument(
        "--format", choices=("csv", "json", "html"), default="html", help="default html"
    )
    parser.add_argument("--output", "-o", metavar="PATH", default="-", help="default stdout")
    parser.add_argument(
        "--pseudonymise",
        "--pseudonymize",
        dest="pseudonymise",
        nargs="?",
        const="",
        default=None,
        metavar="SALT",
        help="replace learner ids by salted HMAC-SHA256 pseudonyms (as `lessonkit export`); "
        "SALT defaults to --salt or $LESSONKIT_SALT",
    )
    parser.add_argument("--salt", metavar="SECRET", help="secret for --pseudonymise")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Report; 0 done, 1 the store could not be read or the output written, 2 usage error."""
    salt = ""
    if args.pseudonymise is not None:
        salt = args.pseudonymise or args.salt or os.environ.get("LESSONKIT_SALT", "")
        if not salt:
            print(
                "lessonkit: error: --pseudonymise needs a secret salt (SALT, --salt or "
                "LESSONKIT_SALT)",
                file=sys.stderr,
            )
            return 2
    elif args.salt:
        print("lessonkit: error: --salt is only used with --pseudonymise", file=sys.stderr)
        return 2
    from ..analytics.frame import load_frame
    from ..analytics.privacy import pseudonymise_frame
    from ..analytics.report import (
        personal_data_note,
        render_csv,
        render_html,
        render_json,
        report_tables,
    )

    try:
        frame = load_frame(args.store, lesson=args.lesson)
    except StorageError as exc:
        print(f"lessonkit: error: {exc}", file=sys.stderr)
        return 1
    if salt:
        frame = pseudonymise_frame(frame, salt)
    tables = report_tables(frame)
    note = personal_data_note(bool(salt))
    meta = {
        "lesson": args.lesson or "",
        "statements": len(frame),
        "learners": int(frame["learner"].nunique()),
    }
    if args.format == "csv":
        text = render_csv(tables, note)
    elif args.format == "json":
        text = render_json(tables, note, meta)
    else:
        text = render_html(frame, tables, note, meta)
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    try:
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            out.write(text)
    except OSError as exc:
        print(f"lessonkit: error: cannot write {args.output}: {exc}", file=sys.stderr)
        return 1
    return 0
