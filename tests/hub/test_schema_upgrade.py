"""Upgrading the service database, on SQLite and on a real PostgreSQL.

A database the service wrote before lessonkit had migrations (``data/before-migrations``) is
upgraded by
``lessonkit hub upgrade-db`` without losing or changing a row, and the service then serves it;
``--dry-run`` and ``--sql`` change nothing, and the SQL printed is the upgrade; the migrations
build exactly the tables the code declares; replicas starting together migrate once; other
administration commands refuse an old database; a newer lessonkit's database is refused.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lessonkit.cli import main
from lessonkit.errors import StorageError
from lessonkit.evidence.stores import sql as store_sql
from lessonkit.grading import regrade
from lessonkit.hub import db, schema
from lessonkit.hub.config import load_config
from lessonkit.hub.ledger import Ledger
from lessonkit.lesson.loader import load_lesson
from lessonkit.lti import store as lti_store

from . import previous
from .harness import LESSON, ThreadedService, write_config
from .test_service_api import learner_session

pytestmark = pytest.mark.integration

KEY = load_lesson(LESSON)
Url = Callable[[], str]


@pytest.fixture(params=["sqlite", "postgresql"])
def new_url(request: pytest.FixtureRequest, tmp_path: Path) -> Url:
    """Makes the URL of a new, empty database of the dialect."""

    def make() -> str:
        name = "lk_" + uuid.uuid4().hex[:12]
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path / name}.db"
        return str(request.getfixturevalue("pg_server").url(name))

    return make


def old_database(new_url: Url) -> str:
    url = new_url()
    previous.load(url)
    return url


def has_version_table(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return sa.inspect(conn).has_table(schema.VERSION_TABLE)
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def differences(url: str) -> list[Any]:
    """What alembic's comparison finds between the database and the tables the code declares
    (every table of the database but the version table: one more or one fewer is a difference)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    declared = sa.MetaData()
    for metadata in (store_sql.metadata, db.metadata, lti_store.metadata):
        for table in metadata.tables.values():
            table.to_metadata(declared)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "version_table": schema.VERSION_TABLE}
            )
            return list(compare_metadata(context, declared))
    finally:
        engine.dispose()


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["hub", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_upgrade_db_keeps_every_row_and_the_service_serves_them(
    new_url: Url, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, reference = old_database(new_url), old_database(new_url)
    config = str(write_config(tmp_path, url))
    before = previous.rows(reference)

    code, out, _ = cli(capsys, "upgrade-db", "--config", config, "--dry-run")
    plan = json.loads(out)
    assert code == 0 and plan["current"] is None and plan["head"] == schema.HEAD
    assert [p["revision"] for p in plan["pending"]] == ["0001", "0002", "0003"]
    assert plan["unversioned_tables"] == sorted(previous.TABLES)
    code, out, _ = cli(capsys, "upgrade-db", "--config", config, "--sql")
    assert code == 0 and "ix_lessonkit_statements_learner" in out and "0003" in out
    assert "lessonkit_lti_scores" in out
    # the other administration commands do not upgrade behind the administrator's back
    code, _, err = cli(capsys, "status", "--config", config)
    assert code == 1 and "lessonkit hub upgrade-db --config FILE" in err
    assert not has_version_table(url) and previous.rows(url) == before

    code, out, _ = cli(capsys, "upgrade-db", "--config", config)
    assert code == 0 and json.loads(out) == {
        "from": None,
        "to": "0003",
        "applied": ["0001", "0002", "0003"],
    }
    assert previous.rows(url) == before
    assert differences(url) == []
    assert set(lti_store.metadata.tables) <= table_names(url)  # the LMS tables too
    code, out, _ = cli(capsys, "upgrade-db", "--config", config)
    assert code == 0 and json.loads(out)["applied"] == []
    code, out, _ = cli(capsys, "status", "--config", config)
    assert code == 0 and json.loads(out)["stored"] == len(before["lessonkit_statements"])

    # the service serves the old evidence, and new evidence continues its sequence
    old = store_sql.SqlStore(reference, create=False)
    expected = regrade(KEY, old.read(learner="bob", lesson=KEY.id)).question_points()
    old.close()
    running = ThreadedService.from_file(Path(config)).start()
    try:
        from lessonkit.evidence.stores.service import request_json

        status, grades = request_json(
            "GET", running.base + f"api/grades/algebra/{KEY.id}", "tok-teacher"
        )
        assert status == 200
        bob = grades["learners"]["bob"]
        assert (bob["score"], bob["max_score"]) == pytest.approx(expected)
        with pytest.MonkeyPatch.context() as patch:
            s = learner_session(running, patch, tmp_path, "alice")
            s.advance()
            assert s.store.flush(30) and not s.store.rejected
    finally:
        running.stop()
    seqs = [r[5] for r in previous.rows(url)["lessonkit_hub_receipts"]]
    old_seqs = [r[5] for r in before["lessonkit_hub_receipts"]]
    assert len(seqs) > len(old_seqs) and min(set(seqs) - set(old_seqs)) > max(old_seqs)


def test_the_sql_printed_is_the_upgrade(
    new_url: Url, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database administrator may run ``--sql``'s output with their own client."""
    url, by_hand = old_database(new_url), old_database(new_url)
    config = str(write_config(tmp_path, by_hand))
    code, script, _ = cli(capsys, "upgrade-db", "--config", config, "--sql")
    assert code == 0
    parsed = sa.engine.make_url(by_hand)
    if parsed.get_backend_name() == "sqlite":
        with sqlite3.connect(str(parsed.database)) as conn:
            conn.executescript(script)
    else:
        engine = sa.create_engine(parsed)
        raw = engine.raw_connection()
        raw.cursor().execute(script)
        raw.commit()
        raw.close()
        engine.dispose()
    engine = sa.create_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    assert differences(by_hand) == [] and previous.rows(by_hand) == previous.rows(url)
    code, out, _ = cli(capsys, "upgrade-db", "--config", config, "--dry-run")
    assert json.loads(out)["current"] == schema.HEAD and json.loads(out)["pending"] == []


def test_a_new_database_gets_exactly_the_declared_tables(new_url: Url, tmp_path: Path) -> None:
    url = new_url()
    ledger = Ledger(load_config(write_config(tmp_path, url)))
    try:
        assert ledger.migrated == ["0001", "0002", "0003"]
        assert ledger.counts() == {"received": 0, "stored": 0}
    finally:
        ledger.close()
    assert differences(url) == []


def test_replicas_starting_together_migrate_once(new_url: Url, tmp_path: Path) -> None:
    url = old_database(new_url)
    config = load_config(write_config(tmp_path, url))
    start = threading.Barrier(3)
    applied: list[list[str]] = []
    errors: list[BaseException] = []

    def replica() -> None:
        start.wait()
        try:
            ledger = Ledger(config)
            applied.append(ledger.migrated)
            ledger.close()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=replica) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sorted(applied) == [[], [], ["0001", "0002", "0003"]]


def test_a_database_of_a_newer_lessonkit_is_refused(
    new_url: Url, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_url()
    config = write_config(tmp_path, url)
    Ledger(load_config(config)).close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {schema.VERSION_TABLE} SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StorageError, match="newer lessonkit upgraded it"):
        Ledger(load_config(config))
    for action in ("upgrade-db", "status"):
        code, _, err = cli(capsys, action, "--config", str(config))
        assert code == 1 and "schema revision '9999'" in err and "Traceback" not in err


def test_head_is_the_newest_script() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(schema._config())
    assert scripts.get_heads() == [schema.HEAD]
    chain = [s.revision for s in scripts.walk_revisions()]
    assert chain == sorted(chain, reverse=True)  # one line of history, numbered in order
    assert all(s.doc for s in scripts.walk_revisions())
