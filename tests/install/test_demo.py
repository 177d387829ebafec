"""``./dev.sh demo``: sets up — with the Debian packages serving needs, so that the lesson's
code exercises are checked — serves the loops lesson on the default store, says where, and
leaves nothing running after SIGTERM."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..browser.harness import free_port
from .conftest import ROOT, Served, alive, clean_env, http_get, kernels, wait_for

MISSING = {"bwrap", "chromium", "initdb", "node", "npm"}
"""Commands the demo's machine is made to lack: the sandbox, and what only the tests need."""


def fresh_machine_path(where: Path, apt_log: Path) -> str:
    """A ``PATH`` on which the commands in :data:`MISSING` are not found (as on a fresh
    Debian machine), whose ``apt-get`` is the real one, recording how it was called."""
    where.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            target = Path(folder, name)
            link = where / name
            if name in MISSING or link.exists() or not os.access(target, os.X_OK):
                continue
            link.symlink_to(target)
    real = shutil.which("apt-get")
    assert real is not None, "these tests run on Debian"
    (where / "apt-get").unlink(missing_ok=True)
    spy = where / "apt-get"
    spy.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{apt_log}"\nexec "{real}" "$@"\n')
    spy.chmod(0o755)
    return str(where)


pytestmark = [pytest.mark.integration, pytest.mark.install, pytest.mark.timeout(900)]


def test_demo_serves_the_loops_lesson_and_stops_cleanly_on_sigterm(
    tmp_path: Path, chromium: str
) -> None:
    home = tmp_path / "home"
    apt_log = tmp_path / "apt-get.log"
    env = clean_env(
        # this test environment: dev.sh sets it up only if it is not set up already
        LESSONKIT_VENV=sys.prefix,
        LESSONKIT_HOME=str(home),  # the default store lives here
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        # a machine without bubblewrap (nor the tests' chromium, PostgreSQL, Node.js)
        PATH=fresh_machine_path(tmp_path / "bin", apt_log),
    )
    port = free_port()
    cmd = [str(ROOT / "dev.sh"), "demo", "--no-browser", f"--port={port}"]
    with Served(cmd, env=env, cwd=tmp_path, log=tmp_path / "demo.log") as demo:
        assert demo.notebook == ROOT / "lessons" / "loops" / "loops.ipynb"
        assert demo.url == f"http://localhost:{port}/"
        evidence = home / "evidence"
        assert demo.evidence == str(evidence)

        status, html = http_get(demo.url)
        assert status == 200
        assert "lk-page" in html  # the lessonkit template
        assert "application/vnd.jupyter.widget-view+json" in html  # the player was shown

        family = demo.family()
        assert kernels(family), "the page's kernel should be running"
        # The player opened a session in the default store, where the demo said it would.
        wait_for(lambda: any(evidence.rglob("*.jsonl")), 30, "evidence in the default store")

        # The demo installed the sandbox (and nothing only the tests need) ...
        calls = apt_log.read_text() if apt_log.exists() else ""  # none: nothing was installed
        installs = [line.split() for line in calls.splitlines()]
        asked = {word for line in installs if "install" in line for word in line[1:]}
        assert "bubblewrap" in asked, installs
        assert not asked & {"chromium", "postgresql", "nodejs", "npm"}, installs
        log = (tmp_path / "demo.log").read_text(errors="replace")
        assert "installing Debian packages: bubblewrap" in log
        assert "learner code runs in bubblewrap" in log and "cannot be checked" not in log
        # ... so the lesson's code exercise is checked in the page a newcomer opens.
        walk = subprocess.run(
            [sys.executable, Path(__file__).with_name("check_code_in_chromium.py"), demo.url],
            capture_output=True,
            text=True,
            timeout=400,
            check=False,
        )
        assert walk.returncode == 0, walk.stderr[-3000:]
        assert "Correct!" in walk.stdout and "3 of 3 tests passed" in walk.stdout, walk.stdout

        assert demo.terminate() == 0
        wait_for(lambda: not alive(family), 10, "Voilà and its kernels to end")
    log = (tmp_path / "demo.log").read_text(errors="replace")
    assert "lessonkit: stopped" in log
