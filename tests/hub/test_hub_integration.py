"""The course service under a real JupyterHub, with real PostgreSQL and real kernels.

A real ``jupyterhub`` (6.x, and 5.5 for the tests marked ``both``: what Zero to JupyterHub 4.4
ships), DummyAuthenticator, SimpleLocalProcessSpawner, the npm
configurable-http-proxy, the lessonkit service started by the hub from the shipped config
snippet, PostgreSQL; two students and an instructor. Lessons run in the students' own
single-user servers: the kernel fetches the lesson copy (no keys), checks answers with the
service and sends its evidence to it, all with the kernel's ``$JUPYTERHUB_API_TOKEN``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lessonkit.evidence.statements import EXT
from lessonkit.lesson.loader import load_lesson
from lessonkit.lesson.variants import draw, variant_seed

from .conftest import HUB_VERSIONS, hub_venv, unavailable
from .harness import LESSON, write_config
from .hubrun import TestHub, find_chp

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KEY = load_lesson(LESSON)

# Run in a student's kernel: the lesson copy from the service, the store from LESSONKIT_STORE
# (set by the hub for every server), the learner from JUPYTERHUB_USER, resume if possible.
OPEN = """
import json, os
from lessonkit.engine.session import LessonSession
from lessonkit.evidence.identity import resolve_learner
from lessonkit.evidence.stores import load_session_events, open_store
from lessonkit.hub.remote_check import fetch_lesson

lesson = fetch_lesson({lesson!r})
store = open_store()
learner = resolve_learner()
events = load_session_events(store, learner, lesson.id)
if events:
    s = LessonSession.resume(lesson, events, store=store)
else:
    s = LessonSession(lesson, store=store)
    s.start()
"""

ACT = """
log = []
for action, *value in {actions!r}:
    if action == "advance":
        s.advance()
        log.append(s.current_id)
    else:
        r = s.submit(value[0]).result
        log.append([r.correct, r.understood, r.feedback])
print(json.dumps({{"log": log, "store": type(store).__name__, "events": len(s.events),
                  "learner": s.learner.id, "finished": s.finished}}))
"""

CLOSE = """
done = store.flush(60)
store.close()
print(json.dumps({"flushed": done, "events": len(s.events), "rejected": store.rejected}))
"""


def sum_answer(user: str) -> int:
    values = draw(KEY.step("q-sum"), variant_seed(user, KEY.id, "q-sum", 0))  # type: ignore[arg-type]
    return int(values["a"] + values["b"])


def lesson_cell(lesson: str, actions: list[Any]) -> str:
    return OPEN.format(lesson=lesson) + ACT.format(actions=actions)


def last_json(output: str) -> Any:
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_server: Any
) -> Iterator[TestHub]:
    """A hub of the release each test names (``both``: every release in HUB_VERSIONS)."""
    version = request.param
    chp = find_chp()
    if chp is None:
        unavailable("configurable-http-proxy is not installed (npm; ./dev.sh installs it)")
    venv = hub_venv(version)
    folder = tmp_path_factory.mktemp("hub" + version)
    database = pg_server.url("lessonkit_hub" + version.replace(".", ""))
    # only the replica test (on the pinned hub) needs the external service registered
    external = version == HUB_VERSIONS[0]
    running = TestHub(folder, write_config(folder, database), venv_bin=venv, external=external)
    try:
        running.start(chp)
        assert running.version().startswith(version + ".")
        yield running
    finally:
        running.stop()


# What must work on every supported hub: login and spawn, the shipped role form granting
# kernels' tokens the service, statements, service-side checks, cross-access refused.
both = pytest.mark.parametrize("hub", HUB_VERSIONS, indirect=True)
latest = pytest.mark.parametrize("hub", HUB_VERSIONS[:1], indirect=True)


@pytest.fixture(scope="module")
def tokens(hub: TestHub) -> dict[str, str]:
    for user in ("student-a", "student-b"):
        hub.spawn(user)
    return {user: hub.token(user) for user in ("student-a", "student-b", "teacher")}


def service(hub: TestHub, method: str, path: str, token: str, body: Any = None) -> Any:
    return hub.api(method, "/services/lessonkit/" + path, token, body)


def students_work(hub: TestHub, tokens: dict[str, str]) -> tuple[int, Any]:
    """Student A does the whole lesson well; B fails the first question twice. Returns A's
    event count and B's kernel (still running)."""
    kernel_a = hub.kernel("student-a", tokens["student-a"])
    actions_a = [
        ["advance"],
        ["submit", "4"],
        ["advance"],
        ["submit", "13"],
        ["submit", "42"],
        ["advance"],
        ["submit", str(sum_answer("student-a"))],
        ["advance"],
    ]
    out = last_json(kernel_a.run(lesson_cell(KEY.id, actions_a)))
    assert out["store"] == "ServiceStore" and out["learner"] == "student-a" and out["finished"]
    assert out["log"][1][0] is True and "multiply" in out["log"][3][2] and out["log"][4][0]
    closed = last_json(kernel_a.run(CLOSE))
    assert closed["flushed"] and closed["rejected"] == []
    kernel_a.shutdown()
    kernel_b = hub.kernel("student-b", tokens["student-b"])
    actions_b = [["advance"], ["submit", "3"], ["submit", "5"]]  # both attempts wrong
    out = last_json(kernel_b.run(lesson_cell(KEY.id, actions_b)))
    assert out["learner"] == "student-b" and [x[0] for x in out["log"][1:]] == [False, False]
    assert last_json(kernel_b.run(CLOSE))["flushed"]
    return int(closed["events"]), kernel_b


