"""The LMS tables under the migrations, on SQLite and on a real PostgreSQL.

A database where an earlier build made the ``lessonkit_lti_*`` tables with ``create_all``
(:mod:`.lti_create_all`, with rows in every table) is adopted by revision 0003 when the service
starts, with every row, and the LMS code works on the adopted tables; an LMS table that differs
from the declared one stops the upgrade with nothing changed; the hub's LMS login never creates
tables: it waits for the service's upgrade, and refuses a launch (503) when it does not come.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tornado import web

from lessonkit.errors import StorageError
from lessonkit.hub import db, schema
from lessonkit.hub.config import load_config
from lessonkit.hub.ledger import Ledger
from lessonkit.hub.lti_auth import NOT_READY, LessonkitLTIAuthenticator
from lessonkit.lti import spool, store

from . import lti_create_all
from .harness import write_config
from .test_schema_upgrade import Url, cli, differences, new_url, table_names

__all__ = ["new_url"]  # the fixture, shared with test_schema_upgrade

pytestmark = pytest.mark.integration

LTI = {
    "hub_url": "https://hub.example.org/",
    "platforms": [
        {
            "issuer": "https://lms.example",
            "client_id": "tool-1",
            "deployment_ids": ["d1"],
            "login_url": "https://lms.example/authorize",
            "token_url": "https://lms.example/token",
            "jwks_url": "https://lms.example/jwks",
            "contexts": {"c-101": "algebra"},
        }
    ],
}


def at_revision(url: str, target: str | None) -> sa.Engine:
    """The service's engine on a new database brought to ``target`` (``None``: left empty)."""
    from alembic import command

    engine = db.make_engine(url)
    if target is not None:
        with engine.begin() as conn:
            command.upgrade(schema._config(connection=conn), target)
    return engine


@pytest.mark.parametrize(
    "start",
    [
        pytest.param("0002", id="made-by-the-service-of-0002"),
        pytest.param(None, id="made-by-the-hub-login-before-the-service-ever-ran"),
    ],
)
def test_lti_tables_made_by_create_all_are_adopted_with_their_rows(
    new_url: Url, tmp_path: Path, capsys: pytest.CaptureFixture[str], start: str | None
) -> None:
    url = new_url()
    engine = at_revision(url, start)
    try:
        lti_create_all.make(engine)
        before = lti_create_all.rows(engine)
        config = write_config(tmp_path, url, lti={**LTI, "keys": str(tmp_path / "keys")})

        code, out, _ = cli(capsys, "upgrade-db", "--config", str(config), "--dry-run")
        plan = json.loads(out)
        assert code == 0 and plan["current"] == start and plan["pending"][-1]["revision"] == "0003"
        assert plan["unversioned_tables"] == sorted(lti_create_all.TABLES)  # adopted, not made
        code, _, err = cli(capsys, "lti", "status", "--config", str(config))  # no upgrade by it
        assert code == 1 and "lessonkit hub upgrade-db --config FILE" in err
        assert "Traceback" not in err and schema.state(engine).current == start

        ledger = Ledger(load_config(config))  # the service's start-up upgrade
        try:
            assert ledger.migrated == (["0003"] if start else ["0001", "0002", "0003"])
        finally:
            ledger.close()
        assert lti_create_all.rows(engine) == before
        assert differences(url) == []
        the_lms_code_works_on_the_adopted_tables(engine)
    finally:
        engine.dispose()


def the_lms_code_works_on_the_adopted_tables(engine: sa.Engine) -> None:
    """Upserts need the adopted keys, the spool its unique constraint and its id sequence."""
    place = dict(lti_create_all.PLACE)
    with engine.begin() as conn:
        store.upsert(
            conn,
            store.members,
            {**place, "sub": "u-ada", "course": "algebra", "username": "lti-u-ada",
             "role": "Learner", "name": "Ada King", "active": True, "source": "nrps",
             "updated": "2026-12-02T00:00:00+00:00"},
        )  # fmt: skip
    assert [r.name for r in store.roster(engine, "algebra")] == ["Ada King", "Tess Teacher"]
    store.set_state(engine, "scanned", "2026-12-02T00:00:00+00:00")
    assert store.get_state(engine, "scanned") == "2026-12-02T00:00:00+00:00"
    assert store.deeplink(engine, "dl-secret-1").return_url.endswith("/deep-link-return")
    assert not store.use_deeplink(engine, "dl-secret-1", time.time())  # it was answered
    lineitem = "https://lms.example/c-101/lineitems/1"
    wanted = {"scoreGiven": 4, "scoreMaximum": 4}
    for sub in ("u-ada", "u-carol"):  # a score replaced, a new one
        assert spool.queue(
            engine, issuer=place["issuer"], lineitem_url=lineitem, sub=sub, course="algebra",
            item="lesson:hub-course-1", username=f"lti-{sub}", body=wanted,
            evidence_time="2026-12-02T00:00:00.000000+00:00", now="2026-12-02T00:00:01+00:00",
        )  # fmt: skip
    with engine.connect() as conn:
        ids = dict(conn.execute(sa.select(store.scores.c.sub, store.scores.c.id)).all())
    assert sorted(ids) == ["u-ada", "u-bob", "u-carol", "u-eve"]
    assert ids["u-carol"] > max(ids["u-ada"], ids["u-bob"], ids["u-eve"])
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        duplicate = {**lti_create_all.ROWS["lessonkit_lti_scores"][0], "sub": "u-carol"}
        conn.execute(sa.insert(store.scores).values(**duplicate))


