"""A pinned virtual environment for pyBKT, the BKT fitting peer, built on first use.

pyBKT 1.4.3 does not import with NumPy 2 or scikit-learn 1.6+, so it cannot share lessonkit's
environment; it gets its own, under ``benchmarks/.venv-pybkt`` (git-ignored, reused while
:data:`PINS` are unchanged). Its C++ extension needs NumPy's headers at build time and pyBKT's
``setup.py`` silently falls back to a pure-Python version when the build fails, so the build
runs without isolation (against the pinned NumPy) and the result is checked: the comparison is
with pyBKT's compiled E step or with nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-pybkt"
PYBKT = "pyBKT==1.4.3"
PINS = (
    "numpy==1.26.4",
    "scikit-learn==1.5.2",
    "pandas==2.2.3",
    "setuptools<81",  # pyBKT's setup.py imports distutils
    "wheel",
)
_READY = VENV / ".lessonkit-ready"
_CHECK = "import pyBKT.fit.E_step, pyBKT.models, numpy; print(numpy.__version__)"


def _base_python() -> str | None:
    """An interpreter NumPy 1.26 has wheels for (CPython 3.9-3.12)."""
    candidates = [getattr(sys, "_base_executable", sys.executable), sys.executable]
    candidates += [shutil.which(f"python3.{minor}") or "" for minor in (12, 11, 10)]
    for exe in candidates:
        if not exe:
            continue
        try:
            done = subprocess.run(
                [exe, "-c", "import sys; print(sys.version_info[:2] < (3, 13))"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except OSError:
            continue
        if done.stdout.strip() == "True":
            return exe
    return None


def _run(step: str, command: list[str]) -> str | None:
    """Run one build step; ``None`` if it worked, else why not (its last output line)."""
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=1800, check=False, env=env
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{step} failed: {exc}"
    if done.returncode != 0:
        lines = [ln for ln in (done.stderr + done.stdout).splitlines() if ln.strip()]
        useful = [ln for ln in lines if "error" in ln.lower()] or lines
        return f"{step} failed: {useful[-1].strip() if useful else done.returncode}"
    return None


def python() -> tuple[Path | None, str]:
    """The pyBKT environment's interpreter (building it if needed), or why there is none."""
    exe = VENV / "bin" / "python"
    wanted = "\n".join((*PINS, PYBKT))
    if _READY.exists() and _READY.read_text() == wanted and exe.exists():
        return exe, ""
    if not (shutil.which("g++") or shutil.which("c++")):
        return None, "no C++ compiler (g++) to build pyBKT's extension"
    base = _base_python()
    if base is None:
        return None, "no CPython 3.9-3.12 interpreter for NumPy 1.26 (pyBKT needs NumPy < 2)"
    print(f"  building {VENV.name} ({PYBKT}, {', '.join(PINS[:3])})...", file=sys.stderr)
    shutil.rmtree(VENV, ignore_errors=True)
    pip = [str(exe), "-m", "pip", "install", "--quiet"]
    steps = [
        ("creating the virtual environment", [base, "-m", "venv", str(VENV)]),
        ("installing the pinned NumPy/scikit-learn/pandas", [*pip, *PINS]),
        (
            f"building {PYBKT} with its C++ extension",
            [*pip, "--no-build-isolation", "--no-cache-dir", "--no-binary", "pyBKT", PYBKT],
        ),
        ("importing pyBKT's compiled E step", [str(exe), "-c", _CHECK]),
    ]
    for step, command in steps:
        reason = _run(step, command)
        if reason:
            return None, reason
    _READY.write_text(wanted)
    return exe, ""


if __name__ == "__main__":  # pragma: no cover - manual use: python benchmarks/pybkt_env.py
    found, why = python()
    print(found or f"unavailable: {why}")
