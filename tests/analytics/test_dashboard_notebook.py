"""The Voila dashboard notebook runs headless against a store filled by a simulated class."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lessonkit.analytics import select

from .handbuilt import handbuilt_frame

NOTEBOOK = Path(__file__).parents[2] / "extensions/voila/dashboard/lessonkit-dashboard.ipynb"


def _outputs(nb: Any) -> str:
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            texts.append(str(output.get("data", {}).get("text/plain", "")))
            texts.append(str(output.get("data", {}).get("text/markdown", "")))
    return "\n".join(texts)


@pytest.mark.notebooks
def test_dashboard_executes(sim_class: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("LESSONKIT_STORE", sim_class.url)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        timeout=20,
        shutdown_kernel="immediate",
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute(env=dict(os.environ))
    assert "Traceback" not in _outputs(nb)
    # what the dashboard drew lives in its widgets' saved state
    state = json.dumps(nb.metadata.get("widgets", {}))
    assert "statements: " in state and "statements: 0" not in state
    assert "150 learners" in state
    assert state.count("image/png") >= 3
    assert "Learners to look at" in state
    widget_outputs = [
        o
        for cell in nb.cells
        for o in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert widget_outputs


def test_select_by_group_and_dates() -> None:
    frame = handbuilt_frame()
    assert set(select(frame, learners="a.*|c.*")["learner"]) == {"alice", "carol"}
    assert set(select(frame, learners="bob, carol")["learner"]) == {"bob", "carol"}
    assert set(select(frame, learners=["bob"])["learner"]) == {"bob"}
    assert select(frame, lesson="L").shape == frame.shape
    assert select(frame, end=date(2025, 4, 30)).empty
    assert len(select(frame, start=date(2025, 5, 1), end=date(2025, 5, 1))) == len(frame)
