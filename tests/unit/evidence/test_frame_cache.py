"""Columnar copies of JSON-lines files: the same frame as reading the JSON, whatever happened.

Every test compares ``JsonlStore.frame()`` (through the copies) with the frame of a plain
``read()`` of the same files, and the warnings each gives, after appends, crashes mid-append,
edits by the file's owner (even ones that keep the size and modification time), truncation,
damaged copies and copies that are not the reader's own.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.frame import statements_frame
from lessonkit.evidence.stores import JsonlStore, jsonl_cache

from .samples import session_statements

pytest.importorskip("pyarrow", reason="the columnar copies need pyarrow (lessonkit[fast])")

BOB = LearnerRef(id="bob", home_page="https://hub.example.org/")


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A cache folder of each test's own."""
    home = tmp_path / "home"
    monkeypatch.setenv("LESSONKIT_HOME", str(home))
    yield home / "cache" / "frames"


def plain(root: Path, **filters: Any) -> tuple[pd.DataFrame, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = statements_frame(JsonlStore(root, create=False).read(**filters))
    return frame, sorted(str(w.message) for w in caught)


def cached(root: Path, **filters: Any) -> tuple[pd.DataFrame, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = JsonlStore(root, create=False).frame(**filters)
    return frame, sorted(str(w.message) for w in caught)


def same(root: Path, **filters: Any) -> pd.DataFrame:
    """The frame through the copies equals the plain one, warnings included."""
    expected, said = plain(root, **filters)
    got, told = cached(root, **filters)
    pd.testing.assert_frame_equal(got, expected)
    assert told == said
    return got


def write(root: Path, statements: list[dict[str, Any]]) -> Path:
    with JsonlStore(root, fsync=False) as store:
        store.append(statements)
    return store.path_for(
        statements[0]["context"]["extensions"]["https://lessonkit.org/xapi/ext/event"]["lesson"],
        LearnerRef(
            id=statements[0]["actor"]["account"]["name"],
            home_page=statements[0]["actor"]["account"]["homePage"],
        ),
        statements[0]["context"]["registration"],
    )


def copies(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.arrow")) if folder.exists() else []


def trust_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a copy be trusted on its file's status at once (no "recently changed" re-check),
    so that the tests see what the status alone decides."""
    monkeypatch.setattr(jsonl_cache, "RACY_NS", -(10**12))


def test_first_read_makes_copies_and_the_next_reads_them(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    write(root, session_statements(30))
    write(root, session_statements(12, learner=BOB))
    first = same(root)
    assert len(first) == 42 and len(copies(own_cache)) == 2
    trust_at_once(monkeypatch)
    same(root)
    same(root)  # copies now made "long ago": read without the JSON
    reads: list[Path] = []
    real = jsonl_cache._read
    monkeypatch.setattr(jsonl_cache, "_read", lambda p: reads.append(p) or real(p))
    same(root)
    assert reads == []  # nothing parsed: both files unchanged


def test_appends_are_parsed_alone_and_added(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    statements = session_statements(40)
    path = write(root, statements[:25])
    same(root)
    trust_at_once(monkeypatch)
    write(root, statements[25:])
    parsed: list[int] = []
    real = jsonl_cache.Scan.lines

    def counting(self: Any, data: bytes, **kw: Any) -> Iterator[dict[str, Any]]:
        parsed.append(data.count(b"\n"))
        return real(self, data, **kw)

    monkeypatch.setattr(jsonl_cache.Scan, "lines", counting)
    frame = same(root)
    assert len(frame) == 40
    assert parsed == [41, 15]  # the plain read parses all 41 lines; the copy's, the 15 new
    assert path.exists()


def test_a_torn_last_line_is_reported_and_never_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    statements = session_statements(20)
    path = write(root, statements[:10])
    line = json.dumps(statements[10], separators=(",", ":")).encode()
    with open(path, "ab") as out:  # a crash in the middle of an append
        out.write(line[: len(line) // 2])
    same(root)
    trust_at_once(monkeypatch)
    frame = same(root)  # the copy is trusted; the torn line is still reported
    assert len(frame) == 10
    with pytest.warns(UserWarning, match="torn"):
        write(root, statements[10:])  # the next writer cuts the torn line off, then appends
    assert len(same(root)) == 20


def test_a_torn_line_out_of_order_sorts_the_whole_file_as_a_plain_read_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    statements = session_statements(6)
    del statements[4]["context"]["extensions"]["https://lessonkit.org/xapi/ext/seq"]
    path = write(root, statements)  # in order by the numbers written; one has none
    with open(path, "ab") as out:
        out.write(b'{"id": "t", "context": {"extensions": {"%s": 0' % SEQ)
    assert same(root)["seq"].isna().iloc[0]  # sorted: the statement without a number first
    trust_at_once(monkeypatch)
    assert same(root)["seq"].isna().iloc[0]


def test_an_edit_that_keeps_size_and_modification_time_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    path = write(root, session_statements(24))
    same(root)
    trust_at_once(monkeypatch)
    before = os.stat(path)
    data = path.read_bytes()
    forged = data.replace(b'mastery-after":0.97', b'mastery-after":0.99', 1)
    assert forged != data and len(forged) == len(data)
    path.write_bytes(forged)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # the owner can do this
    frame = same(root)
    assert 0.99 in set(frame["mastery_after"].dropna())


def test_truncation_and_rewrites_are_read_again_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    statements = session_statements(30)
    path = write(root, statements)
    same(root)
    trust_at_once(monkeypatch)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:12]))  # shorter than the copy covers
    assert len(same(root)) == 11
    # the prefix changed (a line dropped) and the file grew past the old copy's length
    path.write_bytes(b"".join(lines[:3] + lines[4:] + [lines[3]]))
    assert len(same(root)) == 30
    with open(path, "ab") as out:  # the copy made of the rewritten file serves the next append
        out.write(json.dumps(session_statements(1)[0]).encode() + b"\n")
    parsed: list[int] = []
    real = jsonl_cache.Scan.lines
    monkeypatch.setattr(
        jsonl_cache.Scan,
        "lines",
        lambda self, data: parsed.append(data.count(b"\n")) or real(self, data),
    )
    assert len(same(root)) == 31
    assert parsed == [32, 1]


def test_a_file_replaced_by_another_is_not_mistaken_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    statements = session_statements(10)
    path = write(root, statements)
    same(root)
    trust_at_once(monkeypatch)
    other = path.with_name("other.tmp")
    text = path.read_bytes().replace(b'mastery-after":0.97', b'mastery-after":0.11')
    other.write_bytes(text)
    before = os.stat(path)
    os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(other, path)
    assert 0.11 in set(same(root)["mastery_after"].dropna())


def test_an_id_already_read_is_not_read_again_from_an_append(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    statements = session_statements(12)
    path = write(root, statements)
    same(root)
    trust_at_once(monkeypatch)
    with open(path, "ab") as out:  # another tool appends a statement already in the file
        out.write(json.dumps(statements[3]).encode() + b"\n")
    assert len(same(root)) == 12


def test_filters_by_lesson_and_learner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "store"
    write(root, session_statements(9))
    write(root, session_statements(7, learner=BOB))
    write(root, session_statements(5, lesson="other"))
    same(root)  # unfiltered copies first: filtered reads must make their own
    for filters in ({"lesson": "python-loops"}, {"learner": "bob"}, {"lesson": "other"}):
        same(root, **filters)
    trust_at_once(monkeypatch)
    assert len(same(root, lesson="python-loops", learner="bob")) == 7
    assert len(same(root, learner="nobody")) == 0


def test_damaged_or_foreign_copies_are_never_read(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "store"
    path = write(root, session_statements(10))
    same(root)
    trust_at_once(monkeypatch)
    (copy,) = copies(own_cache)
    copy.write_bytes(copy.read_bytes()[:-100])  # a half-written copy
    same(root)
    (copy,) = copies(own_cache)
    copy.chmod(0o666)  # anyone could have written it
    same(root)
    assert copy.stat().st_mode & 0o777 == 0o600  # made again, the reader's own
    assert path.exists()


def test_without_pyarrow_the_json_is_read(tmp_path: Path, own_cache: Path) -> None:
    root = tmp_path / "store"
    write(root, session_statements(8))
    saved = sys.modules.get("pyarrow")
    sys.modules["pyarrow"] = None  # type: ignore[assignment]
    try:
        assert not jsonl_cache.available()
        same(root)
    finally:
        if saved is not None:
            sys.modules["pyarrow"] = saved
    assert copies(own_cache) == []


def test_without_a_private_cache_folder_the_json_is_read(tmp_path: Path, own_cache: Path) -> None:
    root = tmp_path / "store"
    write(root, session_statements(8))
    own_cache.parent.mkdir(parents=True)
    own_cache.parent.chmod(0o777)  # a cache folder others can write: not used
    own_cache.mkdir(mode=0o777)
    own_cache.chmod(0o777)
    same(root)
    assert copies(own_cache) == []


# A session file grown chunk by chunk with anything a file can hold: good lines, repeated ids,
# sequence numbers out of order, garbage, headers of other schemas, torn lines.
SEQ = b"https://lessonkit.org/xapi/ext/seq"
GARBAGE = [b"{nope\n", b"[1]\n", b'{"a": 1}\n']
SEQ = b"https://lessonkit.org/xapi/ext/seq"
GARBAGE = [b"{nope\n", b"[1]\n", b'{"a": 1}\n']
_CHUNK = st.lists(
    st.one_of(
        st.tuples(st.just("statement"), st.integers(-3, 40), st.booleans()),
        st.tuples(st.just("garbage"), st.sampled_from(GARBAGE), st.none()),
        st.tuples(st.just("header"), st.sampled_from([1, 2]), st.none()),
        st.tuples(st.just("torn"), st.integers(-3, 40), st.booleans()),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(chunks=st.lists(_CHUNK, min_size=1, max_size=5), trust=st.booleans())
def test_any_history_of_a_file_reads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunks: list[Any], trust: bool
) -> None:
    run = tmp_path / uuid.uuid4().hex
    monkeypatch.setenv("LESSONKIT_HOME", str(run / "home"))
    if trust:
        trust_at_once(monkeypatch)
    root = run / "store"
    template = session_statements(1)[0]
    path = write(root, [template])
    data = path.read_bytes()
    for chunk in chunks:
        for kind, value, flag in chunk:
            if kind == "statement":
                statement = json.loads(json.dumps(template))
                statement["id"] = str(uuid.UUID(int=value % 3 if flag else uuid.uuid4().int))
                extensions = statement["context"]["extensions"]
                extensions["https://lessonkit.org/xapi/ext/seq"] = value
                if value == -3:  # no sequence number at all (a statement of another tool)
                    del extensions["https://lessonkit.org/xapi/ext/seq"]
                data += json.dumps(statement).encode() + b"\n"
            elif kind == "garbage":
                data += value
            elif kind == "header":
                data += json.dumps({"lessonkit": "evidence", "schema": value}).encode() + b"\n"
            elif flag:  # torn inside a statement whose sequence number was written
                data += b'{"id": "t", "context": {"extensions": {"%s": %d' % (SEQ, value)
            else:
                data += b'{"id": "torn'
        path.write_bytes(data)
        same(root)
        if not data.endswith(b"\n"):
            data = data[: data.rfind(b"\n") + 1]  # the next writer cuts it off
