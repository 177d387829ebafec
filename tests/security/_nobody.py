"""Running the sandbox as an unprivileged user, the way a JupyterHub user's server runs it.

The tests run as root (so does CI); this runs a driver script as ``nobody`` with the system
Python. The isolation package and its one dependency (``pyseccomp``) are copied into a folder
``nobody`` can read — the project's own interpreter may live where it cannot (under
``/root``). The driver starts with :data:`PRELUDE`, which imports the copy as ``isolation``.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = "/usr/bin/python3"

PRELUDE = """
import importlib.util, json, os, sys, time
folder = sys.argv[1]
sys.path.insert(0, os.path.dirname(folder))  # pyseccomp sits beside the package
spec = importlib.util.spec_from_file_location(
    "isolation", folder + "/__init__.py", submodule_search_locations=[folder]
)
isolation = importlib.util.module_from_spec(spec)
sys.modules["isolation"] = isolation
spec.loader.exec_module(isolation)
"""
"""Start of every driver: ``isolation`` is the copied package (``sys.argv[1]``)."""


def unavailable() -> str:
    """Why drivers cannot run as ``nobody`` here; empty if they can."""
    if os.geteuid() != 0:
        return "needs root (to become nobody)"
    if not os.access(SYSTEM_PYTHON, os.X_OK) or shutil.which("setpriv") is None:
        return f"needs {SYSTEM_PYTHON} and setpriv"
    return ""


def readable(folder: Path) -> None:
    """Make ``folder`` and everything in it readable (and folders searchable) by anyone."""
    for path in [folder, *folder.rglob("*")]:
        extra = stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0)
        path.chmod(path.stat().st_mode | extra)


@contextmanager
def copied() -> Iterator[Path]:
    """A folder holding ``isolation/`` (the package) and ``pyseccomp.py``, readable by all."""
    import pyseccomp  # here: without libseccomp, its import fails (the tests say why)

    folder = Path(tempfile.mkdtemp(prefix="lessonkit-unprivileged-"))
    try:
        shutil.copytree(
            ROOT / "lessonkit" / "isolation",
            folder / "isolation",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        shutil.copy(pyseccomp.__file__, folder / "pyseccomp.py")
        readable(folder)
        yield folder
    finally:
        shutil.rmtree(folder)


def run(folder: Path, driver: str, *args: str, timeout: float = 120) -> str:
    """Run ``PRELUDE + driver`` as ``nobody`` on the copy in ``folder``; its stdout."""
    done = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", SYSTEM_PYTHON, "-I",
         "-B", "-c", PRELUDE + driver, str(folder / "isolation"), *args],
        capture_output=True, text=True, timeout=timeout, check=False,
        env={"PATH": "/usr/bin:/bin"}, cwd="/",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout
