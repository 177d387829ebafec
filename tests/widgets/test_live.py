"""One learner, one live session: a second view resumes the same session and the first steps
back — in the same kernel (a launcher cell run again) and across kernels (a second tab)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from lessonkit.evidence.stores import open_store
from lessonkit.widgets import launch, show
from lessonkit.widgets.live import Lease

from .conftest import BRANCHING, answer, choose, feedback, send, step_id, text

OTHER_KERNEL = """
import sys, time
import lessonkit as lk
from lessonkit.widgets import show
p = show({lesson!r})
p.act({{"action": "next", "token": p.view["token"]}})
music = [o["value"] for o in p.view["options"] if "Music" in o["html"]][0]
p.act({{"action": "choose", "value": music, "token": p.view["token"]}})
print("ready", p.session.registration, flush=True)
deadline = time.monotonic() + 30
while p.live and time.monotonic() < deadline:
    time.sleep(0.02)
print("handed-over" if not p.live else "still-live", flush=True)
print(p.view["notice"]["html"] if p.view["notice"] else "", flush=True)
sys.stdin.readline()  # stay alive (the old tab stays open) until the test is done
"""


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("LESSONKIT_LEARNER", "grace")
    monkeypatch.setenv("LESSONKIT_STORE", (tmp_path / "store").as_uri())
    monkeypatch.setenv("LESSONKIT_HOME", str(tmp_path / "home"))
    return tmp_path


def _events(env: Path, registration: str) -> list[str]:
    with open_store((env / "store").as_uri()) as store:
        return [s["verb"]["id"].rsplit("/", 1)[-1] for s in store.read(registration=registration)]


def test_running_the_launcher_again_resumes_the_same_session(env) -> None:
    first = show(str(BRANCHING))
    send(first, "next")
    choose(first, "Music")
    answer(first, "6")
    registration = first.session.registration

    second = show(str(BRANCHING))  # no close() in between: the same kernel, the same file
    assert second.session.registration == registration
    assert step_id(second) == "q1" and "Not quite." in feedback(second)
    assert not first.live
    assert "continued in another tab" in text(first.view["notice"]["html"])
    assert not first.view["buttons"]["check"] and first.view["input"]["disabled"]

    # The old view writes nothing any more; the new one carries on.
    send(first, "submit", value="5", n=99)
    assert first.session.current.record.attempts == 1
    assert "Correct!" in answer(second, "5")

    # Taking it back resumes from the store, with the answer given in the other view.
    first.act({"action": "takeback"})
    assert first.live and not second.live
    assert first.session.current.record.correct
    assert "Correct!" in feedback(first)
    send(first, "next")
    second.session.store.close()
    first.session.store.close()
    first.close()
    second.close()
    verbs = _events(env, registration)
    assert verbs.count("answered") == 2 and verbs.count("resumed") == 2


def test_a_second_kernel_takes_over_within_a_second_and_the_first_says_so(env) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", OTHER_KERNEL.format(lesson=str(BRANCHING))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as other:
        try:
            assert other.stdout is not None and other.stdin is not None
            ready, registration = other.stdout.readline().split()
            assert ready == "ready"
            start = time.monotonic()
            here = show(str(BRANCHING))
            took = time.monotonic() - start
            assert here.session.registration == registration  # the same session, not a fork
            assert step_id(here) == "q1" and here.live
            # The other kernel looks every POLL (0.25 s); 2 s leaves room for a loaded machine.
            assert took < 2.0, f"taking the session over took {took:.2f} s"
            assert other.stdout.readline().strip() == "handed-over"
            assert "continued in another tab" in other.stdout.readline()
            assert "Correct!" in answer(here, "5")
            here.session.store.close()
            here.close()
        finally:
            other.kill()
            other.wait()
    verbs = _events(env, registration)
    assert verbs.count("initialized") == 1 and "answered" in verbs


def test_a_busy_view_shows_the_session_without_writing_then_takes_it_over(env, monkeypatch) -> None:
    monkeypatch.setattr(launch, "LOCK_WAIT", 0.3)
    first = show(str(BRANCHING))
    send(first, "next")
    choose(first, "Music")
    registration = first.session.registration
    first._watcher.stop()  # a stopped kernel: it holds the file and answers nothing
    first.live = False  # (and this test plays the other tab itself, below)
    from lessonkit.widgets import live

    live._LIVE.clear()

    second = show(str(BRANCHING))
    assert second.session.registration == registration  # shown, not forked
    assert not second.live and second.session.store is None
    assert "not responding" in text(second.view["notice"]["html"])
    assert step_id(second) == "q1" and second.view["input"]["disabled"]

    first.session.store.close()  # the stuck kernel goes away
    second.act({"action": "takeback"})
    assert second.live and second.session.registration == registration
    assert "Correct!" in answer(second, "5")
    second.session.store.close()
    second.close()
    first.close()
    with open_store((env / "store").as_uri()) as store:
        assert store.registrations("grace", "branching") == [registration]


def test_a_lease_that_cannot_be_written_turns_coordination_off(tmp_path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the lease folder should be")
    lease = Lease(blocker / "live" / "x.json")
    lease.claim()  # cannot be written (as any user): every view holds its own session
    assert lease.path is None
    assert lease.held() and not lease.changed()
