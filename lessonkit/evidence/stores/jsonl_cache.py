"""Columnar copies of JSON-lines evidence files: a class's evidence read in about a second.

Reading a million statements from their JSON-lines files means parsing a gigabyte of JSON,
10-20 s however it is done in Python. :meth:`JsonlStore.frame
<lessonkit.evidence.stores.JsonlStore.frame>` keeps, for each session file it reads, the rows
that file gave as an Arrow IPC file in the reader's own cache folder
(``~/.cache/lessonkit/frames``, or ``$LESSONKIT_HOME/cache/frames``), and reads those instead
of the JSON next time. It needs pyarrow (``pip install 'lessonkit[fast]'``); without it, or
without a private cache folder, the JSON is read as before. The frame is the same either way.

Trust
-----
The evidence files are the truth, and they may belong to the learners (who can edit them); a
copy is only a faster way to read bytes it was made from, never trusted over them:

- **unchanged file** (same device, inode, size, modification and change times as when the copy
  was made, and its last change more than :data:`RACY_NS` before the copy was made): the copy
  is used and the file is not read. The change time (``ctime``) cannot be set back by the
  file's owner, so an edit always shows; a change in the same clock tick as the copy (file
  systems with coarse times) is ruled out by the age test, as git does for its index;
- **anything else** (grown, edited, truncated, replaced, recently changed): the file is read;
  when it still starts with the exact bytes the copy covers (their SHA-256), only what was
  appended since is parsed and added; otherwise the whole file is parsed again.

A copy covers complete lines only: a torn last line (a crash mid-append) is reported as the
reader reports it and never enters a copy, and the writer cuts it off before appending. Copies
are written to a temporary file and renamed into place, so a reader never sees half of one; a
copy that cannot be read is made again. Nothing here touches the evidence files, so the
learner's appends cost the same with or without copies.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

from ...lesson.usercache import is_private, private_folder
from ..frame import ROW_COLUMNS, columns_to_frame, gc_paused, rows_to_frame, statement_row
from ..index import index_statement
from .base import Filter
from .jsonl_format import Scan, read_file, seq_key, session_files, warn_damage, warn_unreadable

__all__ = ["RACY_NS", "available", "read_frame"]

RACY_NS = 3_000_000_000
"""A file changed less than this long (ns) before its copy was made is read again to check."""
FORMAT = 1
_META = b"lessonkit-frame"
_HIDDEN = ("_key", "_ix_learner", "_ix_lesson")
"""Extra columns of a copy: the ``seq`` rows sort by, and (when ``indexed``) the learner and
lesson the store's read filters compare (NA when the statement cannot be indexed)."""


def available() -> bool:
    """Whether pyarrow is installed (copies are made and read only then)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


class _Entry:
    """A copy as read back: its rows (in the order the store gives them) and its record."""

    def __init__(self, table: Any, meta: dict[str, Any]) -> None:
        self.table, self.meta = table, meta

    def same_file(self, info: os.stat_result, now: int) -> bool:
        """Whether the file is, beyond doubt, still the one the copy was made from."""
        m = self.meta
        return (
            (m["dev"], m["ino"], m["size"], m["mtime_ns"], m["ctime_ns"])
            == (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
            and m["built_ns"] - max(info.st_mtime_ns, info.st_ctime_ns) > RACY_NS
            and m["built_ns"] <= now
        )

    def scan(self) -> Scan:
        """The reading state after the bytes the copy covers."""
        scan, saved = Scan(), self.meta["scan"]
        scan.schema, scan.line = saved["schema"], saved["line"]
        scan.ordered, scan.last_seq = saved["ordered"], saved["last_seq"]
        scan.problems, scan.problem_count = list(saved["problems"]), saved["problem_count"]
        scan.seen = set(self.table.column("id").to_pylist())
        return scan


class _Work:
    """One file being read now: the rows it adds, and the record of its new copy."""

    __slots__ = ("base", "key", "meta", "path", "rows", "table")

    def __init__(self, path: Path, key: Path) -> None:
        self.path, self.key = path, key
        self.base: Any = None
        """The rows of the older copy the new rows follow (the file only grew)."""
        self.rows: list[tuple[Any, ...]] = []
        self.meta: dict[str, Any] = {}
        self.table: Any = None


def read_frame(root: Path, wanted: Filter) -> Any:
    """The analysis frame (:func:`~lessonkit.evidence.frame.statements_frame`) of the
    statements of the store at ``root`` that match ``wanted``, through the copies.

    ``None`` when copies cannot be used: pyarrow is missing, there is no private cache folder,
    or a filter other than a learner's name and a lesson is given.
    """
    if wanted.home is not None or wanted.registration is not None or wanted.since is not None:
        return None
    folder = private_folder("frames") if available() else None
    if folder is None:
        return None
    import pyarrow as pa

    indexed = wanted.learner is not None or wanted.lesson is not None
    parts: list[Any] = []
    pending: list[_Work] = []
    with gc_paused():
        for path in session_files(root, wanted):
            part = _copy_or_work(path, folder, indexed)
            if isinstance(part, _Work):
                pending.append(part)
            if part is not None:
                parts.append(part)
        _build(pending)
    tables = [part.table if isinstance(part, _Work) else part for part in parts]
    if not tables:
        return rows_to_frame([], targets=True)
    table = pa.concat_tables(tables)
    if indexed:
        table = table.filter(_mask(table, wanted))
    return _to_frame(table.select(list(ROW_COLUMNS)))


def _copy_or_work(path: Path, folder: Path, indexed: bool) -> Any:
    """The rows of one file: its copy's table, a :class:`_Work` to finish, or ``None``."""
    digest = hashlib.sha256(os.fsencode(path)).hexdigest()
    work = _Work(path, folder / digest[:2] / f"{digest[2:40]}.arrow")
    now = time.time_ns()
    try:
        info = os.lstat(path)
    except OSError:
        info = None
    if info is None or not stat.S_ISREG(info.st_mode):
        for _ in read_file(path):  # says why, as a plain read does; a non-file gives nothing
            pass
        return None
    entry = _load(work.key, str(path))
    if entry is not None and not entry.meta["indexed"] and indexed:
        entry = None  # made without the columns this read filters on
    if entry is not None and entry.same_file(info, now):
        meta = entry.meta
        warn_damage(path, meta["problems_out"], meta["problem_count_out"])
        return _sorted(entry.table) if _sort_out(meta) else entry.table
    try:
        info, data = _read(path)
    except OSError as exc:
        warn_unreadable(path, exc)
        return None
    _parse(work, entry, info, data, now=now, indexed=indexed)
    return work


