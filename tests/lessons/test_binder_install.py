"""The Binder configuration: its pins match what the tests run with, and ``binder/postBuild``
installs a working lessonkit into a fresh environment that can run the launcher notebook.

Installing every pinned requirement into a fresh venv would take minutes. Instead the fresh
venv (``python -m venv``, not ``--system-site-packages``) sees this test environment's
third-party packages through a ``.pth`` file listing its site-packages. That is equivalent
because ``test_requirements_pin_the_versions_the_tests_use`` checks that every pin in
``binder/requirements.txt`` is exactly the version installed here. ``.pth`` files inside that
directory are not processed, so this environment's (editable) lessonkit stays invisible: the
new venv can only import the lessonkit that ``postBuild`` installed, which the test asserts.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
PINNED = {
    "anywidget",
    "fastjsonschema",
    "ipywidgets",
    "jupyterlab",
    "matplotlib",
    "nbgrader",
    "notebook",
    "pandas",
    "pyyaml",
    "sqlalchemy",
    "sympy",
    "voila",
}


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for raw in (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"not pinned with ==: {line!r}"
            pins[name.strip()] = version.strip()
    return pins


def test_requirements_pin_the_versions_the_tests_use() -> None:
    pins = _pins()
    assert {name.lower() for name in pins} == PINNED
    for name, version in pins.items():
        assert importlib.metadata.version(name) == version, name


def test_binder_files() -> None:
    assert (BINDER / "runtime.txt").read_text(encoding="utf-8").strip() == "python-3.11"
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    base = "https://mybinder.org/v2/gh/lessonkit/lessonkit/main"
    assert f"{base}?urlpath=lab/tree/lessons/loops/loops.ipynb" in readme
    assert f"{base}?urlpath=voila/render/lessons/loops/loops.ipynb" in readme
    assert (ROOT / "lessons" / "loops" / "loops.ipynb").exists()


_RUN_NOTEBOOK = """
import json, sys
import nbformat
from nbclient import NotebookClient

path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "import json, sys, lessonkit\\n"
    "print(json.dumps({'file': lessonkit.__file__, 'python': sys.executable}))"
))
NotebookClient(nb, timeout=120, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
print(json.dumps([c.get("outputs", []) for c in nb.cells if c.cell_type == "code"]))
"""


@pytest.mark.integration
def test_post_build_installs_lessonkit_that_runs_the_loops_notebook(tmp_path: Path) -> None:
    env_dir = tmp_path / "binder-env"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "_test_environment.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    }
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(env_dir)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    work = tmp_path / "work"  # run from outside the repository: no import from the source tree
    work.mkdir()

    proc = subprocess.run(
        [str(BINDER / "postBuild")], cwd=work, env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr

    def run(*argv: object, cwd: Path = work) -> str:
        done = subprocess.run(
            [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    where = run(python, "-c", "import lessonkit; print(lessonkit.__file__)").strip()
    assert Path(where).is_relative_to(site), where
    # the package data (the JSON Schema) was installed with it
    run(python, "-c", "import lessonkit.lesson.validate; print('ok')")
    out = run(env_dir / "bin" / "lessonkit", "validate", ROOT / "lessons")
    assert "loops.lesson.yaml: ok" in out and "center-spread.lesson.yaml: ok" in out

    # Execute a copy of the launcher notebook headless with the new environment's Python, so
    # evidence written by the player lands in the temporary folder, not in the repository.
    lesson_dir = tmp_path / "loops"
    shutil.copytree(ROOT / "lessons" / "loops", lesson_dir)
    outputs = json.loads(
        run(python, "-c", _RUN_NOTEBOOK, lesson_dir / "loops.ipynb", lesson_dir).splitlines()[-1]
    )
    launcher, probe = outputs
    assert not [o for o in launcher if o["output_type"] == "error"], launcher
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in launcher)
    kernel = json.loads(probe[0]["text"])
    assert Path(kernel["file"]).is_relative_to(site)
    assert Path(kernel["python"]).parent == env_dir / "bin"
    # the test environment's own lessonkit is untouched by the install next door
    assert (
        importlib.metadata.version("lessonkit")
        == run(python, "-c", "import lessonkit; print(lessonkit.__version__)").strip()
    )
