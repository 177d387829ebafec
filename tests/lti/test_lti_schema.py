"""A launch while the service's database is behind the hub's lessonkit, through a real hub.

The hub's LMS login never creates tables (the course service's migrations do): a launch that
finds the database at an earlier revision gets a page saying to try again (503, with
``Retry-After``), nothing is recorded and nobody is logged in, the hub's log says why; once the
database is upgraded, the same link works. This module has its own hub and platform: the
package's hub has seen its database ready already, and this one waits one second, not ten.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from lessonkit.cli import main
from lessonkit.hub import schema
from lessonkit.lti import store
from tests.hub.conftest import unavailable
from tests.hub.hubrun import find_chp
from tests.hub.test_hub_integration import KEY

from .lms_hub import Browser, LmsHub

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, pg_server: Any) -> Iterator[LmsHub]:
    """A hub whose LMS login waits one second for the database's upgrade."""
    chp = find_chp()
    if chp is None:
        unavailable("configurable-http-proxy is not installed (npm; ./dev.sh installs it)")
    running = LmsHub(
        tmp_path_factory.mktemp("lti-schema"),
        pg_server.url("lessonkit_lti_schema"),
        extra_config="c.LessonkitLTIAuthenticator.schema_wait = 1\n",
    )
    try:
        yield running.start(chp)
    finally:
        running.stop()


def lti_tables(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names()) & set(store.metadata.tables)


def test_a_launch_before_the_upgrade_gets_a_page_and_the_same_link_works_after(
    hub: LmsHub, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = sa.create_engine(hub.database)
    try:
        # The database as the previous lessonkit's service left it (revision 0002, no LMS
        # tables): the hub runs this lessonkit, the service has not been upgraded yet.
        with engine.begin() as conn:
            for name in store.metadata.tables:
                conn.execute(sa.text(f"DROP TABLE {name}"))
            conn.execute(sa.text(f"UPDATE {schema.VERSION_TABLE} SET version_num = '0002'"))
        link = hub.lms.add_link(
            "course-101", "Fractions", {"lessonkit_item": f"lesson:{KEY.id}"}, 4
        )

        page = Browser().launch(f"{hub.platform.base}/launch/{link}?user=u-ada")
        assert page.status_code == 503 and page.headers.get("Retry-After") == "60"
        assert "open the link again in a minute" in html.unescape(page.text), page.text[:2000]
        assert hub.hub.api("GET", "/hub/api/users/u-ada")[0] == 404  # nobody logged in
        assert lti_tables(engine) == set()  # the hub's process created nothing
        log = hub.hub.log.read_text(errors="replace")
        assert "LMS launch refused" in log and "schema revision 0002" in log

        capsys.readouterr()
        assert main(["hub", "upgrade-db", "--config", str(hub.config)]) == 0
        assert '"applied": ["0003"]' in capsys.readouterr().out
        answer = Browser().launch(f"{hub.platform.base}/launch/{link}?user=u-ada")
        assert answer.status_code == 302, (answer.status_code, answer.text[:400])
        assert answer.headers["Location"] == f"/hub/user-redirect/lab/tree/algebra/{KEY.id}.ipynb"
        with engine.connect() as conn:
            member = conn.execute(sa.select(store.members).filter_by(sub="u-ada")).one()
        assert (member.username, member.role, member.course) == ("u-ada", "learner", "algebra")
    finally:
        engine.dispose()
