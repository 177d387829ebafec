"""Write the course service's database as lessonkit left it before it had migrations, as SQL.

Run with the source tree of commit 617cb26 (the last without migrations) first on the path (its
``lessonkit`` and ``tests`` folders, from ``git archive 617cb26 lessonkit tests``) and
PostgreSQL's binaries installed::

    PYTHONPATH=/path/to/that/tree python make_dumps.py OUT_FOLDER

That version's service runs for real (its tornado app, a token table in place of the hub, as its
own tests do): learners work through lessons with the learner's store, the service checks
their answers and stores statements, receipts and checks. Its tables are created the way it
created them (``create_all``, no migrations). An LRS is configured but never reached, then the
forwarding state of a few receipts is set as a forwarder would have left it (delivered,
refused). The home page comes from ``JUPYTERHUB_API_URL`` as in a hub-managed service.
Outputs ``sqlite.sql`` (``iterdump``) and ``postgresql.sql`` (``pg_dump --inserts``).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ["JUPYTERHUB_API_URL"] = "http://hub.old.example:8081/hub/api"


def fill(database: str, folder: Path) -> None:
    import sqlalchemy as sa
    import yaml

    from lessonkit import __version__
    from lessonkit.engine.session import LessonSession
    from lessonkit.evidence.stores.service import ServiceStore
    from lessonkit.hub.keys import service_copy
    from lessonkit.lesson.loader import load_lesson
    from lessonkit.lesson.variants import draw, variant_seed
    from tests.hub.harness import LESSON, NOTES, ThreadedService

    assert __version__ == "0.1.0", __version__  # the version number it carried
    config = folder / "lessonkit-hub.yaml"
    data = {
        "database": database,
        "courses": {"algebra": {"lessons": [str(LESSON), str(NOTES)]}},
        "lrs": {"url": "http://127.0.0.1:9/xAPI/", "username": "u", "password": "p"},
        "secret": "test-secret",
    }
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    running = ThreadedService.from_file(config).start()
    key = load_lesson(LESSON)
    try:
        for user, answers in (("alice", ["3", "4", "13", "42", None]), ("bob", ["5", "3"])):
            os.environ["LESSONKIT_SERVICE_URL"] = running.base
            os.environ["LESSONKIT_HUB_TOKEN"] = f"tok-{user}"
            store = ServiceStore(
                "hub+" + running.base, token=f"tok-{user}", spool_dir=folder / "spool" / user
            )
            s = LessonSession(service_copy(key), learner=user, store=store)
            s.start()
            s.advance()
            for given in answers:
                answer = given
                if answer is None:  # the variant question: the right answer for this user
                    values = draw(key.step("q-sum"), variant_seed(user, key.id, "q-sum", 0))
                    answer = str(int(values["a"] + values["b"]))
                result = s.submit(answer).result
                if result is not None and result.correct and not s.finished:
                    s.advance()
            notes = LessonSession(load_lesson(NOTES), learner=user, store=store)
            notes.start()
            notes.advance()
            assert store.flush(30) and not store.rejected
            store.close()
        # a checked answer whose statement has not arrived yet
        from lessonkit.evidence.stores.service import request_json

        body = {"lesson": key.id, "question": "q-times", "response": "41"}
        status, _ = request_json("POST", running.base + "api/check", "tok-bob", body)
        assert status == 200
    finally:
        running.stop()
    engine = sa.create_engine(database)
    with engine.begin() as conn:
        seqs = [
            r[0]
            for r in conn.execute(
                sa.text("SELECT server_seq FROM lessonkit_hub_receipts ORDER BY server_seq")
            )
        ]
        done, refused = seqs[: len(seqs) // 2], seqs[-1]
        conn.execute(
            sa.text(
                "UPDATE lessonkit_hub_receipts SET forward = 2, body = NULL "
                "WHERE server_seq <= :last"
            ),
            {"last": done[-1]},
        )
        conn.execute(
            sa.text(
                "UPDATE lessonkit_hub_receipts SET forward = 3, forward_error = :e "
                "WHERE server_seq = :seq"
            ),
            {"seq": refused, "e": "422 Unprocessable Entity: a test refusal"},
        )
    engine.dispose()


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "service.db"
        fill(f"sqlite:///{db}", folder)
        with sqlite3.connect(db) as conn:
            text = "\n".join(conn.iterdump()) + "\n"
        (out / "sqlite.sql").write_text(text, encoding="utf-8")
    from tests.integration.pgserver import PgServer

    with tempfile.TemporaryDirectory() as tmp, PgServer() as server:
        url = server.url("lessonkit")
        fill(url, Path(tmp))
        dump = subprocess.run(
            [
                "pg_dump",
                "--inserts",
                "--no-owner",
                "--no-privileges",
                "-h",
                "127.0.0.1",
                "-p",
                str(server.port),
                "-U",
                "postgres",
                "lessonkit",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        (out / "postgresql.sql").write_text(dump.stdout, encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
