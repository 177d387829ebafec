"""``lessonkit export``: xAPI and CSV, filters, pseudonymisation, exit codes."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import pandas as pd
import pytest

from lessonkit.cli import main
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.stores import open_store

from .samples import session_statements

BOB = LearnerRef(id="bob", home_page="https://hub.example.org/")


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    with open_store(url) as store:
        store.append(session_statements(11))
        store.append(session_statements(4, learner=BOB))
        store.append(session_statements(3, lesson="recursion"))
    return url


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_xapi_export_is_a_json_array_of_the_statements(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["export", store_url], capsys)
    assert (code, err) == (0, "")
    exported = json.loads(out)
    with open_store(store_url) as store:
        assert exported == list(store.read())
    assert len(exported) == 18


def test_filters_and_output_file(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.json"
    code, out, _ = run(["export", store_url, "--learner", "bob", "-o", str(target)], capsys)
    assert (code, out) == (0, "")
    assert {s["actor"]["account"]["name"] for s in json.loads(target.read_text())} == {"bob"}
    code, out, _ = run(["export", store_url, "--lesson", "recursion"], capsys)
    assert len(json.loads(out)) == 3
    code, out, _ = run(["export", store_url, "--lesson", "none"], capsys)
    assert json.loads(out) == []


def test_csv_export_is_the_flat_table(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["export", store_url, "--format", "csv"], capsys)
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    assert len(frame) == 18
    assert {"learner", "verb", "score_scaled", "mastery_after", "registration"} <= set(
        frame.columns
    )
    assert set(frame["learner"]) == {"ada", "bob"}
    assert frame["timestamp"].iloc[0].endswith("Z")


@pytest.mark.parametrize("spelling", ["--pseudonymise", "--pseudonymize"])
def test_pseudonymised_exports_hide_learners_and_registrations(
    store_url: str, capsys: pytest.CaptureFixture[str], spelling: str
) -> None:
    code, out, _ = run(["export", store_url, spelling, "--salt", "s3cret"], capsys)
    assert code == 0
    exported = json.loads(out)
    with open_store(store_url) as store:
        original = list(store.read())
    secrets = {s["context"]["registration"] for s in original} | {s["id"] for s in original}
    for word in ('"ada"', '"bob"', "Ada Lovelace", *secrets):
        assert word not in out
    names = {s["actor"]["account"]["name"] for s in exported}
    assert len(names) == 2 and all(len(n) == 64 for n in names)
    assert {s["actor"]["account"]["homePage"] for s in exported} == {"urn:lessonkit:pseudonym"}
    assert len({s["id"] for s in exported}) == 18
    assert all(uuid.UUID(s["context"]["registration"]) for s in exported)
    # Stable for one salt (exports can be joined), different for another.
    again = json.loads(run(["export", store_url, spelling, "--salt", "s3cret"], capsys)[1])
    assert again == exported
    other = json.loads(run(["export", store_url, spelling, "--salt", "other"], capsys)[1])
    assert {s["actor"]["account"]["name"] for s in other}.isdisjoint(names)


def test_pseudonymised_csv_uses_the_salt_from_the_environment(
    store_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LESSONKIT_SALT", "from-env")
    code, out, _ = run(["export", store_url, "--format", "csv", "--pseudonymise"], capsys)
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    assert ",ada," not in out and ",bob," not in out
    assert frame["learner"].nunique() == 2


def test_exit_codes(tmp_path: Path, store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["export", store_url, "--pseudonymise"], capsys)
    assert code == 2 and "needs a secret salt" in err
    code, _, err = run(["export", store_url, "--salt", "x"], capsys)
    assert code == 2 and "only used with --pseudonymise" in err
    code, _, err = run(["export", str(tmp_path / "missing")], capsys)
    assert code == 1 and err.startswith("lessonkit: error: no evidence store")
    assert not (tmp_path / "missing").exists()
    code, _, err = run(["export", "ftp://x/y"], capsys)
    assert code == 1 and "unknown store URL scheme" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["export", store_url, "--format", "pdf"])
    assert exit_info.value.code == 2
    code, _, err = run(
        ["export", store_url, "-o", str(tmp_path / "no" / "such" / "dir.json")], capsys
    )
    assert code == 1 and "cannot write" in err
