"""Question banks made by the tools instructors use, fetched from PyPI at test time.

Nothing third-party is kept in the repository: each source distribution below is downloaded
with pip (``--no-deps --no-binary :all:``, pinned by version and SHA-256) into a cache folder
the first time, and its example or fixture files are read from there. The tools that *make*
banks (text2qti, qti-package-maker) and the independent readers (qti2latex, a second GIFT
parser) are test dependencies, pinned in requirements/constraints.txt.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from lessonkit.engine.play import play
from lessonkit.lesson.loader import load_lesson
from tests.hub.conftest import unavailable

SDISTS: dict[str, tuple[str, str]] = {
    # name: (version, sha256 of the sdist)
    "moodle-tools": ("1.1.0", "2ab18a7dc64008dbdc168081632e5031c6a1557ee86371c176e02b1506335861"),
    "jupyterquiz": ("2.9.6.4", "43a959c4ac3786fc7ddaf0a11700c471bfb086d263b417c2d16a0494fd5066e7"),
    "pygiftparserrgmf": (
        "0.0.5",
        "81f88d86f838b4e28e671ca5543b14a994b2d34d96d0d658b962dbc393a8cd1b",
    ),
    "text2qti": ("0.8.0", "0ac5c1005dd0b5c550380b6429cd578f8ab1cd3a8c78bcce855b42a44a8a1a1c"),
}
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "lessonkit-test-sdists"


def _fetch(name: str) -> Path:
    """The unpacked sdist, downloaded once; every step lands by a rename, so test runs that
    share the cache (several checkouts on one machine) never see a half-written copy."""
    version, digest = SDISTS[name]
    folder = CACHE / f"{name}-{version}"
    if (folder / ".verified").exists():
        return folder
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE, prefix=".partial-") as scratch:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        cmd += ["-q", "-d", scratch, f"{name}=={version}"]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        if run.returncode:
            unavailable(f"cannot download {name}=={version} from PyPI: {run.stderr[-300:]}")
        archive = next(p for p in Path(scratch).iterdir() if p.is_file())
        actual = hashlib.sha256(archive.read_bytes()).hexdigest()
        assert actual == digest, f"{archive.name}: sha256 {actual}, pinned {digest}"
        unpacked = Path(scratch) / "unpacked"
        with tarfile.open(archive) as tar:
            tar.extractall(unpacked, filter="data")
        (unpacked / ".verified").touch()
        try:
            unpacked.rename(folder)
        except OSError:  # another run got there first: its copy is as good
            if not (folder / ".verified").exists():
                raise
    return folder


@pytest.fixture(scope="session")
def sdist() -> Callable[[str], Path]:
    """``sdist(name)``: the root folder of the pinned source distribution, unpacked."""

    def get(name: str) -> Path:
        root = _fetch(name)
        inner = [p for p in root.iterdir() if p.is_dir()]
        return inner[0] if len(inner) == 1 else root

    return get


def import_cli(*args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    """Run ``lessonkit import`` as an instructor does."""
    cmd = [sys.executable, "-m", "lessonkit", "import", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)


def run_cli(*args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    """Run any ``lessonkit`` command."""
    cmd = [sys.executable, "-m", "lessonkit", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)


def play_lesson(path: Path, script: Mapping[str, Any]) -> dict[str, Any]:
    """Play the lesson headless with ``script``; the ``lessonkit play --json`` object."""
    result = play(load_lesson(path), script)
    data: dict[str, Any] = result.to_json()
    return data


def answers(values: list[Any]) -> list[dict[str, Any]]:
    """A script entry that submits each value as one answer (lists stay lists)."""
    return [{"answer": v} for v in values]
