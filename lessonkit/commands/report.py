"""``lessonkit report STORE``: class analytics of a store as CSV, JSON or self-contained HTML.

``--pseudonymise [SALT]`` replaces learner ids by the same salted HMAC-SHA256 pseudonyms as
``lessonkit export --pseudonymise`` (salt from the option, ``--salt`` or ``LESSONKIT_SALT``).
Every report states what personal data it contains. ``--items`` gives the item analysis
instead (:mod:`lessonkit.analytics.items`).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..errors import LessonDefinitionError, StorageError
from .serve import catalog_language


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
    parser.add_argument(
        "--lesson",
        metavar="ID_OR_FILE",
        help="only this lesson; with --items, give its file so that wrong answers are judged "
        "against it and `lessonkit feedback add` commands are printed",
    )
    parser.add_argument(
        "--items",
        action="store_true",
        help="item analysis: per question, first-try share, attempts, hints, time, "
        "discrimination, common wrong answers without feedback, and flags",
    )
    parser.add_argument(
        "--min-learners",
        type=int,
        default=20,
        metavar="N",
        help="with --items: flag no question fewer learners answered (default 20)",
    )
    parser.add_argument(
        "--lang",
        metavar="TAG",
        type=catalog_language,
        default=None,
        help="with --items and html: write the page in this language, e.g. es (default English; "
        "answers, question ids and commands stay as they are)",
    )
    parser.add_argument(
        "--by",
        choices=("language",),
        help="also split the report by the language learners saw the lesson in: a summary "
        "per language and the step statistics per language",
    )
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

    if args.items:
        return _items(args)
    picked = _lesson(args.lesson)
    if picked is None:
        return 1
    try:
        frame = load_frame(args.store, lesson=picked[0])
    except StorageError as exc:
        print(f"lessonkit: error: {exc}", file=sys.stderr)
        return 1
    if salt:
        frame = pseudonymise_frame(frame, salt)
    tables = report_tables(frame, by=args.by)
    note = personal_data_note(bool(salt))
    meta = {
        "lesson": picked[0] or "",
        "statements": len(frame),
        "learners": int(frame["learner"].nunique()),
    }
    if args.format == "csv":
        text = render_csv(tables, note)
    elif args.format == "json":
        text = render_json(tables, note, meta)
    else:
        text = render_html(frame, tables, note, meta)
    return _emit(args.output, text)


def _items(args: argparse.Namespace) -> int:
    """``--items``: the item analysis (no learner ids, so ``--pseudonymise`` changes nothing)."""
    from ..analytics.frame import load_frame
    from ..analytics.itemreport import ITEMS_DATA_NOTE, items_tables, render_items_html
    from ..analytics.items import ItemRules, item_analysis
    from ..analytics.report import render_csv, render_json

    if args.min_learners < 1:
        print("lessonkit: error: --min-learners must be at least 1", file=sys.stderr)
        return 2
    picked = _lesson(args.lesson)
    if picked is None:
        return 1
    lesson_id, lessons, sources = picked
    try:
        frame = load_frame(args.store, lesson=lesson_id)
    except StorageError as exc:
        print(f"lessonkit: error: {exc}", file=sys.stderr)
        return 1
    rules = ItemRules(min_learners=args.min_learners)
    analysis = item_analysis(frame, lessons, sources, rules=rules)
    meta = {
        "lesson": lesson_id or "",
        "learners": int(frame["learner"].nunique()),
        "questions": len(analysis.items),
        "min_learners": rules.min_learners,
    }
    if args.format == "csv":
        text = render_csv(items_tables(analysis), ITEMS_DATA_NOTE)
    elif args.format == "json":
        text = render_json(items_tables(analysis), ITEMS_DATA_NOTE, meta)
    else:
        from ..i18n import translator

        text = render_items_html(analysis, meta, translator(args.lang))
    return _emit(args.output, text)


def _lesson(given: str | None) -> tuple[str | None, dict[str, Any], dict[str, str]] | None:
    """``--lesson`` as (lesson id, {id: lesson}, {id: file}); a file is loaded (``None``: it
    does not load, and the error was printed)."""
    if not given or not os.path.isfile(given):
        return given, {}, {}
    from ..lesson.loader import load_lesson

    try:
        lesson = load_lesson(given)
    except LessonDefinitionError as exc:
        print(f"lessonkit: error: {exc}", file=sys.stderr)
        return None
    return lesson.id, {lesson.id: lesson}, {lesson.id: given}


def _emit(output: str, text: str) -> int:
    if output == "-":
        sys.stdout.write(text)
        return 0
    try:
        with open(output, "w", encoding="utf-8", newline="") as out:
            out.write(text)
    except OSError as exc:
        print(f"lessonkit: error: cannot write {output}: {exc}", file=sys.stderr)
        return 1
    return 0
