"""The built wheel is complete: installed into a fresh virtualenv (not editable, with the pinned
versions), it serves a lesson through ``lessonkit serve`` that renders in a real browser, and it
finds the dashboard and the nbgrader config snippet it ships."""

from __future__ import annotations

import email.parser
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import lessonkit

from ..browser.harness import READY, free_port
from .conftest import LOCK, ROOT, Served, alive, clean_env, http_get, kernels, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.install, pytest.mark.timeout(900)]

SHARED = "share/jupyter"
SHIPPED = [
    f"{SHARED}/voila/templates/lessonkit/conf.json",
    f"{SHARED}/voila/templates/lessonkit/index.html.j2",
    f"{SHARED}/voila/templates/lessonkit/static/lessonkit.css",
    f"{SHARED}/voila/templates/lessonkit/static/lessonkit.min.css",
    f"{SHARED}/voila/templates/lessonkit/static/lessonkit-page.min.js",
    f"{SHARED}/lessonkit/dashboard/lessonkit-dashboard.ipynb",
    f"{SHARED}/lessonkit/nbgrader/nbgrader_config.py",
]


def _run(*argv: object, env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [str(a) for a in argv], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, ROOT,
         env=clean_env(), cwd=out)  # fmt: skip
    (built,) = out.glob("lessonkit-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtualenv with the wheel installed (no byte-compiling: it only costs time)."""
    root = tmp_path_factory.mktemp("wheel-env")
    env = root / "venv"
    _run(sys.executable, "-m", "venv", env, env=clean_env(), cwd=root)
    _run(env / "bin" / "python", "-m", "pip", "install", "-q", "--no-compile", "-c", LOCK, wheel,
         env=clean_env(), cwd=root)  # fmt: skip
    yield env


def _env(venv: Path, tmp: Path, **extra: str) -> dict[str, str]:
    return clean_env(
        PATH=f"{venv / 'bin'}:{clean_env()['PATH']}",
        VIRTUAL_ENV=str(venv),
        LESSONKIT_HOME=str(tmp / "home"),
        XDG_CACHE_HOME=str(tmp / "cache"),
        **extra,
    )


def test_the_wheel_carries_the_template_and_data_files(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(archive.read(meta_name).decode())
    data = f"lessonkit-{lessonkit.__version__}.data/data/"
    missing = [path for path in SHIPPED if data + path not in names]
    assert missing == []
    assert "lessonkit/lesson/schema/lesson.v1.json" in names
    assert not [n for n in names if n.startswith(("tests/", "lessons/", "docs/"))]
    assert meta["Version"] == lessonkit.__version__
    assert meta["Requires-Python"] == ">=3.11"
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert {"Homepage", "Documentation", "Source", "Issues", "Changelog"} <= set(urls)
    assert "Development Status :: 3 - Alpha" in meta.get_all("Classifier")


def test_the_installed_package_is_not_the_source_tree(venv: Path, tmp_path: Path) -> None:
    env = _env(venv, tmp_path)
    code = (
        "import json, lessonkit\n"
        "from lessonkit.integrations.voila import dashboard_notebook, nbgrader_config, "
        "template_dir\n"
        "print(json.dumps([lessonkit.__file__, str(template_dir()), str(dashboard_notebook()),"
        " str(nbgrader_config())]))"
    )
    module, template, dashboard, config = json.loads(
        _run(venv / "bin" / "python", "-c", code, env=env, cwd=tmp_path)
    )
    assert Path(module).is_relative_to(venv / "lib")
    share = venv / SHARED
    assert Path(template) == share / "voila" / "templates" / "lessonkit"
    assert Path(dashboard) == share / "lessonkit" / "dashboard" / "lessonkit-dashboard.ipynb"
    assert Path(config) == share / "lessonkit" / "nbgrader" / "nbgrader_config.py"
    version = _run(venv / "bin" / "lessonkit", "--version", env=env, cwd=tmp_path)
    assert version.strip() == f"lessonkit {lessonkit.__version__}"


def test_the_authoring_walkthrough_runs_on_the_installed_package(
    venv: Path, tmp_path: Path
) -> None:
    """A new instructor with only the wheel: the authoring guide from its editors section to a
    validated course, run as shown in an empty folder (no lessons, no source tree)."""
    from ..docs.test_authoring_walkthrough import walkthrough_text
    from ..docs.test_doc_commands import _blocks, _output_matches

    page = tmp_path / "authoring.md"
    text = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    page.write_text(walkthrough_text(text), encoding="utf-8")
    blocks, reasons = _blocks(page)
    assert reasons == []  # nothing in the walkthrough is left out
    work = tmp_path / "work"
    work.mkdir()
    env = _env(venv, tmp_path)
    ran = []
    for block in blocks:
        if block.kind == "file":
            (work / block.filename).write_text(block.text, encoding="utf-8")
            continue
        for command in block.commands:
            done = subprocess.run(
                ["bash", "-c", command.line],
                cwd=work,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=300,
                check=False,
            )
            printed = done.stdout.splitlines()
            if command.output:
                assert _output_matches(command.output, printed), (command.line, done.stdout)
            else:
                assert done.returncode == 0, (command.line, done.stdout)
            ran.append(command.line)
    assert any(line.startswith("lessonkit course validate") for line in ran)
    # the schema the guide's first command printed is the installed one
    installed = _run(venv / "bin" / "lessonkit", "schema", "lesson", "--path", env=env, cwd=work)
    assert Path(installed.strip()).is_relative_to(venv / "lib")
    url = _run(venv / "bin" / "lessonkit", "schema", "lesson", "--url", env=env, cwd=work)
    published = ROOT / url.strip().removeprefix(
        "https://raw.githubusercontent.com/lessonkit/lessonkit/main/"
    )
    assert published.read_bytes() == Path(installed.strip()).read_bytes()


def test_the_installed_package_serves_a_lesson_to_a_browser(
    venv: Path, tmp_path: Path, chromium: str
) -> None:
    lesson_dir = tmp_path / "loops"
    shutil.copytree(ROOT / "lessons" / "loops", lesson_dir)
    env = _env(venv, tmp_path)
    port = free_port()
    lesson = lesson_dir / "loops.lesson.yaml"
    cmd = [str(venv / "bin" / "lessonkit"), "serve", str(lesson), "--no-browser", f"--port={port}"]
    with Served(cmd, env=env, cwd=tmp_path, log=tmp_path / "serve.log") as served:
        assert served.url == f"http://localhost:{port}/"
        assert served.evidence == str(tmp_path / "home" / "evidence")
        status, html = http_get(served.url)
        assert status == 200
        assert "lk-page" in html and "static/lessonkit.min.css" in html  # lessonkit's template

        # the lesson's first step is drawn (not the preheated page's "Loading the lesson…")
        shown = _run(sys.executable, Path(__file__).with_name("open_in_chromium.py"),
                     served.url, ".lk-player", READY, env=clean_env(), cwd=tmp_path)  # fmt: skip
        assert "Step 1 of about" in shown and "Why loops?" in shown
        family = served.family()
        assert kernels(family)
        assert served.terminate() == 0
        wait_for(lambda: not alive(family), 10, "Voilà and its kernels to end")


def test_the_installed_package_serves_the_dashboard(venv: Path, tmp_path: Path) -> None:
    store = tmp_path / "evidence"
    store.mkdir()
    env = _env(venv, tmp_path)
    port = free_port()
    cmd = [str(venv / "bin" / "lessonkit"), "serve", "--dashboard", f"--store={store}",
           "--no-browser", f"--port={port}"]  # fmt: skip
    with Served(cmd, env=env, cwd=tmp_path, log=tmp_path / "serve.log") as served:
        assert served.notebook.name == "lessonkit-dashboard.ipynb"
        assert served.notebook.is_relative_to(venv / SHARED)
        assert served.evidence.startswith(str(store))
        status, html = http_get(served.url)
        assert status == 200
        assert "lessonkit class dashboard" in html
        assert "Traceback" not in html and "jp-OutputArea-output error" not in html
        assert served.terminate() == 0


def test_the_installed_wheel_upgrades_a_service_database(
    wheel: Path, venv: Path, tmp_path: Path
) -> None:
    """The service's start and ``lessonkit hub upgrade-db`` run Alembic scripts from the
    installed package: all of them ship in the wheel, the ``hub`` extra requires Alembic, and
    the installed command upgrades a database with them."""
    source = ROOT / "lessonkit" / "hub" / "migrations"
    scripts = {
        f"lessonkit/hub/migrations/{p.relative_to(source)}"
        for p in source.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert {"env.py", "script.py.mako"} <= {Path(s).name for s in scripts}
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(archive.read(meta_name).decode())
    assert scripts - names == set()
    hub_extra = [
        req.name
        for req in map(Requirement, meta.get_all("Requires-Dist"))
        if req.marker is not None and req.marker.evaluate({"extra": "hub"})
    ]
    assert "alembic" in hub_extra

    env = _env(venv, tmp_path)
    _run(venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-compile", "-c", LOCK,
         "alembic", env=clean_env(), cwd=tmp_path)  # fmt: skip
    lesson = ROOT / "tests" / "hub" / "data" / "notes.lesson.yaml"
    config = tmp_path / "lessonkit-hub.yaml"
    config.write_text(
        f"database: sqlite:///{tmp_path / 'service.db'}\n"
        f"courses:\n  notes:\n    lessons: [{lesson}]\n",
        encoding="utf-8",
    )
    lessonkit_cli = venv / "bin" / "lessonkit"
    out = _run(lessonkit_cli, "hub", "upgrade-db", "--config", config, env=env, cwd=tmp_path)
    assert json.loads(out)["applied"] == ["0001", "0002", "0003"]
    status = _run(lessonkit_cli, "hub", "status", "--config", config, env=env, cwd=tmp_path)
    assert json.loads(status)["stored"] == 0