def test_an_lti_table_that_differs_stops_the_upgrade_with_nothing_changed(
    new_url: Url, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_url()
    engine = at_revision(url, "0002")
    try:
        with engine.begin() as conn:  # made by hand, not by lessonkit
            conn.execute(
                sa.text(
                    "CREATE TABLE lessonkit_lti_state "
                    "(key VARCHAR(200) NOT NULL PRIMARY KEY, value TEXT, note TEXT)"
                )
            )
            conn.execute(sa.text("INSERT INTO lessonkit_lti_state VALUES ('a', 'b', 'c')"))
        config = write_config(tmp_path, url)
        with pytest.raises(StorageError) as refused:
            Ledger(load_config(config))
        message = str(refused.value)
        assert "lessonkit_lti_state" in message and "Nothing was changed" in message
        assert "lessonkit_lti_state.value: nullable NULL allowed, not NOT NULL" in message
        assert "lessonkit_lti_state has an undeclared column note" in message
        code, _, err = cli(capsys, "upgrade-db", "--config", str(config))
        assert code == 1 and "undeclared column note" in err and "Traceback" not in err
        with engine.connect() as conn:  # rolled back: still 0002, no LMS table created
            assert schema.revision(conn) == "0002"
            assert conn.execute(sa.text("SELECT * FROM lessonkit_lti_state")).all() == [
                ("a", "b", "c")
            ]
        assert table_names(url) & set(store.metadata.tables) == {"lessonkit_lti_state"}
    finally:
        engine.dispose()


@pytest.fixture
def authenticator(tmp_path: Path) -> Iterator[Callable[[str, float], Any]]:
    """Makes the hub's LMS login on the service configuration of a database (disposed after)."""
    made: list[Any] = []

    def make(url: str, wait: float) -> Any:
        config = write_config(tmp_path, url, lti={**LTI, "keys": str(tmp_path / "keys")})
        made.append(LessonkitLTIAuthenticator(lessonkit_config=str(config), schema_wait=wait))
        return made[-1]

    yield make
    for auth in made:
        if auth._engine is not None:
            auth._engine.dispose()


def test_the_hub_login_never_creates_tables_and_refuses_until_the_service_upgraded(
    new_url: Url, tmp_path: Path, authenticator: Callable[[str, float], Any]
) -> None:
    url = new_url()
    started = time.monotonic()
    with pytest.raises(web.HTTPError) as refused:
        authenticator(url, 1.0).engine()
    assert time.monotonic() - started >= 1.0  # it waited for the service first
    assert refused.value.status_code == 503 and refused.value.log_message == NOT_READY
    assert refused.value.headers == {"Retry-After": "60"}  # type: ignore[attr-defined]
    assert table_names(url) == set()  # nothing created by the hub's process

    # The service starts while a launch waits: the launch goes on once the upgrade is done.
    waiting = authenticator(url, 60.0)
    got: list[Any] = []
    thread = threading.Thread(target=lambda: got.append(waiting.engine()))
    thread.start()
    time.sleep(1.0)
    assert thread.is_alive() and not got
    Ledger(load_config(tmp_path / "lessonkit-hub.yaml")).close()
    thread.join(30)
    assert len(got) == 1 and differences(url) == []


def test_the_hub_login_refuses_a_newer_database_at_once(
    new_url: Url, authenticator: Callable[[str, float], Any]
) -> None:
    url = new_url()
    engine = at_revision(url, "0003")
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {schema.VERSION_TABLE} SET version_num = '9999'"))
    engine.dispose()
    started = time.monotonic()
    with pytest.raises(web.HTTPError) as refused:
        authenticator(url, 60.0).engine()
    assert refused.value.status_code == 503 and time.monotonic() - started < 10
    assert isinstance(refused.value.__cause__, schema.SchemaError)
    assert "newer lessonkit upgraded it" in str(refused.value.__cause__)


def test_the_upgrade_waits_for_an_earlier_create_all_in_progress(pg_server: Any) -> None:
    """During a rolling upgrade a replica of an earlier build may be creating the LMS tables
    under its advisory lock: revision 0003 waits for it instead of racing its CREATEs."""
    url = pg_server.url("lk_lock_" + str(time.monotonic_ns()))
    engine = at_revision(url, "0002")
    holder = engine.connect()
    try:
        holder.execute(sa.select(sa.func.pg_advisory_lock(0x1E550_4C71)))  # the old lock
        done: list[list[str]] = []
        thread = threading.Thread(target=lambda: done.append(schema.upgrade(engine)))
        thread.start()
        thread.join(2.0)
        assert thread.is_alive() and not done
        lti_create_all.create_tables_unlocked(holder)  # the earlier build's create_all
        holder.commit()  # committed before the lock goes, as under its transaction lock
        holder.execute(sa.select(sa.func.pg_advisory_unlock(0x1E550_4C71)))
        holder.commit()
        thread.join(60)
        assert done == [["0003"]] and differences(url) == []
    finally:
        holder.close()
        engine.dispose()


def test_the_tables_revision_0003_adopts_are_the_lms_tables() -> None:
    assert schema.LTI_TABLES == set(store.metadata.tables) == set(lti_create_all.TABLES)
    assert schema.ADOPTS["0003"] == schema.LTI_TABLES
