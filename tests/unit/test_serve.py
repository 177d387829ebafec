"""``lessonkit serve`` without a server: what it says and refuses (tests/install/ runs it)."""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

import pytest

from lessonkit.cli import main
from lessonkit.commands.serve import describe_store, free_port
from lessonkit.errors import LessonkitError
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


def test_serve_lang_is_every_pages_language_and_refuses_one_without_a_catalog(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from lessonkit.cli import build_parser
    from lessonkit.commands.serve import serve_env

    args = build_parser().parse_args(["serve", "lesson.ipynb", "--lang", "es-MX"])
    env = serve_env(args, base={})
    assert env["LESSONKIT_LANGUAGE"] == "es"  # the closest catalog, for every page's kernel
    assert "LESSONKIT_LANGUAGE" not in serve_env(build_parser().parse_args(["serve", "x"]), {})
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["serve", "lesson.ipynb", "--lang", "tlh"])
    assert stop.value.code == 2
    assert "no translation for 'tlh'" in capsys.readouterr().err


def test_the_preheat_setting(tmp_path: Path) -> None:
    """``--preheat N`` writes Voilà's pool settings with lessonkit's request-time identity
    instead of the prelaunch hook (Voilà refuses the two together); 0 keeps the hook."""
    pooled = voila.write_voila_config(tmp_path / "pooled", preheat=3).read_text(encoding="utf-8")
    assert "c.VoilaConfiguration.preheat_kernel = True" in pooled
    assert "c.VoilaConfiguration.default_pool_size = 3" in pooled
    assert "LearnerIdentityProvider" in pooled and "PoolKernelManager" in pooled
    assert '"X-Lessonkit-Learner"' in pooled and "prelaunch_hook" not in pooled
    hooked = voila.write_voila_config(tmp_path / "hooked", preheat=0).read_text(encoding="utf-8")
    assert "prelaunch_hook" in hooked and "preheat_kernel" not in hooked
    for text in (pooled, hooked):
        compile(text, "voila.py", "exec")
        assert "extension_denylist" in text

    from lessonkit.commands import serve

    parser = argparse.ArgumentParser()
    serve.register(parser.add_subparsers())
    args = parser.parse_args(["serve", "lesson.yaml"])
    assert serve.preheat_size(args) == serve.DEFAULT_PREHEAT == 1
    assert serve.preheat_size(parser.parse_args(["serve", "x", "--preheat", "4"])) == 4
    assert serve.preheat_size(parser.parse_args(["serve", "--dashboard", "--preheat", "4"])) == 0
    with pytest.raises(LessonkitError, match="--preheat"):
        serve.preheat_size(parser.parse_args(["serve", "x", "--preheat", "-1"]))
    env = serve.serve_env(parser.parse_args(["serve", "x", "--ip", "10.1.2.3"]), base={})
    assert env["LESSONKIT_PAGE_LEARNER"] == "request" and env["VOILA_APP_IP"] == "10.1.2.3"
    assert "VOILA_APP_IP" not in serve.serve_env(args, base={})


def test_the_base_url_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--base-url PATH`` serves Voilà's routes and pages under PATH (behind a proxy that
    passes the whole path on); anything but a plain path is refused before Voilà starts."""
    from lessonkit.commands import serve

    parser = argparse.ArgumentParser()
    serve.register(parser.add_subparsers())

    def command(*extra: str) -> list[str]:
        args = parser.parse_args(["serve", "x", "--port", "9", *extra])
        return serve.build_command(args, tmp_path / "x.ipynb", tmp_path)

    assert not [a for a in command() if a.startswith("--Voila.base_url")]
    assert "--Voila.base_url=/user/ada/lessonkit/" in command("--base-url=/user/ada/lessonkit")
    assert "--Voila.base_url=/a/b/" in command("--base-url", "a//b/")
    for bad in ("http://evil.example/", "/a/../b/", "/a?b", "/a b/", "/%2e%2e/"):
        with pytest.raises(LessonkitError, match="--base-url"):
            command("--base-url", bad)
    lesson = Path(__file__).parents[2] / "lessons" / "loops" / "loops.lesson.yaml"
    assert main(["serve", str(lesson), "--base-url", "/a/../b/"]) == 1
    assert "lessonkit: error: serve: --base-url must be a path" in capsys.readouterr().err
