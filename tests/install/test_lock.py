"""requirements/constraints.txt: the one list of pinned versions (``./dev.sh lock`` writes it).

It must satisfy every requirement pyproject.toml states, and the environment the tests run in
must be the locked one: a test that passes here then passes for CI and Binder too.
"""

from __future__ import annotations

import importlib.metadata
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .conftest import LOCK, ROOT


def locked() -> dict[str, str]:
    """Pinned version by normalised name, for the pins whose markers apply here."""
    pins: dict[str, str] = {}
    for raw in LOCK.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", f"not pinned: {line!r}"
        if req.marker is None or req.marker.evaluate():
            pins[canonicalize_name(req.name)] = spec.version
    return pins


def stated() -> list[Requirement]:
    """Every requirement in pyproject.toml: dependencies and all extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines.extend(extra)
    return [Requirement(line) for line in lines]


def test_the_lock_is_written_by_dev_sh_lock() -> None:
    head = LOCK.read_text(encoding="utf-8").splitlines()[:2]
    assert head[1].strip() == "#    ./dev.sh lock"


def test_the_lock_satisfies_every_stated_requirement() -> None:
    pins = locked()
    wrong = []
    for req in stated():
        name = canonicalize_name(req.name)
        if name == "lessonkit":
            continue
        if name not in pins or not req.specifier.contains(pins[name], prereleases=True):
            wrong.append(f"{req} (locked: {pins.get(name, 'missing')})")
    assert wrong == [], "run ./dev.sh lock"


@pytest.mark.install
def test_this_environment_is_the_locked_one() -> None:
    """``./dev.sh`` installs with the lock as constraints; so must anyone running the tests.
    (``./dev.sh lowest`` runs the suite at other versions on purpose, without this test.)"""
    pins = locked()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {canonicalize_name(Requirement(line).name) for line in project["dependencies"]}
    differ = {}
    for name, version in pins.items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            if name in runtime:
                differ[name] = f"not installed, {version} locked"
            continue
        if installed != version:
            differ[name] = f"{installed} installed, {version} locked"
    assert differ == {}, "reinstall with: pip install -c requirements/constraints.txt -e '.[test]'"
