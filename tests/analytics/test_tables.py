"""Tables on a hand-built class (exact values) and a simulated one (agreement with truth)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from lessonkit.analytics import (
    branch_stats,
    class_mastery,
    common_paths,
    flags,
    load_frame,
    step_stats,
    timeline,
    wrong_answers,
)
from lessonkit.analytics.paths import transitions
from lessonkit.evidence import statements_to_frame

from .handbuilt import handbuilt_frame, handbuilt_statements


@pytest.fixture(scope="module")
def hand() -> Any:
    return handbuilt_frame()


def test_class_mastery_is_the_latest_estimate(hand: Any) -> None:
    table = class_mastery(hand)
    assert list(table.columns) == ["c"]
    assert table["c"].to_dict() == {"alice": 0.96, "bob": 0.1, "carol": 0.97}


def test_step_stats_exact(hand: Any) -> None:
    table = step_stats(hand)
    assert list(table.index[:2]) == ["s1", "s2"]
    assert set(table.index[2:]) == {"s3a", "s3b"}
    s1, s2 = table.loc["s1"], table.loc["s2"]
    assert (s1["learners"], s1["attempts"]) == (3, 5)
    assert s1["first_try_success"] == pytest.approx(1 / 3)
    assert s1["median_time_s"] == 40.0  # 10, 20, 40, 50, 60
    assert s1["hint_rate"] == pytest.approx(1 / 3)
    assert s1["drop_off"] == 0.0
    assert (s2["learners"], s2["attempts"], s2["first_try_success"]) == (3, 2, 1.0)
    assert s2["median_time_s"] == 27.5
    assert s2["drop_off"] == pytest.approx(1 / 3)  # bob stopped at s2
    assert table.loc["s3a", "learners"] == 1
    assert table.loc["s3a", "drop_off"] == 0.0  # alice completed


def test_wrong_answers_ranked_per_question(hand: Any) -> None:
    table = wrong_answers(hand)
    rows = table[["step", "response", "count"]].values.tolist()
    assert rows == [["s1", "4", 2], ["s1", "6", 1]]
    assert table["share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert len(wrong_answers(hand, top=1)) == 1


def test_branches_from_navigated_events(hand: Any) -> None:
    table = branch_stats(hand)
    counts = {(r.from_step, r.to_step): (r.count, r.share) for r in table.itertuples()}
    assert counts == {
        ("s1", "s2"): (3, 1.0),
        ("s2", "s3a"): (1, 0.5),
        ("s2", "s3b"): (1, 0.5),
    }


def test_branches_without_to_step_column_use_visits() -> None:
    plain = statements_to_frame(handbuilt_statements())
    assert "to_step" not in plain.columns
    moves = transitions(plain)
    assert sorted(zip(moves["from_step"], moves["to_step"], strict=True)) == [
        ("s1", "s2"),
        ("s1", "s2"),
        ("s1", "s2"),
        ("s2", "s3a"),
        ("s2", "s3b"),
    ]


def test_common_paths(hand: Any) -> None:
    table = common_paths(hand)
    assert set(table["path"]) == {"s1 > s2 > s3a", "s1 > s2", "s1 > s2 > s3b"}
    assert table["sessions"].tolist() == [1, 1, 1]
    done = dict(zip(table["path"], table["completed"], strict=True))
    assert done == {"s1 > s2 > s3a": 1.0, "s1 > s2": 0.0, "s1 > s2 > s3b": 1.0}
    assert len(common_paths(hand, top=2)) == 2


def test_flags_exact(hand: Any) -> None:
    table = flags(hand)
    assert table["flag"].to_dict() == {"bob": "struggling", "carol": "ready"}
    assert table.loc["bob", "attempts_per_question"] == 2.0
    assert table.loc["carol", "answers_to_mastery"] == 2
    # alice mastered as fast as carol but used a hint
    assert flags(hand, max_hints=1)["flag"].to_dict() == {
        "alice": "ready",
        "bob": "struggling",
        "carol": "ready",
    }


def test_timeline_in_order(hand: Any) -> None:
    rows = timeline(hand, "bob")
    assert rows["kind"].tolist() == [
        "started",
        "experienced",
        "answered",
        "mastery",
        "answered",
        "mastery",
        "navigated",
        "experienced",
    ]
    assert rows["seq"].tolist() == list(range(8))
    assert timeline(hand, "nobody").empty


def test_load_frame_filters_a_frame(hand: Any) -> None:
    assert set(load_frame(hand, learner="bob")["learner"]) == {"bob"}
    assert load_frame(hand, lesson="other").empty


def test_empty_frame_gives_empty_tables() -> None:
    empty = load_frame(handbuilt_frame(), lesson="none")
    assert class_mastery(empty).empty
    assert step_stats(empty).empty
    assert branch_stats(empty).empty
    assert common_paths(empty).empty
    assert flags(empty).empty


# -- simulated class: agreement with the hidden ground truth ---------------------------------


def test_simulated_step_counts_match_traces(sim_class: Any, sim_frame: Any) -> None:
    table = step_stats(sim_frame)
    for step in ("intro", "example", "a0", "m4", "done"):
        expected = sum(step in t.path for t in sim_class.traces)
        assert table.loc[step, "learners"] == expected
    assert table["attempts"].sum() == sum(t.answers for t in sim_class.traces)
    quitters = sum(not t.completed for t in sim_class.traces)
    dropped = (table["drop_off"] * table["learners"]).sum()
    assert round(dropped) == quitters == 2


def test_simulated_branch_shares_follow_choice_weights(sim_class: Any, sim_frame: Any) -> None:
    table = branch_stats(sim_frame).set_index(["from_step", "to_step"])
    share = table.loc[("route", "example"), "share"]
    n = table.loc[("route", "example"), "count"] + table.loc[("route", "a0"), "count"]
    assert abs(share - 0.7) < 4 * math.sqrt(0.7 * 0.3 / n)
    assert table.loc[("route", "example"), "count"] == sum(
        "example" in t.path for t in sim_class.traces
    )


def test_simulated_mastery_agrees_with_hidden_knowledge(sim_class: Any, sim_frame: Any) -> None:
    table = class_mastery(sim_frame)
    for comp in ("add", "mul"):
        knows = [
            f"sim-{i}"
            for i, learner in enumerate(sim_class.learners)
            if learner.known.get(comp) is True
        ]
        lacks = [
            f"sim-{i}"
            for i, learner in enumerate(sim_class.learners)
            if learner.known.get(comp) is False
        ]
        assert knows
        assert lacks
        gap = table.loc[knows, comp].mean() - table.loc[lacks, comp].mean()
        assert gap > 0.25, comp


def test_simulated_flags_agree_with_hidden_knowledge(sim_class: Any, sim_frame: Any) -> None:
    table = flags(sim_frame)
    struggling = table.index[table["flag"] == "struggling"]
    assert len(struggling) >= 5
    index = {f"sim-{i}": learner for i, learner in enumerate(sim_class.learners)}
    lacking = [not all(index[name].known.values()) for name in struggling]
    everyone = [not all(lr.known.values()) for lr in sim_class.learners if lr.known]
    assert sum(lacking) / len(lacking) > 2 * sum(everyone) / len(everyone)
    for name in table.index[table["flag"] == "ready"]:
        assert index[name].known and all(index[name].known.values()), name


def test_import_lessonkit_does_not_load_analytics() -> None:
    import subprocess
    import sys

    code = (
        "import sys, lessonkit; "
        "print(any(m.startswith(('lessonkit.analytics', 'pandas', 'matplotlib')) "
        "for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
