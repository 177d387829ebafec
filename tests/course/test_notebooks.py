"""The example course's launcher notebooks execute in a real kernel (nbclient), and a lesson
launched from one starts from the learner's record."""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lessonkit.course import load_course
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.stores import open_store

from .conftest import PLACEMENT_RIGHT, ROOT, Clock, take

pytestmark = [pytest.mark.notebooks, pytest.mark.slow, pytest.mark.timeout(600)]
NOTEBOOKS = sorted(p.name for p in (ROOT / "lessons" / "python-basics").glob("*.ipynb"))
LEARNER = "nb-ada"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A copy of the lessons (evidence stays out of the repository) and a store in which the
    learner has taken the placement check."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "lessons", root / "lessons")
    store_dir = root / "evidence"
    course = load_course(root / "lessons" / "python-basics" / "python-basics.course.yaml")
    with open_store(store_dir) as store:
        take(
            course,
            store,
            LearnerRef(id=LEARNER),
            "python-basics-placement",
            {"interest": "automation", **PLACEMENT_RIGHT, "f1": 0},
            clock=Clock(datetime.now(UTC) - timedelta(hours=1)),
        )  # recent: little forgetting
    return {"root": root, "store": store_dir, "home": tmp_path_factory.mktemp("home")}


def execute(path: Path, env: dict[str, str]) -> Any:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=120,
        shutdown_kernel="immediate",
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute(env=env)
    return nb


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_launcher_notebooks_execute(workspace: dict[str, Any], name: str) -> None:
    env = {
        **os.environ,
        "LESSONKIT_STORE": str(workspace["store"]),
        "LESSONKIT_LEARNER": LEARNER,
        "LESSONKIT_HOME": str(workspace["home"]),
    }
    folder = workspace["root"] / "lessons" / "python-basics"
    nb = execute(folder / name, env)
    outputs = [o for cell in nb.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"], outputs
    assert not [o for o in outputs if o.get("name") == "stderr"], outputs
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    # The text of the saved widget state, tags dropped (titles are isolated in <bdi>).
    state = re.sub(r"<[^>]+>", "", json.dumps(nb.metadata.get("widgets", {}), ensure_ascii=False))
    if name == "plan.ipynb":
        # lists placed out, for loops not: the loops lesson is next, and says why
        assert "your learning plan" in state and "Next: Python loops for beginners" in state
        assert "You have mastered lists, which for loops requires." in state
    if name == "teacher.ipynb":
        assert "1 learner with evidence in the course" in state
    if name == "lists.ipynb":
        with open_store(workspace["store"]) as store:
            starts = [
                s
                for s in store.read(lesson="python-lists")
                if s["verb"]["id"].endswith("/initialized")
            ]
        event = starts[-1]["context"]["extensions"]["https://lessonkit.org/xapi/ext/event"]
        assert event["data"]["profile"] == {"interest": "automation"}
        assert event["data"]["mastery_start"]["lists"] > 0.95