def statements_of(hub: TestHub, learner: str, token: str, lesson: str = KEY.id) -> Any:
    return service(hub, "GET", f"api/statements?learner={learner}&lesson={lesson}", token)


@both
def test_lessons_in_real_servers_land_on_the_service(
    hub: TestHub, tokens: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    a, teacher = tokens["student-a"], tokens["teacher"]
    events_a, kernel_b = students_work(hub, tokens)

    # Evidence is on the service under the hub's user names, stamped by the server.
    status, body = statements_of(hub, "student-a", teacher)
    assert status == 200
    names = {s["actor"]["account"]["name"] for s in body["statements"]}
    assert names == {"student-a"} and len(body["statements"]) == events_a
    assert all(EXT + "server-seq" in s["context"]["extensions"] for s in body["statements"])

    # Student A's token can neither read nor write student B's evidence, nor see the class.
    assert statements_of(hub, "student-b", a)[0] == 403
    assert service(hub, "GET", "class/algebra/", a)[0] == 403
    forged = {**body["statements"][0], "id": "2f1e2d3c-4b5a-4978-8877-665544332211"}
    forged["actor"] = {"objectType": "Agent", "account": {"homePage": "x", "name": "student-b"}}
    status, result = service(hub, "POST", "api/statements", a, [forged])
    assert status == 200 and result["accepted"] == 1
    assert forged["id"] not in {
        s["id"] for s in statements_of(hub, "student-b", teacher)[1]["statements"]
    }
    assert forged["id"] in {s["id"] for s in statements_of(hub, "student-a", a)[1]["statements"]}

    # The instructor's class view and export show both students.
    status, page = service(hub, "GET", f"class/algebra/?lesson={KEY.id}", teacher)
    assert status == 200 and "student-a" in page and "student-b" in page
    path = f"class/algebra/export?lesson={KEY.id}&format=xapi"
    exported = service(hub, "GET", path, teacher)[1]
    assert {s["actor"]["account"]["name"] for s in exported} == {"student-a", "student-b"}

    # Grading from the service: lessonkit nbgrader grade reads server-side evidence.
    grades = service(hub, "GET", f"api/grades/algebra/{KEY.id}", teacher)[1]
    assert grades["learners"]["student-a"]["score"] == pytest.approx(3)
    assert grades["learners"]["student-b"]["score"] == 0
    from lessonkit.cli import main

    url = f"hub+{hub.public}/services/lessonkit/?learner=student-a"
    os.environ["LESSONKIT_HUB_TOKEN"] = teacher
    try:
        capsys.readouterr()
        assert main(["nbgrader", "grade", str(LESSON), url, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["score"] == pytest.approx(3)
    finally:
        del os.environ["LESSONKIT_HUB_TOKEN"]
    local_edits_gain_nothing(hub, teacher, kernel_b)


def local_edits_gain_nothing(hub: TestHub, teacher: str, kernel_b: Any) -> None:
    """Student B edits local files: forges a spool file claiming the right answer, and a
    lesson copy without an attempt limit. The service keeps its own count and verdicts."""
    forge = """
import dataclasses, uuid
from lessonkit.evidence.statements import event_to_statement
from lessonkit.lesson.loader import load_lesson, save_lesson
answered = [e for e in s.events if e.kind == "answered"][-1]
st = event_to_statement(answered)
data = st["context"]["extensions"]["https://lessonkit.org/xapi/ext/event"]["data"]
data.update(raw="4", response="4", correct=True, score=1.0, points=1.0)
st["result"] = {"success": True, "response": "4", "score": {"scaled": 1.0}}
st["id"] = str(uuid.uuid4())
folder = store.spool.folder  # where this learner's kernels spool for this service
folder.mkdir(parents=True, exist_ok=True)
with open(folder / "1-1-forged.jsonl", "w") as f:
    f.write(json.dumps(st) + "\\n")
steps = tuple(
    dataclasses.replace(x, max_attempts=None) if x.id == "q-even" else x for x in lesson.steps
)
save_lesson(dataclasses.replace(lesson, steps=steps), "edited.lesson.yaml")
"""
    kernel_b.run(forge)
    retry = """
lesson = load_lesson("edited.lesson.yaml")
store = open_store()
s = LessonSession(lesson, store=store)
s.start()
s.advance()
r = s.submit("4").result
print(json.dumps({"log": [[r.correct, r.understood, r.feedback]]}))
"""
    again = last_json(kernel_b.run(retry))
    assert again["log"][0][0] is False and "No attempts left" in again["log"][0][2]
    assert last_json(kernel_b.run(CLOSE))["flushed"]
    kernel_b.shutdown()
    grades = service(hub, "GET", f"api/grades/algebra/{KEY.id}", teacher)[1]
    assert grades["learners"]["student-b"]["questions"]["q-even"] == 0
    claims = [
        s["context"]["extensions"][EXT + "event"]["data"]
        for s in statements_of(hub, "student-b", teacher)[1]["statements"]
        if s["verb"]["id"].endswith("/answered")
    ]
    assert [c.get("verified") for c in claims].count(False) == 2  # the forged line, the late try
    assert [c.get("verified") for c in claims].count(True) == 2  # the two real attempts


class Refuser:
    """Holds a port and resets every connection to it (what a dead service's port does)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.monotonic() + 10
        while True:  # the dead process's socket may take a moment to go
            try:
                self.sock.bind(("127.0.0.1", port))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.sock.listen(64)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(5)


@latest
def test_the_service_killed_mid_lesson(hub: TestHub, tokens: dict[str, str]) -> None:
    """The learner keeps working while the service is down; nothing is lost or doubled."""
    token = tokens["student-b"]
    kernel = hub.kernel("student-b", token)
    first = last_json(kernel.run(lesson_cell("hub-notes", [["advance"]])))
    assert first["events"] >= 4
    pid = hub.service_pid()
    os.kill(pid, signal.SIGKILL)
    while Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text():
        time.sleep(0.01)
    # The hub restarts a managed service when its next poll (every 30 s) finds it gone; until
    # this phase is over, a stand-in on its port resets every connection, like a dead process.
    refuser = Refuser(hub.ports["service"])
    try:
        down = time.monotonic()
        during = last_json(
            kernel.run(ACT.format(actions=[["advance"], ["advance"], ["submit", "12"]]))
        )
        assert time.monotonic() - down < 20  # nothing waited for the dead service
        assert during["log"][2][1] is False  # not checked, not counted: the learner is told
        assert "could not be checked" in during["log"][2][2]
        assert int(kernel.run("print(store.pending())")) > 0  # spooled
    finally:
        refuser.close()
    hub.wait_for(hub.service_up, 120, "the restarted service")  # the hub restarts it
    assert last_json(kernel.run(CLOSE))["flushed"]  # the spool is delivered
    kernel.shutdown()
    # The learner comes back in a new kernel: the session resumes from the service.
    kernel = hub.kernel("student-b", token)
    actions = [["submit", "12"], ["advance"], ["advance"]]
    after = last_json(kernel.run(lesson_cell("hub-notes", actions)))
    assert after["log"][0][0] is True and after["finished"]
    assert after["events"] > during["events"]  # resumed, not started afresh
    closed = last_json(kernel.run(CLOSE))
    assert closed["flushed"]
    ids = json.loads(
        kernel.run("print(json.dumps(sorted(str(e.seq) + '|' + e.registration for e in s.events)))")
    )
    kernel.shutdown()
    status, body = statements_of(hub, "student-b", tokens["teacher"], "hub-notes")
    assert status == 200
    stored = [
        f"{s['context']['extensions'][EXT + 'seq']}|{s['context']['registration']}"
        for s in body["statements"]
    ]
    assert sorted(stored) == ids  # every event exactly once
    assert len(stored) == len(set(stored)) == closed["events"]


def browser_login(hub: TestHub, user: str) -> Any:
    """A browser session logged in to the hub as ``user`` (DummyAuthenticator's form)."""
    import requests

    session = requests.Session()
    page = session.get(f"{hub.public}/hub/login", timeout=60)
    assert page.status_code == 200
    form = {"username": user, "password": "any", "_xsrf": session.cookies.get("_xsrf", "")}
    done = session.post(f"{hub.public}/hub/login", data=form, timeout=60)
    assert done.status_code == 200, done.text[:300]
    return session


@both
def test_the_class_view_in_a_browser_goes_through_hub_oauth(hub: TestHub) -> None:
    """No token: the service sends the browser through the hub's OAuth, then serves the view
    to an instructor, and refuses a student."""
    teacher = browser_login(hub, "teacher")
    page = teacher.get(
        f"{hub.public}/services/lessonkit/class/algebra/",
        headers={"Accept": "text/html"},
        timeout=60,
    )
    assert page.status_code == 200, page.text[:300]
    assert any("oauth_callback" in r.url for r in page.history)  # went through HubOAuth
    assert "Learners" in page.text and "student-a" in page.text
    exported = teacher.get(
        f"{hub.public}/services/lessonkit/class/algebra/export?format=csv", timeout=60
    )
    assert exported.status_code == 200 and exported.text.startswith("id,timestamp,learner,")
    deleted = teacher.delete(
        f"{hub.public}/services/lessonkit/api/learners/student-a?course=algebra", timeout=60
    )
    assert deleted.status_code == 403  # a cookie alone never changes data
    student = browser_login(hub, "student-a")
    refused = student.get(
        f"{hub.public}/services/lessonkit/class/algebra/",
        headers={"Accept": "text/html"},
        timeout=60,
    )
    assert refused.status_code == 403


@latest
def test_an_external_replica_shares_the_database(hub: TestHub, tokens: dict[str, str]) -> None:
    """``python -m lessonkit.hub`` run outside the hub (as a Kubernetes Deployment would) is
    another replica: what one instance stores, the other serves, with one sequence."""
    external = hub.external_service()
    try:
        teacher, b = tokens["teacher"], tokens["student-b"]
        status, body = statements_of(hub, "student-b", b)
        assert status == 200
        statement = {**body["statements"][0], "id": "3f1e2d3c-4b5a-4978-8877-665544332211"}
        statement["context"]["extensions"][EXT + "seq"] = 1000
        status, result = hub.api("POST", "/services/lessonkit-ext/api/statements", b, [statement])
        assert status == 200 and result["accepted"] == 1
        status, whoami = hub.api("GET", "/services/lessonkit-ext/api/whoami", teacher)
        assert whoami == {"name": "teacher", "courses": {"algebra": "instructor"}}
        stored = {s["id"]: s for s in statements_of(hub, "student-b", teacher)[1]["statements"]}
        assert statement["id"] in stored  # served by the managed instance
        seqs = [s["context"]["extensions"][EXT + "server-seq"] for s in stored.values()]
        assert len(seqs) == len(set(seqs))  # one sequence across replicas
        status, _ = hub.api("GET", "/services/lessonkit-ext/api/whoami", "not-a-token")
        assert status == 401
    finally:
        external.terminate()
        external.wait(30)


# Run in a student's kernel: 40 statements of 240 KiB each (each within the 256 KiB a
# statement may take; 9.6 MB together, over the service's 8 MiB body limit), then 3 small ones.
LARGE = """
import json
from lessonkit.engine.session import LessonSession
from lessonkit.evidence.statements import EXT, event_to_statement
from lessonkit.evidence.stores import open_store
from lessonkit.hub.remote_check import fetch_lesson

s = LessonSession(fetch_lesson("hub-notes"), registration="7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6")
s.start()
while len(s.events) < 43:
    s.advance() if s.current_id == "n1" else s.back()
batch = [event_to_statement(e) for e in s.events[:43]]
for statement in batch[:40]:
    statement["context"]["extensions"][EXT + "event"]["data"]["note"] = "x" * (240 * 1024)
store = open_store()
store.append(batch[:40])
store.append(batch[40:])
done = store.flush(120)
print(json.dumps({"flushed": done, "sent": store.sent, "rejected": store.rejected,
                  "ids": [x["id"] for x in batch]}))
store.close()
"""


@latest
def test_large_statements_reach_the_service_through_the_proxy(
    hub: TestHub, tokens: dict[str, str]
) -> None:
    """Through configurable-http-proxy a body over the limit was a dropped connection, seen as
    a 503 HTML page: the learner's store resent the same batch forever. Now the service says
    413 in JSON (with or without a Content-Length), and the store's batches fit."""
    import http.client

    kernel = hub.kernel("student-a", tokens["student-a"])
    try:
        out = last_json(kernel.run(LARGE, timeout=240))
    finally:
        kernel.shutdown()
    assert out["flushed"] and out["sent"] == 43 and out["rejected"] == []
    stored = statements_of(hub, "student-a", tokens["teacher"], "hub-notes")[1]["statements"]
    assert {s["id"] for s in stored} >= set(out["ids"])
    path = "/services/lessonkit/api/statements"
    over = b"[" + b" " * (8 * 1024 * 1024) + b"]"
    for chunked in (False, True):
        conn = http.client.HTTPConnection("127.0.0.1", hub.ports["public"], timeout=120)
        body: Any = (over[i : i + 65536] for i in range(0, len(over), 65536)) if chunked else over
        headers = {"Authorization": f"token {tokens['student-a']}"}
        conn.request("POST", path, body=body, headers=headers, encode_chunked=chunked)
        response = conn.getresponse()
        assert response.status == 413, (chunked, response.read()[:300])
        assert response.getheader("Content-Type", "").startswith("application/json")
        assert json.loads(response.read())["limit_bytes"] == 8 * 1024 * 1024
        conn.close()


@latest
def test_a_learner_over_the_check_rate_gets_429_with_retry_after_through_the_proxy(
    hub: TestHub, tokens: dict[str, str]
) -> None:
    """Checks come in faster than 30 at once and 1 per second: a JSON 429 whose Retry-After
    reaches the client through the proxy."""
    import http.client

    body = json.dumps({"lesson": "hub-notes", "question": "no-such-question", "response": "1"})
    headers = {"Authorization": f"token {tokens['teacher']}", "Content-Type": "application/json"}
    statuses = []
    conn = http.client.HTTPConnection("127.0.0.1", hub.ports["public"], timeout=60)
    try:
        for _ in range(100):
            conn.request("POST", "/services/lessonkit/api/check", body=body, headers=headers)
            response = conn.getresponse()
            answer = json.loads(response.read())
            statuses.append(response.status)
            if response.status == 429:
                break
    finally:
        conn.close()
    assert statuses[:30] == [404] * 30 and statuses[-1] == 429
    assert response.getheader("Retry-After") == "1" and answer["retry_after"] == 1
    assert "too many checks" in answer["error"]
