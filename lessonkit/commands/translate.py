"""``lessonkit translate init|update LESSON --lang L``: a lesson's translation file.

``init`` writes a skeleton ``NAME.L.yaml`` beside ``NAME.lesson.yaml``: every text a learner
sees, with the source text as a comment, its fingerprint and an empty translation. ``update``
brings an existing file up to date with the lesson (new texts added, changed ones marked
``stale: true``, texts the lesson no longer has dropped; see
:mod:`lessonkit.lesson.sidecar_write`). Exit 0 done, 1 the lesson or translation file has
problems (printed as ``FILE:LINE:COL: message``) or cannot be written, 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``translate`` sub-command."""
    parser = sub.add_parser(
        "translate",
        help="create or update a lesson's translation file (NAME.LANG.yaml)",
        description="Translations of a lesson live beside it, one file per language "
        "(loops.es.yaml beside loops.lesson.yaml), keyed by step id and field, each text with "
        "the fingerprint of the source text it translates. `init` writes a skeleton to fill "
        "in; `update` adds new texts, marks changed ones stale and drops removed ones. "
        "`lessonkit validate` reports missing, stale and misplaced translations.",
    )
    parser.add_argument("action", choices=("init", "update"), help="init: new file; update")
    parser.add_argument("lesson", metavar="LESSON", help="the lesson file (NAME.lesson.yaml)")
    parser.add_argument(
        "--lang", required=True, metavar="TAG", help="language tag, e.g. es, de, ar, pt-BR"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the translation file; print what changed."""
    from ..errors import LessonDefinitionError
    from ..lesson.loader import check_source
    from ..lesson.sidecar import check_translation
    from ..lesson.sidecar_write import translation_text
    from ..lesson.source import Located
    from ..lesson.translated import LANGUAGE_TAG, same_language

    if not LANGUAGE_TAG.fullmatch(args.lang):
        print(f"lessonkit: error: {args.lang!r} is not a language tag (es, pt-BR)", file=sys.stderr)
        return 2
    source = Path(args.lesson)
    stem, dot, _ = source.name.partition(".lesson.")
    if not dot:
        print(f"lessonkit: error: {source} is not a NAME.lesson.yaml file", file=sys.stderr)
        return 2
    target = source.with_name(f"{stem}.{args.lang}.yaml")
    try:
        lesson, problems = check_source(source.read_bytes(), str(source))
    except OSError as exc:
        print(f"lessonkit: error: cannot read {source}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    if lesson is None:
        print(LessonDefinitionError(problems), file=sys.stderr)
        return 1
    if same_language(lesson.language, args.lang):
        print(f"lessonkit: error: {source} is itself in {args.lang!r}", file=sys.stderr)
        return 2
    old = checked = None
    if args.action == "init" and target.exists():
        print(
            f"lessonkit: error: {target} exists: `lessonkit translate update {source} "
            f"--lang {args.lang}` brings it up to date",
            file=sys.stderr,
        )
        return 1
    if args.action == "update":
        if not target.exists():
            print(f"lessonkit: error: no {target}: create it with `init`", file=sys.stderr)
            return 1
        checked = check_translation(target, lesson, Located(), str(source))
        if checked.translation is None:
            print(LessonDefinitionError(checked.errors), file=sys.stderr)
            return 1
        old = checked.translation
    written = translation_text(lesson, args.lang, old, source.name)
    written.dropped += checked.dangling if checked is not None else 0
    tmp = target.with_name(target.name + ".tmp")
    try:
        tmp.write_text(written.text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        print(f"lessonkit: error: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(
        f"{target}: {written.total} texts ({written.new} new, {written.marked_stale} marked "
        f"stale, {written.dropped} dropped); {written.to_translate} to translate, "
        f"{written.to_review} to review"
    )
    return 0