def _read(path: Path) -> tuple[os.stat_result, bytes]:
    """A regular file's status (taken before reading it) and its bytes; a link is refused."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    with open(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return info, handle.read()


def _parse(
    work: _Work, entry: _Entry | None, info: os.stat_result, data: bytes, *, now: int, indexed: bool
) -> None:
    """Read a file's bytes: only those after a copy's prefix when the file still starts with
    exactly that prefix, else all of them; record what its new copy covers."""
    end = data.rfind(b"\n") + 1  # complete lines only: a torn last line is never kept
    view = memoryview(data)
    covered, scan, digest = 0, Scan(), hashlib.sha256()
    if entry is not None and entry.meta["covered"] <= end:
        prefix = entry.meta["covered"]
        digest.update(view[:prefix])
        if digest.hexdigest() == entry.meta["digest"]:
            covered, scan, work.base = prefix, entry.scan(), entry.table
        else:
            digest = hashlib.sha256()  # the file changed: read from its start
    digest.update(view[covered:end])
    fresh = data[covered:end]
    scan.ordered_after(fresh)
    for statement in scan.lines(fresh):
        work.rows.append(
            (*statement_row(statement), seq_key(statement), *_index(statement, indexed))
        )
    rest = data[end:]
    problems, count = list(scan.problems), scan.problem_count
    if rest:
        count += 1
        if len(problems) < 5:
            problems.append(f"line {scan.line + 1} is torn (an interrupted write)")
    after = Scan()
    after.last_seq = scan.last_seq
    work.meta = {
        "format": FORMAT,
        "path": str(work.path),
        "dev": info.st_dev,
        "ino": info.st_ino,
        "size": info.st_size,
        "mtime_ns": info.st_mtime_ns,
        "ctime_ns": info.st_ctime_ns,
        "built_ns": now,
        "covered": end,
        "digest": digest.hexdigest(),
        "indexed": indexed,
        "scan": {
            "schema": scan.schema,
            "line": scan.line,
            "ordered": scan.ordered,
            "last_seq": scan.last_seq,
            "problems": scan.problems,
            "problem_count": scan.problem_count,
        },
        "rest_ordered": after.ordered_after(rest),
        "problems_out": problems,
        "problem_count_out": count,
    }
    warn_damage(work.path, problems, count)


def _sort_out(meta: dict[str, Any]) -> bool:
    """Whether this read must sort a copy kept in file order: the covered lines are in order
    but a torn last line breaks it (the whole file's order decides, as in a plain read)."""
    return bool(meta["scan"]["ordered"]) and not meta["rest_ordered"]


def _index(statement: Any, indexed: bool) -> tuple[Any, Any]:
    """The learner and lesson the store's filters compare (``None``: not indexable)."""
    if not indexed:
        return None, None
    try:
        index = index_statement(statement)
    except ValueError:
        return None, None
    return index.learner, index.lesson


def _build(pending: list[_Work]) -> None:
    """Turn the new rows of every file read into Arrow (one frame for all: its values are
    converted one by one), finish each file's rows and keep its copy."""
    import pyarrow as pa

    rows = [row for work in pending for row in work.rows]
    counts = [len(work.rows) for work in pending]
    for work in pending:
        work.rows = []
    table = _arrow(rows)
    offset = 0
    for work, count in zip(pending, counts, strict=True):
        new = table.slice(offset, count)
        offset += count
        whole = new if work.base is None else pa.concat_tables([work.base, new])
        if not work.meta["scan"]["ordered"]:
            whole = _sorted(whole)
        work.meta["rows"] = whole.num_rows
        _store(work.key, whole, work.meta)
        work.table = _sorted(whole) if _sort_out(work.meta) else whole


def _schema() -> Any:
    import pyarrow as pa

    text, flag = pa.large_string(), pa.bool_()
    types: dict[str, Any] = dict.fromkeys(ROW_COLUMNS, text)
    types["timestamp"] = pa.timestamp("us", tz="UTC")
    for name in ("score_raw", "score_min", "score_max", "score_scaled", "duration_s"):
        types[name] = pa.float64()
    for name in ("mastery_before", "mastery_after"):
        types[name] = pa.float64()
    for name in ("attempt", "hints", "variant_seed", "seq", "_key"):
        types[name] = pa.int64()
    types["success"] = types["completion"] = flag
    types["_ix_learner"] = types["_ix_lesson"] = text
    return pa.schema([(name, types[name]) for name in (*ROW_COLUMNS, *_HIDDEN)])


def _arrow(rows: list[tuple[Any, ...]]) -> Any:
    """The Arrow table of rows of :data:`ROW_COLUMNS` values plus the hidden ones."""
    import pyarrow as pa

    width = len(ROW_COLUMNS)
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [()] * (width + 3)
    rows.clear()
    frame = columns_to_frame(columns[:width], targets=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.append_column("_key", pa.array(columns[width], type=pa.int64()))
    for name, values in zip(_HIDDEN[1:], columns[width + 1 :], strict=True):
        table = table.append_column(name, pa.array(values, type=pa.large_string()))
    return table.cast(_schema())


def _mask(table: Any, wanted: Filter) -> Any:
    import pyarrow.compute as pc

    tests = [
        pc.equal(table.column(column), value)
        for column, value in (("_ix_learner", wanted.learner), ("_ix_lesson", wanted.lesson))
        if value is not None
    ]
    keep = tests[0] if len(tests) == 1 else pc.and_(*tests)
    return pc.fill_null(keep, False)


def _sorted(table: Any) -> Any:
    """Rows in ``seq`` order; rows with equal numbers keep their order (a stable sort)."""
    import pyarrow.compute as pc

    return table.take(pc.sort_indices(table, sort_keys=[("_key", "ascending")]))


def _to_frame(table: Any) -> Any:
    """Arrow rows as the frame :func:`~lessonkit.evidence.frame.rows_to_frame` makes."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    text = pd.StringDtype("pyarrow", na_value=np.nan)
    types = {pa.large_string(): text, pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
    return table.to_pandas(types_mapper=types.get)


def _load(key: Path, path: str) -> _Entry | None:
    """The copy at ``key`` if it is ours, whole, and made from ``path``; else ``None``."""
    import pyarrow as pa
    from pyarrow import ipc

    if not is_private(key):
        return None
    try:
        reader = ipc.open_file(pa.memory_map(str(key)))
        meta = json.loads(reader.schema.metadata[_META])
        if meta.get("format") != FORMAT or meta.get("path") != path:
            return None
        table = reader.read_all().replace_schema_metadata(None)
        if table.schema != _schema() or table.num_rows != meta["rows"]:
            return None
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        return None
    return _Entry(table, meta)


def _store(key: Path, table: Any, meta: dict[str, Any]) -> None:
    """Keep a copy (written aside, then renamed into place); a cache that cannot be written
    is no error: the next read parses again."""
    import pyarrow as pa
    from pyarrow import ipc

    tmp = ""
    try:
        key.parent.mkdir(mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=key.parent, prefix=".tmp-", suffix=".arrow")
        os.close(fd)
        schema = table.schema.with_metadata({_META: json.dumps(meta).encode()})
        with pa.OSFile(tmp, "wb") as sink, ipc.new_file(sink, schema) as writer:
            writer.write_table(table.replace_schema_metadata(schema.metadata))
        os.replace(tmp, key)
    except (OSError, pa.ArrowException):
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
