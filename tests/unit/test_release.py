"""Release metadata: one version everywhere, a changelog entry for it, honest classifiers."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import lessonkit

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_lessonkit_version_prints_the_installed_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lessonkit", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == f"lessonkit {lessonkit.__version__}"
    assert importlib.metadata.version("lessonkit") == lessonkit.__version__


def test_the_changelog_describes_this_version_first() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## (\d+\.\d+\.\d+)\b", text, re.M)
    assert versions and versions[0] == lessonkit.__version__


def test_classifiers_claim_only_what_is_tested() -> None:
    classifiers = PROJECT["classifiers"]
    pythons = [c.rsplit(" ", 1)[-1] for c in classifiers if re.search(r"Python :: 3\.\d+$", c)]
    runtime = (ROOT / "binder" / "runtime.txt").read_text(encoding="utf-8").strip()
    # CI and Binder run one Python; claim that one, and the same lower bound everywhere
    assert pythons == [runtime.removeprefix("python-")]
    assert PROJECT["requires-python"] == f">={pythons[0]}"
    assert any(c.startswith("Development Status :: ") for c in classifiers)
    # lessonkit is not a JupyterLab extension, and the licence is an SPDX expression
    assert not [c for c in classifiers if "JupyterLab" in c or c.startswith("License ::")]
    assert PROJECT["license"] == "BSD-3-Clause"
    assert {"Homepage", "Documentation", "Source", "Issues", "Changelog"} <= set(PROJECT["urls"])
