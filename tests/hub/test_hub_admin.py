"""Administering the course service under a real JupyterHub, on real PostgreSQL.

The hub starts the service on a database written before lessonkit had migrations, which the service
upgrades as it starts. The configuration has no ``home_page:`` (the service derives it from its
environment, as most deployments do) and two courses sharing a lesson. Learners send evidence with
their own hub tokens through the proxy, as their kernels' stores do. Then instructors erase
learners' data through the API, and an administrator with the documented command from a shell that
has none of the service's environment.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from lessonkit.engine.session import LessonSession
from lessonkit.evidence.stores.service import ServiceStore
from lessonkit.hub.keys import service_copy
from lessonkit.lesson.loader import load_lesson

from . import previous
from .conftest import HUB_VERSIONS, hub_venv, unavailable
from .harness import LESSON, NOTES
from .hubrun import TestHub, find_chp

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KEY = load_lesson(LESSON)
# alice and bob learnt before the upgrade; student-b is in both courses, which share hub-notes
EXTRA = """
c.Authenticator.allowed_users |= {"alice", "bob", "teacher-g"}
c.JupyterHub.load_groups["lessonkit-algebra"]["users"] += ["alice", "bob"]
c.JupyterHub.load_groups["lessonkit-geometry"] = {"users": ["student-b"]}
c.JupyterHub.load_groups["lessonkit-geometry-instructors"] = {"users": ["teacher-g"]}
"""
TABLES = {"statements": "lessonkit_statements", "receipts": "lessonkit_hub_receipts"}
TABLES["checks"] = "lessonkit_hub_checks"


class Setup:
    """The running hub, its service's database, and what the tests need of both."""

    def __init__(self, hub: TestHub, database: str, reference: str, config: Path) -> None:
        self.hub, self.database, self.reference, self.config = hub, database, reference, config
        self.engine = sa.create_engine(database)
        self.tokens: dict[str, str] = {}

    def token(self, user: str) -> str:
        if user not in self.tokens:
            self.tokens[user] = self.hub.token(user)
        return self.tokens[user]

    def held(self, learner: str) -> dict[str, int]:
        """Rows of ``learner`` per table, straight from the database."""
        with self.engine.connect() as conn:
            return {
                name: conn.execute(
                    sa.text(f"SELECT count(*) FROM {table} WHERE learner = :l"), {"l": learner}
                ).scalar_one()
                for name, table in TABLES.items()
            }

    def service(self, method: str, path: str, user: str) -> Any:
        return self.hub.api(method, "/services/lessonkit/" + path, self.token(user))


# On the pinned hub: what these tests add to test_hub_integration.py's runs on every hub
# release (tokens, groups, the proxy) is the service's own behaviour.
@pytest.fixture(scope="module", params=HUB_VERSIONS[:1])
def setup(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_server: Any
) -> Iterator[Setup]:
    chp = find_chp()
    if chp is None:
        unavailable("configurable-http-proxy is not installed (npm; ./dev.sh installs it)")
    venv = hub_venv(request.param)
    name = "admin" + request.param.replace(".", "")
    folder = tmp_path_factory.mktemp(name)
    database, reference = pg_server.url(f"lk_{name}"), pg_server.url(f"lk_{name}_ref")
    previous.load(database)
    previous.load(reference)  # never upgraded: what was there, to compare with
    config = folder / "lessonkit-hub.yaml"
    courses = {"algebra": [LESSON, NOTES], "geometry": [NOTES]}
    data = {
        "database": database,
        "courses": {c: {"lessons": [str(x) for x in v]} for c, v in courses.items()},
        "secret": "test-secret",
    }
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    hub = TestHub(folder, config, venv_bin=venv, extra_config=EXTRA, external=False)
    try:
        hub.start(chp)
        assert hub.version().startswith(request.param + ".")
        running = Setup(hub, database, reference, config)
        yield running
        running.engine.dispose()
    finally:
        hub.stop()


def learn(setup: Setup, user: str, tmp: Path, *, answer: bool = True, notes: bool = True) -> None:
    """``user`` starts the course lesson and, with ``answer``, answers its first question
    (checked by the service); with ``notes``, reads the shared notes. The evidence goes through
    the proxy with the user's token."""
    token = setup.token(user)
    url = f"{setup.hub.public}/services/lessonkit/"
    os.environ["LESSONKIT_SERVICE_URL"], os.environ["LESSONKIT_HUB_TOKEN"] = url, token
    try:
        store = ServiceStore("hub+" + url, token=token, spool_dir=tmp / "spool" / user)
        s = LessonSession(service_copy(KEY), learner=user, store=store)
        s.start()
        s.advance()
        if answer:
            assert s.submit("4").result.correct  # type: ignore[union-attr]
        if notes:
            n = LessonSession(load_lesson(NOTES), learner=user, store=store)
            n.start()
            n.advance()
        assert store.flush(60) and not store.rejected
        store.close()
    finally:
        del os.environ["LESSONKIT_SERVICE_URL"], os.environ["LESSONKIT_HUB_TOKEN"]


