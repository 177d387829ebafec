"""``./dev.sh demo``: sets up, serves the loops lesson on the default store, says where, and
leaves nothing running after SIGTERM."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ..browser.harness import free_port
from .conftest import ROOT, Served, alive, clean_env, http_get, kernels, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.install, pytest.mark.timeout(900)]


def test_demo_serves_the_loops_lesson_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = clean_env(
        # this test environment: dev.sh sets it up only if it is not set up already
        LESSONKIT_VENV=sys.prefix,
        LESSONKIT_HOME=str(home),  # the default store lives here
        XDG_CACHE_HOME=str(tmp_path / "cache"),
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

        assert demo.terminate() == 0
        wait_for(lambda: not alive(family), 10, "Voilà and its kernels to end")
    log = (tmp_path / "demo.log").read_text(errors="replace")
    assert "lessonkit: stopped" in log
