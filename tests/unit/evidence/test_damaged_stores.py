"""Damaged stores: read back what is readable, warn, never raise."""

from __future__ import annotations

import json
import sqlite3
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lessonkit.errors import StorageError
from lessonkit.evidence.stores import JsonlStore, StoreWarning, open_store

from .samples import session_statements


def write_session(root: Path, n: int = 6) -> tuple[Path, list[dict[str, object]]]:
    statements = session_statements(n)
    with JsonlStore(root) as store:
        store.append(statements)
    (path,) = root.rglob("*.jsonl")
    return path, statements


def read_quietly(root: Path) -> tuple[list[dict[str, object]], list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = list(JsonlStore(root).read())
    return got, caught


def test_truncated_file_at_every_offset_reads_the_whole_lines(tmp_path: Path) -> None:
    path, statements = write_session(tmp_path, 4)
    data = path.read_bytes()
    ends = [i + 1 for i, b in enumerate(data) if b == ord("\n")]
    for cut in range(len(data) + 1):
        path.write_bytes(data[:cut])
        got, caught = read_quietly(tmp_path)
        complete = sum(1 for end in ends if end <= cut) - 1  # minus the header
        assert got == statements[: max(0, complete)], cut
        torn = cut not in ends and cut != 0
        assert bool(caught) == torn, cut
        assert all(issubclass(w.category, StoreWarning) for w in caught)


def test_garbage_lines_are_skipped_with_one_warning(tmp_path: Path) -> None:
    path, statements = write_session(tmp_path, 4)
    lines = path.read_bytes().splitlines(keepends=True)
    damaged = [
        lines[0],
        lines[1],
        b"\x00\xff garbage \xfe\n",
        b"[1, 2, 3]\n",
        b'{"no": "statement"}\n',
        lines[2],
        b"\n",
        b"{half a json\n",
        b"[" * 100_000 + b"\n",  # an edited line nested beyond the parser's recursion limit
        lines[3],
        lines[3],  # a duplicate
        lines[4],
    ]
    path.write_bytes(b"".join(damaged))
    with pytest.warns(StoreWarning) as record:
        got = list(JsonlStore(tmp_path).read())
    assert got == statements
    assert len(record) == 1
    message = str(record[0].message)
    for expected in ("line 3 is not JSON", "not a JSON object", "not a statement", "line 8"):
        assert expected in message
    assert "line 9" in message
    with JsonlStore(tmp_path) as store:  # appending reads the ids already there
        store.append(statements[:1])
    assert path.read_bytes().endswith(lines[4])  # a known id: nothing written


def test_unknown_schema_versions_are_skipped(tmp_path: Path) -> None:
    path, statements = write_session(tmp_path, 4)
    lines = path.read_bytes().splitlines(keepends=True)
    future_header = json.dumps({"lessonkit": "evidence", "schema": 99}).encode() + b"\n"
    back_header = lines[0]
    path.write_bytes(b"".join([lines[0], lines[1], future_header, lines[2], back_header, lines[3]]))
    with pytest.warns(StoreWarning, match="unknown schema 99"):
        got = list(JsonlStore(tmp_path).read())
    assert got == [statements[0], statements[2]]  # the line under the v99 header is skipped


def test_a_file_without_header_is_read_with_a_warning(tmp_path: Path) -> None:
    path, statements = write_session(tmp_path, 3)
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[1:]))
    with pytest.warns(StoreWarning, match="no header line"):
        assert list(JsonlStore(tmp_path).read()) == statements


def test_unreadable_entries_do_not_stop_the_read(tmp_path: Path) -> None:
    path, statements = write_session(tmp_path, 3)
    (path.parent / "00000000-0000-0000-0000-000000000000.jsonl").mkdir()  # not a file
    (path.parent / "empty.jsonl").write_bytes(b"")
    (tmp_path / "stray-file.txt").write_text("hello")
    with pytest.warns(StoreWarning, match="cannot be read"):
        assert list(JsonlStore(tmp_path).read()) == statements


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.integers(0, 10_000),
    junk=st.lists(st.tuples(st.integers(0, 20), st.binary(max_size=40)), max_size=4),
)
def test_random_damage_never_raises(
    tmp_path: Path, cut: int, junk: list[tuple[int, bytes]]
) -> None:
    root = tmp_path / f"r{cut}-{len(junk)}-{abs(hash(tuple(junk))) % 10**8}"
    path, statements = write_session(root, 5)
    lines = path.read_bytes().splitlines(keepends=True)
    for position, blob in junk:
        lines.insert(min(position, len(lines)), blob.replace(b"\n", b"") + b"\n")
    data = b"".join(lines)
    path.write_bytes(data[: cut % (len(data) + 1)])
    got, caught = read_quietly(root)
    ids = [s["id"] for s in statements]
    assert all(s in statements for s in got)  # nothing invented
    assert [s["id"] for s in got] == [i for i in ids if i in {s["id"] for s in got}]
    assert all(issubclass(w.category, StoreWarning) for w in caught)


def test_sqlite_row_with_broken_json_is_skipped(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    statements = session_statements(3)
    with open_store(f"sqlite:///{db}") as store:
        store.append(statements)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE lessonkit_statements SET statement = '{broken' WHERE id = ?",
            (statements[1]["id"],),
        )
    with open_store(f"sqlite:///{db}") as store, pytest.warns(StoreWarning, match="not valid JSON"):
        assert list(store.read()) == [statements[0], statements[2]]


def test_sqlite_of_a_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    with open_store(f"sqlite:///{db}") as store:
        store.append(session_statements(1))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE lessonkit_meta SET value = '2' WHERE key = 'schema'")
    with pytest.raises(StorageError, match=r"schema '2'.*upgrade lessonkit"):
        open_store(f"sqlite:///{db}")


def test_sqlite_file_that_is_not_a_database(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    db.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    with pytest.raises(StorageError, match="cannot open evidence database"):
        open_store(f"sqlite:///{db}")
