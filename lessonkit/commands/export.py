"""``lessonkit export STORE --format xapi|csv``: statements out of a store, maybe pseudonymised.

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
from typing import IO, Any

from ..errors import StorageError
from ..evidence.privacy import pseudonymise


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``export`` sub-command."""
    parser = sub.add_parser(
        "export",
        help="export evidence as xAPI statements or CSV",
        description="Export the statements of an evidence store as an xAPI JSON array or as a "
        "flat CSV table, optionally for one lesson or learner, optionally pseudonymised.",
    )
    parser.add_argument(
        "store",
        metavar="STORE",
        help="store URL or folder (e.g. ./evidence, sqlite:///evidence.db, postgresql://…)",
    )
    parser.add_argument("--format", choices=("xapi", "csv"), default="xapi", help="default xapi")
    parser.add_argument("--output", "-o", metavar="FILE", default="-", help="default stdout")
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
    """Export; 0 done, 1 the store could not be read, 2 a usage error."""
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
