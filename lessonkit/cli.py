"""The ``lessonkit`` command line: ``lessonkit validate``, ``new``, ``play``, ``serve``, ...

Sub-commands live in :mod:`lessonkit.commands`, one module each, discovered at start-up.
Exit codes: 0 success, 1 the input was found wanting, 2 usage error. Errors are printed as
``lessonkit: error: ...`` with no traceback unless ``--debug`` is given, and warnings (a
damaged line skipped, a link refused) as ``lessonkit: warning: ...``.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from . import __version__, commands
from .errors import LessonkitError

__all__ = ["build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"lessonkit: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every discovered sub-command."""
    parser = _Parser(
        prog="lessonkit",
        description="Branching, adaptive notebook lessons for Jupyter.",
    )
    parser.add_argument("--version", action="version", version=f"lessonkit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue  # a helper of the commands, not a command
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    if not args.debug:
        warnings.showwarning = _show_warning
    try:
        code: int = args.func(args)
        return code
    except LessonkitError as exc:
        if args.debug:
            raise
        print(f"lessonkit: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lessonkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _show_warning(message: Any, category: type[Warning], *_: Any, **__: Any) -> None:
    """Warnings in the CLI's own words: one line, no source location."""
    print(f"lessonkit: warning: {message}", file=sys.stderr)
