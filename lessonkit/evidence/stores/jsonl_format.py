"""The JSON-lines evidence file format: folder names, and reading files back.

A file is ``<root>/<lesson>/<learner-key>/<registration>.jsonl``. Its first line is a header
``{"lessonkit": "evidence", "schema": 1, "lesson", "learner", "registration", "created"}``;
every other line is one xAPI statement. Readers never raise for damaged content: they skip it
and say so in one :class:`~lessonkit.evidence.stores.StoreWarning` per file.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..events import LearnerRef
from ..safefs import is_link, read_no_follow
from ..statements import EXT
from .base import Filter, Statement, StoreWarning

__all__ = [
    "SCHEMA_VERSION",
    "SUFFIX",
    "learner_key",
    "lesson_dir",
    "parse_lines",
    "read_file",
    "session_files",
    "slug",
]

SCHEMA_VERSION = 1
"""Version of the file format written by this lessonkit."""

_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SLUG_DROP = re.compile(r"[^a-z0-9_-]+")
SUFFIX = ".jsonl"
_SEQ_EXT = EXT + "seq"
_SEQ_IN_LINE = re.compile(rb'"https://lessonkit\.org/xapi/ext/seq":\s*(-?\d+)')


def learner_key(learner: LearnerRef) -> str:
    """The folder name of ``learner``: ``<slug>-<hash16>``, e.g. ``ada-3f2c…``."""
    digest = hashlib.sha256(f"{learner.home_page}\0{learner.id}".encode()).hexdigest()[:16]
    return f"{slug(learner.id)}-{digest}"


def slug(text: str) -> str:
    """A lower-case, file-name-safe, at most 40 characters version of ``text``."""
    return _SLUG_DROP.sub("_", text.lower()).strip("_")[:40] or "_"


def lesson_dir(lesson: str) -> str:
    """The folder name of ``lesson``: the id itself when it is a plain id, else slug + hash."""
    if _SAFE_ID.match(lesson) and lesson.lower() not in {"con", "nul", "aux", "prn"}:
        return lesson
    return f"{slug(lesson)}-{hashlib.sha256(lesson.encode()).hexdigest()[:16]}"


def read_file(path: Path) -> Iterator[Statement]:
    """The statements of one evidence file in ``seq`` order, skipping damage.

    A symbolic link is not followed: it is skipped with a warning, like an unreadable file.

    Damage (a torn last line, lines that are not JSON statements, lines under a header of an
    unknown schema, a missing header) is reported in one :class:`StoreWarning` per file, once
    the file has been read to the end. A statement id seen twice is returned once. Never raises.

    Files written by a session are already in ``seq`` order (checked on the raw bytes), and are
    then parsed one line at a time; keeping a whole file's parsed statements alive instead makes
    reading about 1.5 times slower.
    """
    try:
        data = read_no_follow(path)
    except OSError as exc:
        why = "it is a symbolic link" if is_link(path) else str(exc)
        warnings.warn(f"{path}: cannot be read ({why}); skipped", StoreWarning, stacklevel=3)
        return
    problems: list[str] = []
    seqs = [int(found) for found in _SEQ_IN_LINE.findall(data)]
    if all(a <= b for a, b in itertools.pairwise(seqs)):
        yield from parse_lines(data, problems)
    else:
        yield from sorted(parse_lines(data, problems), key=_seq)
    if problems:
        shown = "; ".join(problems[:5])
        if len(problems) > 5:
            shown += f"; and {len(problems) - 5} more"
        warnings.warn(f"{path}: skipped damaged content: {shown}", StoreWarning, stacklevel=3)


def parse_lines(data: bytes, problems: list[str]) -> Iterator[Statement]:
    """The statements in the bytes of an evidence file, in file order; what was wrong with the
    other lines is added to ``problems``."""
    seen: set[str] = set()
    schema: Any = None
    lines = data.split(b"\n")
    torn = bool(lines[-1])
    del lines[-1]
    loads = json.loads
    for number, line in enumerate(lines, 1):
        try:
            item = loads(line)
        except (ValueError, RecursionError):  # RecursionError: nested beyond the parser
            if line.strip():
                problems.append(f"line {number} is not JSON")
            continue
        if not isinstance(item, dict):
            problems.append(f"line {number} is not a JSON object")
            continue
        if "lessonkit" in item:
            schema = item.get("schema")
            if schema != SCHEMA_VERSION:
                problems.append(f"line {number}: unknown schema {schema!r}, lines skipped")
            continue
        if schema is None:
            problems.append("no header line (statements read anyway)")
            schema = SCHEMA_VERSION
        if schema != SCHEMA_VERSION:
            continue
        if "actor" not in item or "id" not in item:
            problems.append(f"line {number} is not a statement")
        elif item["id"] not in seen:
            seen.add(item["id"])
            yield item
    if torn:
        problems.append(f"line {len(lines) + 1} is torn (an interrupted write)")


def _seq(statement: Statement) -> int:
    try:
        seq = statement["context"]["extensions"][_SEQ_EXT]
    except (KeyError, TypeError):
        return -1
    return seq if isinstance(seq, int) else -1


def session_files(root: Path, wanted: Filter) -> Iterator[Path]:
    """The session files under ``root`` that may hold statements matching ``wanted``; links
    inside the store are skipped with a warning (a reader never follows them)."""
    if not root.is_dir():
        return
    if wanted.lesson is not None:
        lessons = _real_dirs([root / lesson_dir(wanted.lesson)])
    else:
        lessons = _subdirs(root)
    for lesson_folder in lessons:
        if wanted.learner is not None and wanted.home is not None:
            key = learner_key(LearnerRef(id=wanted.learner, home_page=wanted.home))
            learners = _real_dirs([lesson_folder / key])
        else:
            learners = _subdirs(lesson_folder)
            if wanted.learner is not None:
                prefix = slug(wanted.learner) + "-"
                learners = [p for p in learners if p.name.startswith(prefix)]
        for learner_dir in learners:
            if wanted.registration is not None:
                candidate = learner_dir / f"{wanted.registration}{SUFFIX}"
                if os.path.lexists(candidate):
                    yield candidate
            else:
                yield from sorted(learner_dir.glob(f"*{SUFFIX}"))


def _warn_link(path: Path) -> None:
    warnings.warn(
        f"{path} is a symbolic link inside the evidence store; skipped (lessonkit never "
        "follows links there)",
        StoreWarning,
        stacklevel=5,
    )


def _real_dirs(paths: list[Path]) -> list[Path]:
    """The paths that are real folders (links are skipped with a warning)."""
    found = []
    for path in paths:
        if is_link(path):
            _warn_link(path)
        elif path.is_dir():
            found.append(path)
    return found


def _subdirs(folder: Path) -> list[Path]:
    """The real sub-folders of ``folder``, sorted (links are skipped with a warning)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as exc:
        warnings.warn(f"{folder}: cannot be listed ({exc}); skipped", StoreWarning, stacklevel=5)
        return []
    found = []
    for entry in entries:
        if entry.is_symlink():
            _warn_link(Path(entry.path))
        elif entry.is_dir(follow_symlinks=False):
            found.append(Path(entry.path))
    return found
