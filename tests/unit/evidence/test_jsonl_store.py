"""The JSON-lines store: layout, header, one writer per file, repair of a torn tail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lessonkit.errors import StorageError
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.stores import JsonlStore, StoreWarning
from lessonkit.evidence.stores.jsonl import SCHEMA_VERSION, learner_key

from .samples import ADA, session_statements


def only_file(root: Path) -> Path:
    (path,) = root.rglob("*.jsonl")
    return path


def test_one_file_per_learner_and_session_with_a_header(tmp_path: Path) -> None:
    statements = session_statements(3)
    registration = statements[0]["context"]["registration"]
    with JsonlStore(tmp_path) as store:
        store.append(statements)
        path = store.path_for("python-loops", ADA, registration)
    assert path == tmp_path / "python-loops" / learner_key(ADA) / f"{registration}.jsonl"
    lines = path.read_bytes().splitlines()
    header = json.loads(lines[0])
    assert header["lessonkit"] == "evidence"
    assert header["schema"] == SCHEMA_VERSION
    assert (header["lesson"], header["registration"]) == ("python-loops", registration)
    assert header["learner"] == {"name": "ada", "homePage": "https://hub.example.org/"}
    assert [json.loads(line) for line in lines[1:]] == statements
    assert all(b"\n" not in line for line in lines)  # one statement per line


def test_learner_keys_are_safe_and_distinct() -> None:
    refs = [
        LearnerRef(id="Ada"),
        LearnerRef(id="ada"),
        LearnerRef(id="ada", home_page="https://hub.example.org/"),
        LearnerRef(id="../../etc/passwd"),
        LearnerRef(id="名前 with spaces/and:colons"),
        LearnerRef(id="x" * 500),
    ]
    keys = [learner_key(r) for r in refs]
    assert len({k.lower() for k in keys}) == len(keys)  # distinct even case-insensitively
    for key in keys:
        assert len(key) <= 60
        assert all(c.isascii() and (c.isalnum() or c in "_-") for c in key), key
    assert keys[1].startswith("ada-")


def test_unsafe_lesson_ids_and_learners_stay_inside_the_root(tmp_path: Path) -> None:
    evil = LearnerRef(id="../../../escape")
    statements = session_statements(2, learner=evil, lesson="../../up")
    with JsonlStore(tmp_path / "root") as store:
        store.append(statements)
        assert list(store.read(learner=evil)) == statements
        assert list(store.read(lesson="../../up")) == statements
    assert [p.parent.parent.parent for p in (tmp_path / "root").rglob("*.jsonl")] == [
        tmp_path / "root"
    ]


def test_one_writer_per_file(tmp_path: Path) -> None:
    statements = session_statements(4)
    with JsonlStore(tmp_path) as first, JsonlStore(tmp_path) as second:
        first.append(statements[:2])
        with pytest.raises(StorageError, match="being written by another process"):
            second.append(statements[2:])
        other = session_statements(1)  # another session: no conflict
        second.append(other)
    with JsonlStore(tmp_path) as third:  # the first writer closed: the file is free
        third.append(statements[2:])
        assert len(list(third.read(registration=statements[0]["context"]["registration"]))) == 4


def test_the_lock_is_held_across_processes(tmp_path: Path) -> None:
    statements = session_statements(2)
    code = (
        "import sys, json; from lessonkit.evidence.stores import JsonlStore\n"
        "s = JsonlStore(sys.argv[1]); s.append([json.loads(sys.argv[2])])\n"
        "print('ready', flush=True); sys.stdin.readline()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path), json.dumps(statements[0])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with JsonlStore(tmp_path) as mine, pytest.raises(StorageError, match="another process"):
            mine.append(statements[1:])
    finally:
        holder.communicate("\n", timeout=30)
    with JsonlStore(tmp_path) as mine:
        mine.append(statements[1:])
        assert list(mine.read()) == statements


def test_reopening_skips_statements_already_written(tmp_path: Path) -> None:
    statements = session_statements(5)
    with JsonlStore(tmp_path) as store:
        store.append(statements[:3])
    with JsonlStore(tmp_path) as store:
        store.append(statements)  # a resumed writer retries everything
    lines = only_file(tmp_path).read_bytes().splitlines()
    assert len(lines) == 1 + 5


def test_a_torn_tail_is_cut_off_by_the_next_writer(tmp_path: Path) -> None:
    statements = session_statements(4)
    with JsonlStore(tmp_path) as store:
        store.append(statements[:2])
    path = only_file(tmp_path)
    whole = path.read_bytes()
    path.write_bytes(whole + json.dumps(statements[2]).encode()[:37])  # a crash mid-write
    with pytest.warns(StoreWarning, match="torn"):
        assert list(JsonlStore(tmp_path).read()) == statements[:2]
    with (
        JsonlStore(tmp_path) as store,
        pytest.warns(StoreWarning, match="cut off a torn last line"),
    ):
        store.append(statements[2:])
    assert path.read_bytes().startswith(whole)
    assert list(JsonlStore(tmp_path).read()) == statements  # no warning any more


def test_a_torn_header_is_replaced(tmp_path: Path) -> None:
    statements = session_statements(2)
    with JsonlStore(tmp_path) as store:
        store.append(statements[:1])
    path = only_file(tmp_path)
    path.write_bytes(path.read_bytes()[:20])  # the crash tore the header itself
    with JsonlStore(tmp_path) as store, pytest.warns(StoreWarning, match="torn"):
        store.append(statements)
    assert json.loads(path.read_bytes().splitlines()[0])["schema"] == SCHEMA_VERSION
    assert list(JsonlStore(tmp_path).read()) == statements


def test_a_file_of_a_newer_schema_is_never_appended_to(tmp_path: Path) -> None:
    statements = session_statements(2)
    with JsonlStore(tmp_path) as store:
        store.append(statements[:1])
    path = only_file(tmp_path)
    before = path.read_bytes().replace(b'"schema": 1', b'"schema": 2')
    path.write_bytes(before)
    with JsonlStore(tmp_path) as store, pytest.raises(StorageError, match="schema 2"):
        store.append(statements[1:])
    assert path.read_bytes() == before


def test_many_sessions_with_few_open_files(tmp_path: Path) -> None:
    sessions = [session_statements(3) for _ in range(10)]
    with JsonlStore(tmp_path, max_open=3, fsync=False) as store:
        for i in range(3):
            for statements in sessions:
                store.append([statements[i]])
        assert len(store._writers) <= 3
    with JsonlStore(tmp_path) as store:
        assert sorted(s["id"] for s in store.read()) == sorted(
            s["id"] for statements in sessions for s in statements
        )


def test_a_dropped_store_releases_its_files_and_the_session_resumes(tmp_path: Path) -> None:
    """A store nobody closed (an exception, a forgotten ``close()``) lets go of its locks
    once it is garbage-collected: the same process resumes the session, losing nothing."""
    import gc

    import lessonkit as lk
    from lessonkit.evidence import statement_to_event

    from .lessons import right_answer, variant_lesson

    lesson = variant_lesson(3)
    store = JsonlStore(tmp_path)
    session = lk.LessonSession(lesson, learner="ada", store=store, secret=b"course secret 0123")
    session.start()
    session.submit(right_answer(session))
    registration = session.registration
    answered = [e for e in session.events if e.kind == "answered"]
    del session, store  # dropped without close()
    gc.collect()

    with JsonlStore(tmp_path) as again:
        events = [statement_to_event(s) for s in again.read(registration=registration)]
        assert [e.seq for e in events if e.kind == "answered"] == [e.seq for e in answered]
        resumed = lk.LessonSession.resume(
            lesson, events, store=again, secret=b"course secret 0123"
        )  # writes its "resumed" event: the file must be free
        assert resumed.current_id == "q0"
        resumed.advance()
        resumed.submit(right_answer(resumed))
        kinds = [statement_to_event(s).kind for s in again.read(registration=registration)]
    assert kinds.count("resumed") == 1 and kinds.count("answered") == 2
