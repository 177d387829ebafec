"""The Binder configuration: ``binder/postBuild`` installs lessonkit as a wheel (not editable)
with the locked versions, and that install runs the launcher notebook and carries the Voilà
template where Jupyter finds it.

Installing every pinned requirement into a fresh venv would take minutes (the wheel test does it
once). Instead the fresh venv (``python -m venv``, not ``--system-site-packages``) sees this
test environment's third-party packages through a ``.pth`` file listing its site-packages. That
is equivalent because ``test_lock.py`` checks that this environment is exactly the locked one,
which is what ``postBuild`` asks pip for. ``.pth`` files inside that directory are not
processed, so this environment's (editable) lessonkit stays invisible: the new venv can only
import the lessonkit that ``postBuild`` installed, which the test asserts.
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


def test_binder_files() -> None:
    # One list of pins: Binder has none of its own (no requirements.txt, environment.yml, ...);
    # apt.txt names Debian packages (the sandbox for learner code), not Python versions.
    # jupyter_server_config.py serves the lesson preheated (tests/browser/test_binder_proxy.py).
    assert sorted(p.name for p in BINDER.iterdir()) == [
        "apt.txt",
        "jupyter_server_config.py",
        "postBuild",
        "runtime.txt",
    ]
    # The Python Binder runs is the one the lock is resolved for (dev.sh lock).
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    dev_sh = (ROOT / "dev.sh").read_text(encoding="utf-8")
    assert runtime == "python-3.11" and "--python-version 3.11" in dev_sh
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    base = "https://mybinder.org/v2/gh/lessonkit/lessonkit/main"
    assert f"{base}?urlpath=lab/tree/lessons/loops/loops.ipynb" in readme
    assert f"{base}?urlpath=lessonkit/" in readme  # the preheated lesson (jupyter-server-proxy)
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
@pytest.mark.install
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
    # a wheel, not an editable install pointing back at the repository
    direct_url = json.loads(next(site.glob("lessonkit-*.dist-info")).joinpath("direct_url.json")
                            .read_text(encoding="utf-8"))  # fmt: skip
    assert not direct_url.get("dir_info", {}).get("editable", False), direct_url
    # the Voila template, where Jupyter (and so Voila) looks for it
    template = env_dir / "share" / "jupyter" / "voila" / "templates" / "lessonkit"
    assert (template / "index.html.j2").is_file() and (template / "conf.json").is_file()
    found = run(
        python, "-c", "from lessonkit.integrations.voila import template_dir as t; print(t())"
    )
    assert Path(found.strip()) == template
    # the Jupyter server's configuration that serves the lesson preheated at /lessonkit/
    config = env_dir / "etc" / "jupyter" / "jupyter_server_config.py"
    assert config.resolve() == BINDER / "jupyter_server_config.py"
    run(python, "-c", "import jupyter_server_proxy")
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
