"""The JSON-lines evidence file format: folder names, and reading files back.

A file is ``<root>/<lesson>/<learner-key>/<registration>.jsonl``. Its first line is a header
``{"lessonkit": "evidence", "schema": 1, "lesson", "learner", "registration", "created"}``;
every other line is one xAPI statement. Readers never raise for damaged content: they skip it
and say so in one :class:`~lessonkit.evidence.stores.StoreWarning` per file.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..events import LearnerRef
from ..index import StatementIndex, index_statement
from ..jsontext import loads_all
from ..safefs import is_link, read_no_follow
from ..statements import EXT
from .base import Filter, Statement, StoreWarning

__all__ = [
    "SCHEMA_VERSION",
    "SUFFIX",
    "Scan",
    "learner_key",
    "lesson_dir",
    "matches",
    "read_file",
    "seq_key",
    "session_files",
    "slug",
    "statement_index",
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
        warn_unreadable(path, exc)
        return
    scan = Scan()
    if scan.ordered_after(data):
        yield from scan.lines(data)
    else:
        yield from sorted(scan.lines(data), key=seq_key)
    warn_damage(path, scan.problems, scan.problem_count)


def warn_unreadable(path: Path, exc: OSError) -> None:
    """The warning for a session file that cannot be read (see :func:`read_file`)."""
    why = "it is a symbolic link" if is_link(path) else str(exc)
    warnings.warn(f"{path}: cannot be read ({why}); skipped", StoreWarning, stacklevel=4)


def warn_damage(path: Path, problems: list[str], count: int) -> None:
    """The one warning about a file's damaged content (nothing when there is none)."""
    if count:
        shown = "; ".join(problems[:5])
        if count > 5:
            shown += f"; and {count - 5} more"
        warnings.warn(f"{path}: skipped damaged content: {shown}", StoreWarning, stacklevel=4)


class Scan:
    """Where reading an evidence file has got to: what the next bytes are read against.

    A file is read as a whole (:func:`read_file`) or, by the columnar copies of
    :mod:`.jsonl_cache`, as a prefix it has read before and the bytes appended since: feeding
    the two parts to one :class:`Scan` gives exactly what reading the whole file does.
    """

    __slots__ = ("last_seq", "line", "ordered", "problem_count", "problems", "schema", "seen")

    def __init__(self) -> None:
        self.seen: set[str] = set()
        """Statement ids read so far (a repeated id is skipped)."""
        self.schema: Any = None
        """The schema of the last header line (``None``: no header yet)."""
        self.line = 0
        """Complete lines read so far."""
        self.ordered = True
        """Whether the ``seq`` numbers in the raw bytes so far never decrease."""
        self.last_seq: int | None = None
        """The last ``seq`` number in the raw bytes so far."""
        self.problems: list[str] = []
        """The first problems found (at most 5 are kept: the warning shows no more)."""
        self.problem_count = 0
        """How many problems were found."""

    def problem(self, text: str) -> None:
        """Note one problem."""
        self.problem_count += 1
        if len(self.problems) < 5:
            self.problems.append(text)

    def ordered_after(self, data: bytes) -> bool:
        """Take the ``seq`` numbers of ``data`` (the next bytes of the file) into account;
        whether all of them so far are in order."""
        seqs = [int(found) for found in _SEQ_IN_LINE.findall(data)]
        if seqs:
            first_ok = self.last_seq is None or self.last_seq <= seqs[0]
            in_order = all(a <= b for a, b in itertools.pairwise(seqs))
            self.ordered = self.ordered and first_ok and in_order
            self.last_seq = seqs[-1]
        return self.ordered

    def lines(self, data: bytes, *, torn_ok: bool = False) -> Iterator[Statement]:
        """The statements of the complete lines of ``data``, in file order (a torn last line
        is a problem unless ``torn_ok``; it is never read)."""
        lines = data.split(b"\n")
        torn = bool(lines[-1])
        del lines[-1]
        loads = loads_all(data)
        seen = self.seen
        for number, line in enumerate(lines, self.line + 1):
            try:
                item = loads(line)
            except (ValueError, RecursionError):  # RecursionError: nested beyond the parser
                if line.strip():
                    self.problem(f"line {number} is not JSON")
                continue
            if not isinstance(item, dict):
                self.problem(f"line {number} is not a JSON object")
                continue
            if "lessonkit" in item:
                self.schema = item.get("schema")
                if self.schema != SCHEMA_VERSION:
                    self.problem(f"line {number}: unknown schema {self.schema!r}, lines skipped")
                continue
            if self.schema is None:
                self.problem("no header line (statements read anyway)")
                self.schema = SCHEMA_VERSION
            if self.schema != SCHEMA_VERSION:
                continue
            sid = item.get("id")
            if "actor" not in item or sid is None:
                self.problem(f"line {number} is not a statement")
            elif not isinstance(sid, str):
                self.problem(f"line {number}: the statement id is not a string")
            elif sid not in seen:
                seen.add(sid)
                yield item
        self.line += len(lines)
        if torn and not torn_ok:
            self.problem(f"line {self.line + 1} is torn (an interrupted write)")


def seq_key(statement: Statement) -> int:
    """A statement's ``seq`` for sorting: -1 when it has none, and within 64 bits (columnar
    copies sort by it too)."""
    try:
        seq = statement["context"]["extensions"][_SEQ_EXT]
    except (KeyError, TypeError):
        return -1
    return max(-(2**63), min(int(seq), 2**63 - 1)) if isinstance(seq, int) else -1


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


def statement_index(statement: Statement) -> StatementIndex | None:
    """``statement``'s index, or None for a statement lessonkit cannot index."""
    try:
        return index_statement(statement)
    except ValueError:
        return None


def matches(wanted: Filter, statement: Statement) -> bool:
    """Whether ``statement`` is indexable and passes ``wanted``."""
    index = statement_index(statement)
    return index is not None and wanted.matches(index)
