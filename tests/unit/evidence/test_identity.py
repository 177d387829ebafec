"""Who the learner is: explicit, environment, JupyterHub, persisted anonymous id."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from lessonkit.evidence.identity import (
    ANONYMOUS_HOME_PAGE,
    LOCAL_HOME_PAGE,
    hub_home_page,
    resolve_learner,
    user_data_dir,
)


def test_explicit_wins_over_everything(tmp_path: Path) -> None:
    env = {"LESSONKIT_LEARNER": "env", "JUPYTERHUB_USER": "hub"}
    ref = resolve_learner("ada", env=env, state_dir=tmp_path)
    assert (ref.id, ref.home_page) == ("ada", LOCAL_HOME_PAGE)


def test_lessonkit_learner_then_jupyterhub(tmp_path: Path) -> None:
    env = {"LESSONKIT_LEARNER": "grace", "JUPYTERHUB_USER": "hub"}
    assert resolve_learner(env=env, state_dir=tmp_path).id == "grace"
    env["LESSONKIT_LEARNER_HOME_PAGE"] = "https://lms.example.edu/"
    assert resolve_learner(env=env, state_dir=tmp_path).home_page == "https://lms.example.edu/"
    hub = resolve_learner(
        env={"JUPYTERHUB_USER": "jovyan-7", "JUPYTERHUB_API_URL": "http://hub:8081/hub/api"},
        state_dir=tmp_path,
    )
    assert (hub.id, hub.home_page) == ("jovyan-7", "http://hub:8081/hub/")
    assert not (tmp_path / "learner-id").exists()  # nothing persisted for named learners


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"JUPYTERHUB_HOST": "https://hub.example.org", "JUPYTERHUB_BASE_URL": "/jh/"},
            "https://hub.example.org/jh/",
        ),
        ({"JUPYTERHUB_HOST": "https://hub.example.org/"}, "https://hub.example.org/"),
        (
            {"JUPYTERHUB_API_URL": "https://hub.example.org/hub/api/"},
            "https://hub.example.org/hub/",
        ),
        ({}, "urn:lessonkit:jupyterhub"),
    ],
)
def test_hub_home_page(env: dict[str, str], expected: str) -> None:
    assert hub_home_page(env) == expected


def test_anonymous_id_is_created_once_and_kept(tmp_path: Path) -> None:
    first = resolve_learner(env={}, state_dir=tmp_path / "state")
    second = resolve_learner(env={}, state_dir=tmp_path / "state")
    assert first == second
    assert first.home_page == ANONYMOUS_HOME_PAGE
    assert uuid.UUID(first.id).version == 4
    assert (tmp_path / "state" / "learner-id").read_text().strip() == first.id
    assert list((tmp_path / "state").iterdir()) == [tmp_path / "state" / "learner-id"]
    other = resolve_learner(env={}, state_dir=tmp_path / "elsewhere")
    assert other.id != first.id


def test_default_state_dir_follows_lessonkit_home(tmp_path: Path) -> None:
    env = {"LESSONKIT_HOME": str(tmp_path / "lk")}
    assert user_data_dir(env) == tmp_path / "lk"
    ref = resolve_learner(env=env)
    assert (tmp_path / "lk" / "learner-id").read_text().strip() == ref.id


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG layout is for Linux")
def test_default_state_dir_on_linux(tmp_path: Path) -> None:
    assert user_data_dir({"HOME": str(tmp_path)}) == tmp_path / ".local/share/lessonkit"
    assert user_data_dir({"XDG_DATA_HOME": str(tmp_path / "x")}) == tmp_path / "x" / "lessonkit"


def test_a_damaged_id_file_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "learner-id").write_text("garbage\x00")
    ref = resolve_learner(env={}, state_dir=tmp_path)
    assert uuid.UUID(ref.id)
    assert resolve_learner(env={}, state_dir=tmp_path) == ref


def test_an_unusable_state_dir_warns_and_still_gives_an_id(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.warns(RuntimeWarning, match="cannot keep an anonymous learner id"):
        ref = resolve_learner(env={}, state_dir=blocker / "state")
    assert uuid.UUID(ref.id)


def test_kernels_starting_together_agree_on_one_id(tmp_path: Path) -> None:
    code = (
        "import sys; from lessonkit.evidence.identity import resolve_learner;"
        "print(resolve_learner(env={}, state_dir=sys.argv[1]).id)"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(8)
    ]
    ids = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert len(ids) == 1
    assert "" not in ids
    assert ids == {(tmp_path / "learner-id").read_text().strip()}
