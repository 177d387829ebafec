"""The sandbox is used only where it really confines code, and says clearly when it cannot.

- A bwrap that is missing, refused by the kernel, or does not confine (a stand-in that runs
  the command unconfined) is caught by the start-up probe: nothing runs, and a Code check says
  why instead of running learner code unisolated.
- ``LESSONKIT_ISOLATION=none`` is the only way to run code unconfined.
- The unprivileged path (user namespaces; how a JupyterHub user runs it) is exercised for real
  by running the isolation package as ``nobody`` under the system Python (:mod:`._nobody`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import lessonkit as lk
from lessonkit.checks import Code, CodeTest, check
from lessonkit.commands.serve import isolation_notice
from lessonkit.evidence import event_to_statement
from lessonkit.grading import regrade
from lessonkit.isolation import LearnerRun, isolation_status

from . import _nobody

ROOT = Path(__file__).resolve().parents[2]
DOUBLE = Code(name="double", tests=(CodeTest(args=(3,), expect=6),), timeout=1.0)


@pytest.fixture
def fresh_status() -> Iterator[None]:
    """Probe again before and after the test, so settings it changes do not leak."""
    isolation_status(refresh=True)
    yield
    isolation_status(refresh=True)


def _source_leaving_a_trace(trace: Path) -> str:
    """Honest code that also creates ``trace`` on the host if it ever runs unconfined."""
    return f"open({str(trace)!r}, 'w').close()\ndef double(x):\n    return 2 * x\n"


def _assert_refused(trace: Path, reason: str) -> None:
    status = isolation_status(refresh=True)
    assert not status.available and not status.isolated
    assert reason in status.reason
    result = check(DOUBLE, _source_leaving_a_trace(trace))
    assert not result.understood and not result.correct
    assert result.feedback.startswith("Code cannot be checked on this server: ")
    assert reason in result.feedback
    assert result.details["mode"] == "unavailable"
    assert not trace.exists(), "learner code ran although isolation was unavailable"


FAKE_BWRAP = (
    'case "$1" in --version) echo "bubblewrap 0.8.0"; exit 0;; --help) exit 0;; esac\n'
    'while [ "$1" != "--" ]; do shift; done\nshift\nexec "$@"\n'
)
"""A stand-in that answers like bwrap, then runs the command after ``--`` unconfined."""


def _script(folder: Path, body: str) -> Path:
    path = folder / "bwrap"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


@pytest.mark.usefixtures("fresh_status")
def test_an_unknown_setting_refuses_to_run_code(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LESSONKIT_ISOLATION", "sometimes")
    _assert_refused(tmp_path / "ran", "LESSONKIT_ISOLATION='sometimes' is not understood")


@pytest.mark.usefixtures("fresh_status")
def test_a_missing_bwrap_refuses_to_run_code(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LESSONKIT_BWRAP", str(tmp_path / "no-such-bwrap"))
    _assert_refused(tmp_path / "ran", "is not an executable")


@pytest.mark.usefixtures("fresh_status")
def test_refused_user_namespaces_are_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    message = (
        "bwrap: No permissions to create a new namespace, likely because the kernel does not "
        "allow non-privileged user namespaces."
    )
    bwrap = _script(tmp_path, f'case "$1" in --*) ;; esac\necho "{message}" >&2\nexit 1\n')
    monkeypatch.setenv("LESSONKIT_BWRAP", str(bwrap))
    _assert_refused(tmp_path / "ran", "user namespaces are probably refused")


@pytest.mark.usefixtures("fresh_status")
def test_a_bwrap_that_does_not_confine_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bwrap = _script(tmp_path, FAKE_BWRAP)
    monkeypatch.setenv("LESSONKIT_BWRAP", str(bwrap))
    # The child notices it shares the server's mount namespace before it touches anything
    # (test_memory_status.py has stand-ins that confine part way, caught by the probe).
    _assert_refused(tmp_path / "ran", "it is not in a sandbox")


@pytest.mark.usefixtures("fresh_status", "sandbox")
def test_turning_isolation_off_is_explicit_and_visible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LESSONKIT_ISOLATION", "none")
    status = isolation_status()
    assert status.available and not status.isolated and status.mechanism == "none"
    assert "LESSONKIT_ISOLATION=none" in status.reason
    result = check(DOUBLE, "def double(x):\n    return 2 * x\n")
    assert result.correct and result.details["isolation"] == "none"
    monkeypatch.delenv("LESSONKIT_ISOLATION")
    result = check(DOUBLE, "def double(x):\n    return 2 * x\n")
    assert result.correct and result.details["isolation"] == "bubblewrap"


UNPRIVILEGED_DRIVER = """
status = isolation.isolation_status()
attacks = {
    "uid": "import os\\ndef observe():\\n    return [os.getuid(), os.geteuid()]\\n",
    "pids": (
        "import os\\ndef observe():\\n"
        "    return sorted(p for p in os.listdir('/proc') if p.isdigit())\\n"
    ),
    "fork bomb": (
        "import os, time\\ndef observe():\\n    n = 0\\n    try:\\n        for _ in range(500):\\n"
        "            if os.fork() == 0:\\n"
        "                time.sleep(5)\\n                os._exit(0)\\n"
        "            n += 1\\n    except OSError:\\n        pass\\n    return n\\n"
    ),
    "nested namespace": (
        "import ctypes, os\\ndef observe():\\n"
        "    libc = ctypes.CDLL(None, use_errno=True)\\n"
        "    if libc.unshare(0x10000000) == 0:\\n        return 'unshared'\\n"
        "    return os.strerror(ctypes.get_errno())\\n"
    ),
    "write root": (
        "def observe():\\n    try:\\n        open('/x', 'w')\\n        return 'written'\\n"
        "    except OSError as exc:\\n        return type(exc).__name__\\n"
    ),
}
seen = {}
for name, source in attacks.items():
    run = isolation.run_learner_code(source, name="observe", calls=[((), {})], timeout=2)
    seen[name] = [run.status, run.calls[0].status if run.calls else None,
                  run.calls[0].value if run.calls else run.error]
