"""The start-up check refuses a sandbox that cannot hold learner code to its memory bound.

Each stand-in here runs the real bubblewrap with one protection taken away — the seccomp
filter, the filter's rules (an allow-all program in its place), the capability the child needs
to cap its scratch tmpfs, the PID namespace — the way a packaging mistake, an old bwrap or a
locked-down container would. The sandbox must then be refused with a reason that names what is
missing, and no learner code may run.
"""

from __future__ import annotations

import shutil
import struct
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lessonkit.checks import Code, CodeTest, check
from lessonkit.isolation import isolation_status

pytestmark = pytest.mark.usefixtures("sandbox", "fresh_status")

DOUBLE = Code(name="double", tests=(CodeTest(args=(3,), expect=6),), timeout=1.0)
ALLOW_ALL = struct.pack("=HBBI", 0x06, 0, 0, 0x7FFF0000)
"""A seccomp program of one instruction: return ALLOW, whatever the call."""

STANDIN = """#!/usr/bin/python3
import os, sys
REAL, FLAGS, PAIRS, PROGRAM = {real!r}, {flags!r}, {pairs!r}, {program!r}
args, out = sys.argv[1:], []
while args:
    arg = args.pop(0)
    if arg == "--":
        out += [arg, *args]
        break
    if arg in FLAGS:
        continue
    if args and [arg, args[0]] in PAIRS or [arg, None] in PAIRS:
        args.pop(0)
        continue
    if arg == "--seccomp" and PROGRAM:
        fd = os.open(PROGRAM, os.O_RDONLY)
        os.set_inheritable(fd, True)
        args[0] = str(fd)
    out.append(arg)
os.execv(REAL, [REAL, *out])
"""
"""bwrap, minus the options in FLAGS and the option/value pairs in PAIRS (value None: any),
with the seccomp program replaced by PROGRAM's content if set."""


@pytest.fixture
def fresh_status() -> Iterator[None]:
    """Probe again before and after the test, so the stand-in does not stay in use."""
    isolation_status(refresh=True)
    yield
    isolation_status(refresh=True)


def _standin(
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    flags: tuple[str, ...] = (),
    pairs: tuple[tuple[str, str | None], ...] = (),
    allow_all: bool = False,
) -> None:
    real = shutil.which("bwrap")
    assert real is not None
    program = ""
    if allow_all:
        (folder / "allow-all.bpf").write_bytes(ALLOW_ALL)
        program = str(folder / "allow-all.bpf")
    script = folder / "bwrap"
    rules = {"flags": list(flags), "pairs": [list(pair) for pair in pairs], "program": program}
    script.write_text(STANDIN.format(real=real, **rules))
    script.chmod(0o755)
    monkeypatch.setenv("LESSONKIT_BWRAP", str(script))


def _assert_refused(tmp_path: Path, *reasons: str) -> str:
    status = isolation_status(refresh=True)
    assert not status.available and not status.isolated, status.reason
    for reason in reasons:
        assert reason in status.reason
    trace = tmp_path / "ran"
    source = f"open({str(trace)!r}, 'w').close()\ndef double(x):\n    return 2 * x\n"
    result = check(DOUBLE, source)
    assert not result.understood and result.details["mode"] == "unavailable"
    assert result.feedback.startswith("Code cannot be checked on this server: ")
    assert not trace.exists()
    return status.reason


def test_the_standin_itself_keeps_a_working_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _standin(tmp_path, monkeypatch)  # takes nothing away: proves the tests below are fair
    status = isolation_status(refresh=True)
    assert status.isolated, status.reason
    assert check(DOUBLE, "def double(x):\n    return 2 * x\n").correct


def test_no_seccomp_filter_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _standin(tmp_path, monkeypatch, pairs=(("--seccomp", None),))
    _assert_refused(tmp_path, "cannot be set up here", "the seccomp filter is not installed")


def test_a_filter_that_allows_everything_is_caught_by_the_probe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _standin(tmp_path, monkeypatch, allow_all=True)
    reason = _assert_refused(tmp_path, "the sandbox does not confine code here")
    for hole in ("SysV shared memory", "memfd files", "io_uring", "network sockets"):
        assert f"it can create {hole}" in reason


def test_no_capability_to_cap_the_scratch_tmpfs_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _standin(tmp_path, monkeypatch, pairs=(("--cap-add", "CAP_SYS_ADMIN"),))
    _assert_refused(tmp_path, "cannot limit the scratch directory")


def test_no_pid_namespace_is_caught_by_the_probe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _standin(tmp_path, monkeypatch, flags=("--unshare-pid",))
    _assert_refused(tmp_path, "it sees processes outside the sandbox")


def test_an_old_bwrap_without_the_options_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "bwrap"  # a bwrap whose --help lists neither --seccomp nor --cap-add
    script.write_text(
        "#!/bin/sh\n"
        'case "$1" in --version) echo "bubblewrap 0.3.0"; exit 0;;\n'
        '  --help) echo "--unshare-user --dev-bind --remount-ro --tmpfs"; exit 0;; esac\n'
        "exit 1\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("LESSONKIT_BWRAP", str(script))
    _assert_refused(tmp_path, "bubblewrap 0.3.0 is too old: it lacks --cap-add, --seccomp")


def test_no_libseccomp_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyseccomp", None)  # what an import without it raises
    _assert_refused(tmp_path, "the sandbox cannot bound memory here: libseccomp cannot be loaded")
