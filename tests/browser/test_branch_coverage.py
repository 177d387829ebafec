"""Every edge of every example lesson's branch graph is taken by one of the learner scripts
the browser tests play, in Voilà and in JupyterLab (headless: the engine is the oracle, no
browser here). The front ends differ: only JupyterLab checks DataFrame answers, so there the
groupby lesson's "DataFrame right" edges are taken too. A branch added to a lesson that no
script can take fails here, unless the front end gives the reason no learner can take it."""

from __future__ import annotations

import pytest

from lessonkit.lesson.graph import edges

from .examples import EXAMPLES, planned


@pytest.mark.parametrize("name", sorted(EXAMPLES))
@pytest.mark.parametrize("front", ["voila", "lab"])
def test_scripts_take_every_edge(name: str, front: str) -> None:
    lesson, how, played = planned(name, front)
    taken = set().union(*(p.edges for p in played))
    every = {e for e in edges(lesson) if not how.why_unreachable(e)}
    assert every <= taken
    # Every script reaches the end, and shows the end step last.
    for p in played:
        assert p.shown[-1].position == 0, p.script
        assert lesson.step(p.shown[-1].step).kind == "end"
    # Every feedback kind a learner can meet with these checks is met.
    kinds = set().union(*(p.states for p in played))
    assert {k for k in kinds if k.endswith(": right")}, kinds
