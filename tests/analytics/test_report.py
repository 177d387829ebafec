"""``lessonkit report``: formats, self-contained HTML, pseudonyms matching ``lessonkit export``."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from lessonkit.analytics import pseudonymise_frame
from lessonkit.analytics.plots import branch_frequencies, mastery_heatmap, step_funnel
from lessonkit.cli import main
from lessonkit.evidence.privacy import pseudonym
from lessonkit.evidence.stores import open_store

from .handbuilt import handbuilt_frame, handbuilt_statements


@pytest.fixture(scope="module")
def hand_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("hand") / "evidence"
    with open_store(str(folder)) as store:
        store.append_many(handbuilt_statements())
    return str(folder)


def test_json_report_has_every_table(hand_store: str, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert main(["report", hand_store, "--format", "json", "--output", str(out)]) == 0
    body = json.loads(out.read_text())
    assert set(body["tables"]) == {
        "class_mastery",
        "step_stats",
        "branch_stats",
        "common_paths",
        "wrong_answers",
        "flags",
    }
    assert body["meta"] == {"lesson": "", "statements": 32, "learners": 3}
    mastery = {row["learner"]: row["c"] for row in body["tables"]["class_mastery"]}
    assert mastery == {"alice": 0.96, "bob": 0.1, "carol": 0.97}
    assert "real account names" in body["personal_data"]


def test_csv_report_sections(hand_store: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", hand_store, "--format", "csv", "--lesson", "L"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# Contains per-learner evidence")
    sections = re.findall(r"^# table: (\w+)$", text, flags=re.M)
    assert sections[0] == "class_mastery"
    assert len(sections) == 6
    assert "s1,4,2," in text  # the most common wrong answer at s1


def test_html_report_is_self_contained(hand_store: str, tmp_path: Path, agg: None) -> None:
    out = tmp_path / "r.html"
    assert main(["report", hand_store, "--format", "html", "-o", str(out)]) == 0
    page = out.read_text()
    assert page.count('src="data:image/png;base64,') == 3
    # no external assets: no http(s) links, scripts or stylesheets to fetch
    assert not re.search(r"""(src|href)=["'](?!data:)""", page)
    assert "<script" not in page
    assert "Personal data." in page
    assert "<td>bob</td>" in page


def test_pseudonymised_report_matches_export(
    hand_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.json"
    assert (
        main(["report", hand_store, "--format", "json", "-o", str(out), "--pseudonymise", "s3"])
        == 0
    )
    body = json.loads(out.read_text())
    text = out.read_text()
    assert "alice" not in text
    assert "bob" not in text
    assert "pseudonymised" in body["personal_data"]
    expected = pseudonym(b"s3", "urn:lessonkit:local", "bob")
    flagged = {row["learner"]: row["flag"] for row in body["tables"]["flags"]}
    assert flagged[expected] == "struggling"
    # the same pseudonyms as `lessonkit export --pseudonymise` with the same salt
    export = tmp_path / "x.json"
    args = ["export", hand_store, "--pseudonymise", "--salt", "s3", "-o", str(export)]
    assert main(args) == 0
    exported = {s["actor"]["account"]["name"] for s in json.loads(export.read_text())}
    assert exported == set(flagged) | {pseudonym(b"s3", "urn:lessonkit:local", "alice")}


def test_pseudonymise_salt_from_environment(
    hand_store: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LESSONKIT_SALT", "env-salt")
    assert main(["report", hand_store, "--format", "csv", "--pseudonymise"]) == 0
    assert pseudonym(b"env-salt", "urn:lessonkit:local", "carol") in capsys.readouterr().out
    monkeypatch.delenv("LESSONKIT_SALT")
    assert main(["report", hand_store, "--format", "csv", "--pseudonymise"]) == 2
    assert "needs a secret salt" in capsys.readouterr().err


def test_report_missing_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path / "none"), "--format", "json"]) == 1
    assert "error" in capsys.readouterr().err


def test_pseudonymise_frame_keeps_sessions_apart() -> None:
    frame = handbuilt_frame()
    out = pseudonymise_frame(frame, "k")
    assert out["learner"].nunique() == 3
    assert out["registration"].nunique() == frame["registration"].nunique()
    assert not set(out["registration"]) & set(frame["registration"])
    assert set(out["learner_home"]) == {"urn:lessonkit:pseudonym"}
    with pytest.raises(ValueError, match="salt"):
        pseudonymise_frame(frame, "")


@pytest.mark.parametrize("draw", [mastery_heatmap, step_funnel, branch_frequencies])
def test_plots_render_headless(draw: Any, agg: None) -> None:
    fig = draw(handbuilt_frame())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")
    assert fig.axes[0].get_title()


def test_heatmap_without_mastery(agg: None) -> None:
    frame = handbuilt_frame()
    fig = mastery_heatmap(frame[frame["kind"] != "mastery"])
    assert fig.axes[0].texts[0].get_text() == "no mastery evidence"


def test_pseudonymise_frame_matches_the_pseudonymised_export() -> None:
    """Every learner-derived column (learner, registration, statement id, variant seed) is
    re-keyed exactly as `lessonkit export --pseudonymise` re-keys the statements."""
    import copy

    import lessonkit as lk
    from lessonkit.evidence import statements_to_frame
    from lessonkit.evidence.privacy import pseudonymise
    from lessonkit.evidence.stores import MemoryStore
    from tests.unit.evidence.test_keyed_derivations import SECRET, play_through, variant_lesson

    store = MemoryStore()
    play_through(lk.LessonSession(variant_lesson(2), learner="ada", store=store, secret=SECRET))
    statements = list(store.read())
    exported = statements_to_frame(pseudonymise(copy.deepcopy(statements), b"salt"))
    framed = pseudonymise_frame(statements_to_frame(statements), b"salt")
    for column in ("id", "learner", "registration", "variant_seed"):
        assert list(framed[column].astype(str)) == list(exported[column].astype(str)), column
    seeds = statements_to_frame(statements)["variant_seed"].dropna()
    assert len(seeds) and not set(seeds) & set(framed["variant_seed"].dropna())