os.environ["LESSONKIT_BWRAP"] = sys.argv[2]
fake = isolation.isolation_status(refresh=True)
print(json.dumps({"status": [status.isolated, status.reason, status.layout.privileged],
                  "fake": [fake.available, fake.reason], "seen": seen}))
"""


def test_the_unprivileged_sandbox_confines_too() -> None:
    why = _nobody.unavailable()
    if why:
        pytest.skip(why)
    if not isolation_status().isolated:
        pytest.skip("no working sandbox here (see test_code_isolation)")
    with _nobody.copied() as folder:
        _script(folder, FAKE_BWRAP)
        _nobody.readable(folder)
        out = _nobody.run(folder, UNPRIVILEGED_DRIVER, str(folder / "bwrap"), timeout=60)
    report = json.loads(out)
    isolated, reason, privileged = report["status"]
    assert isolated and not privileged, reason
    seen = report["seen"]
    assert seen["uid"][0] == "ran" and seen["uid"][2] == [65534, 65534]
    assert seen["pids"][2] == ["1", "2"]
    assert 0 <= seen["fork bomb"][2] < 8
    assert seen["nested namespace"][2] == "Operation not permitted"
    assert seen["write root"][2] == "OSError"
    # Run unconfined by a stand-in bwrap, the child refuses before running anything:
    available, fake_reason = report["fake"]
    assert not available and "it is not in a sandbox" in fake_reason, fake_reason


CODE_LESSON = """
lessonkit: 1
id: code-graded
title: Code
steps:
  - id: double
    kind: exercise
    prompt: Write double(x).
    points: 1
    check:
      type: code
      name: double
      timeout: 1
      tests:
        - {args: [3], expect: 6}
    next: done
  - id: done
    kind: end
    body: Done.
"""
RIGGED = (
    "class Yes:\n    def __eq__(self, other):\n        return True\n"
    "def double(x):\n    return Yes()\n"
)


def _evidence(lesson: lk.Lesson, source: str, *, claim: bool) -> list[dict[str, object]]:
    session = lk.LessonSession(lesson, learner="kim", seed=1)
    session.start()
    session.submit(source)
    found = []
    for event in session.events:  # a learner may edit the evidence file: claim success
        text = json.dumps(event_to_statement(event))
        if claim:
            text = text.replace('"correct": false', '"correct": true')
            text = text.replace('"success": false', '"success": true')
        found.append(json.loads(text))
    return found


@pytest.mark.usefixtures("sandbox")
def test_grading_reruns_recorded_code_in_the_sandbox() -> None:
    lesson = lk.loads_lesson(CODE_LESSON, "<code lesson>")
    report = regrade(lesson, _evidence(lesson, RIGGED, claim=True))
    assert report.question_points() == (0.0, 1.0)
    assert any("recorded as correct" in d for d in report.discrepancies)
    honest = regrade(lesson, _evidence(lesson, "def double(x):\n    return 2 * x\n", claim=False))
    assert honest.question_points() == (1.0, 1.0)


@pytest.mark.usefixtures("fresh_status", "sandbox")
def test_grading_without_a_sandbox_says_why_code_was_not_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lesson = lk.loads_lesson(CODE_LESSON, "<code lesson>")
    evidence = _evidence(lesson, "def double(x):\n    return 2 * x\n", claim=False)
    monkeypatch.setenv("LESSONKIT_ISOLATION", "never-heard-of-it")
    report = regrade(lesson, evidence)
    assert report.question_points() == (0.0, 1.0)
    assert any("Code cannot be checked on this server" in p for p in report.problems)


@pytest.mark.usefixtures("fresh_status", "sandbox")
def test_serve_says_how_learner_code_will_run(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isolation_notice().startswith("lessonkit: learner code runs in bubblewrap")
    monkeypatch.setenv("LESSONKIT_ISOLATION", "none")
    assert isolation_notice().startswith("lessonkit: warning: isolation is turned off")
    monkeypatch.setenv("LESSONKIT_ISOLATION", "bogus")
    assert isolation_notice().startswith("lessonkit: warning: code exercises cannot be checked")


@pytest.mark.usefixtures("sandbox")
def test_the_python_example_in_the_security_doc_runs() -> None:
    doc = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"^```python\n(.*?)^```", doc, re.M | re.S)
    namespace: dict[str, object] = {}
    exec(compile(example, "docs/security.md", "exec"), namespace)
    run = namespace["run"]
    assert isinstance(run, LearnerRun) and (run.status, run.calls[0].value) == ("ran", 6)
