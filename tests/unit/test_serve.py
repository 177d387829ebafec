"""``lessonkit serve`` without a server: what it says and refuses (tests/install/ runs it)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from lessonkit.cli import main
from lessonkit.commands.serve import describe_store, free_port
from lessonkit.integrations import voila


def test_describe_store_says_where_evidence_goes_without_passwords() -> None:
    assert describe_store("/srv/evidence").startswith("/srv/evidence (JSON-lines files")
    assert describe_store("file:///srv/evidence").startswith("/srv/evidence (")
    assert describe_store("sqlite:////srv/class.db") == "sqlite:////srv/class.db"
    described = describe_store("postgresql://teacher:s3cret@db.example.org:5432/course")
    assert "s3cret" not in described
    assert described == "postgresql://teacher:***@db.example.org:5432/course"
    assert "nothing is kept" in describe_store("memory://")


def test_free_port_skips_a_port_in_use() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert free_port("127.0.0.1", start=taken, tries=20) != taken


def test_serve_needs_a_target_or_the_dashboard(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve"]) == 1
    assert "give a notebook or lesson to serve, or --dashboard" in capsys.readouterr().err
    assert main(["serve", "lessons/loops", "--dashboard"]) == 1


def test_a_broken_lesson_is_refused_before_voila_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.lesson.yaml"
    broken.write_text("lessonkit: 1\nid: x\ntitle: X\nsteps: []\n", encoding="utf-8")
    assert main(["serve", str(broken), "--no-browser"]) == 1
    err = capsys.readouterr().err
    assert f"{broken}:4:8:" in err and "Traceback" not in err


def test_a_missing_template_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], lessons_dir: Path
) -> None:
    monkeypatch.setattr(voila, "template_dir", lambda: None)
    assert main(["serve", str(lessons_dir / "loops"), "--no-browser"]) == 1
    err = capsys.readouterr().err
    assert "the lessonkit Voilà template is not installed" in err and "reinstall" in err


def test_the_source_tree_provides_the_shipped_files() -> None:
    template = voila.template_dir()
    assert template is not None and (template / "index.html.j2").is_file()
    assert voila.dashboard_notebook().name == "lessonkit-dashboard.ipynb"
    assert voila.nbgrader_config().name == "nbgrader_config.py"


def test_the_render_timeout_setting(tmp_path: Path) -> None:
    """``LESSONKIT_RENDER_TIMEOUT`` bounds how long a page may render; nonsense falls back to
    the default, and Voilà's own limit on a cell is longer than the page's."""
    assert voila.render_timeout({}) == voila.RENDER_TIMEOUT
    assert voila.render_timeout({"LESSONKIT_RENDER_TIMEOUT": "15"}) == 15
    for bad in ("soon", "0", "-5", "1e9", "nan"):
        assert voila.render_timeout({"LESSONKIT_RENDER_TIMEOUT": bad}) == voila.RENDER_TIMEOUT
    text = voila.write_voila_config(tmp_path, timeout=20).read_text(encoding="utf-8")
    assert ('c.KernelManager.transport = "ipc"' in text) == sys.platform.startswith("linux")
    assert "c.VoilaExecutor.timeout = 30" in text
    compile(text, "voila.py", "exec")  # a config file Voilà can load
