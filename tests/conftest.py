"""Shared fixtures: paths to the repository's data and lessons."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture(scope="session")
def lessons_dir() -> Path:
    """The shipped example lessons."""
    return ROOT / "lessons"