def admin_shell(setup: Setup, *args: str) -> subprocess.CompletedProcess[str]:
    """``lessonkit hub ARGS --config FILE`` from an administrator's shell: the hub's
    environment's lessonkit, none of the service's variables."""
    env = {"PATH": f"{setup.hub.venv_bin}:/usr/bin:/bin", "HOME": str(setup.hub.folder)}
    argv = [str(setup.hub.venv_bin / "lessonkit"), "hub", *args, "--config", str(setup.config)]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_the_service_upgraded_a_database_from_before_migrations_as_it_started(
    setup: Setup, tmp_path: Path
) -> None:
    from lessonkit.hub import schema

    with setup.engine.connect() as conn:
        assert schema.revision(conn) == schema.HEAD
        indexes = {i["name"] for i in sa.inspect(conn).get_indexes("lessonkit_statements")}
    assert "ix_lessonkit_statements_learner" in indexes
    before = previous.rows(setup.reference)
    assert previous.rows(setup.database) == before  # every row of every earlier table
    assert len(before["lessonkit_statements"]) == 34
    # ... and the service serves it: earlier evidence, grades from it, new evidence after it
    status, body = setup.service("GET", "api/statements?learner=alice&lesson=hub-course", "teacher")
    old = [r for r in before["lessonkit_statements"] if "alice" in r and "hub-course" in r]
    assert status == 200 and len(body["statements"]) == len(old) > 0
    status, grades = setup.service("GET", "api/grades/algebra/hub-course", "teacher")
    assert status == 200 and grades["learners"]["alice"]["completed"]
    newest = "SELECT max(server_seq) FROM lessonkit_hub_receipts"
    reference = sa.create_engine(setup.reference)
    with reference.connect() as conn:
        last_seq = conn.execute(sa.text(newest)).scalar_one()
    reference.dispose()
    learn(setup, "alice", tmp_path, answer=False, notes=False)  # answered before the upgrade
    with setup.engine.connect() as conn:
        assert conn.execute(sa.text(newest)).scalar_one() > last_seq  # the sequence goes on


def test_an_instructor_erases_only_their_own_learners_data_in_their_course(
    setup: Setup, tmp_path: Path
) -> None:
    learn(setup, "student-a", tmp_path)
    learn(setup, "student-b", tmp_path)
    a, b = setup.held("student-a"), setup.held("student-b")
    assert a["statements"] > 0 and b["statements"] > 0 and a["checks"] == b["checks"] == 1

    # geometry's instructor, for a learner who is not in geometry: refused, nothing deleted
    status, body = setup.service("DELETE", "api/learners/student-a?course=geometry", "teacher-g")
    assert status == 403 and "not a learner of geometry" in body["error"]
    assert setup.held("student-a") == a
    # student-b is in both courses, which share hub-notes: neither instructor may erase it
    for teacher, course, other in (
        ("teacher", "algebra", "geometry"),
        ("teacher-g", "geometry", "algebra"),
    ):
        status, body = setup.service("DELETE", f"api/learners/student-b?course={course}", teacher)
        assert status == 409 and body["shared"]["hub-notes"]["courses"] == [other]
        assert "administrator" in body["error"]
        assert setup.held("student-b") == b
    # algebra's instructor erases student-a, who is in algebra only: all of it, hub-notes too
    status, body = setup.service("DELETE", "api/learners/student-a?course=algebra", "teacher")
    assert status == 200 and body["complete"] and body["deleted"] == a
    assert body["remaining"] == {"statements": 0, "receipts": 0, "checks": 0}
    assert setup.held("student-a") == {"statements": 0, "receipts": 0, "checks": 0}
    assert setup.held("student-b") == b
    status, body = setup.service(
        "GET", "api/statements?learner=student-a&lesson=hub-notes", "teacher"
    )
    assert status == 200 and body["statements"] == []


def test_the_documented_command_erases_a_learner_whatever_the_home_page(
    setup: Setup, tmp_path: Path
) -> None:
    """alice's evidence carries two home pages: the earlier one (another hub URL) and the one this
    service derives from its environment, which an administrator's shell does not have."""
    learn(setup, "alice", tmp_path, answer=False)
    with setup.engine.connect() as conn:
        homes = (
            conn.execute(
                sa.text(
                    "SELECT DISTINCT learner_home FROM lessonkit_statements WHERE learner = 'alice'"
                )
            )
            .scalars()
            .all()
        )
    assert previous.HOME_PAGE in homes and len(homes) == 2
    held, bob = setup.held("alice"), setup.held("bob")
    done = admin_shell(setup, "delete-learner", "alice")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["deleted"] == held and report["complete"] is True
    assert report["remaining"] == {"statements": 0, "receipts": 0, "checks": 0}
    assert setup.held("alice") == {"statements": 0, "receipts": 0, "checks": 0}
    assert setup.held("bob") == bob
    status, body = setup.service("GET", "api/statements?learner=alice&lesson=hub-course", "teacher")
    assert status == 200 and body["statements"] == []
    status = json.loads(admin_shell(setup, "status").stdout)
    assert status["home_page"] is None and previous.HOME_PAGE in status["home_pages_stored"]


def test_the_command_reports_what_it_could_not_delete_and_fails(setup: Setup) -> None:
    """A database that keeps some rows (here a legal-hold trigger on bob's checked answers):
    the command counts what is left after its commit, reports it, and exits 1."""
    kept = setup.held("bob")["checks"]
    assert kept > 0
    with setup.engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE FUNCTION lk_hold() RETURNS trigger AS $$ BEGIN RETURN NULL; END $$ "
                "LANGUAGE plpgsql"
            )
        )
        conn.execute(
            sa.text(
                "CREATE TRIGGER lk_hold BEFORE DELETE ON lessonkit_hub_checks FOR EACH ROW "
                "WHEN (OLD.learner = 'bob') EXECUTE FUNCTION lk_hold()"
            )
        )
    try:
        done = admin_shell(setup, "delete-learner", "bob")
    finally:
        with setup.engine.begin() as conn:
            conn.execute(sa.text("DROP TRIGGER lk_hold ON lessonkit_hub_checks"))
            conn.execute(sa.text("DROP FUNCTION lk_hold()"))
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["complete"] is False and report["remaining"]["checks"] == kept
    assert report["remaining"]["statements"] == 0
    assert f"still stored after the deletion: {kept} checks" in done.stderr
    assert "Traceback" not in done.stderr
