"""The compiled "valid or not" schema pass agrees with the full jsonschema validator.

The loader trusts the fast pass: when it says valid, no schema messages are looked for. So it
must reject exactly what the published schema rejects, on every corpus file and on mutations
of a valid lesson (including the ``const`` discriminators it compiles as one-value enums).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from lessonkit.lesson.schema import _validator, is_schema_valid
from lessonkit.lesson.source import decode_source, parse_yaml

DATA = Path(__file__).resolve().parents[1] / "data"
LESSONS = Path(__file__).resolve().parents[2] / "lessons"


def _data(path: Path) -> Any:
    text, _ = decode_source(path.read_bytes(), str(path))
    if text is None:
        return None
    located, _ = parse_yaml(text, str(path))
    return located.data


# files that decode and parse as YAML (the others never reach the schema)
FILES = [
    path
    for path in sorted(
        [*DATA.glob("invalid/*.lesson.yaml"), *DATA.glob("valid/*.lesson.yaml"),
         *LESSONS.rglob("*.lesson.yaml")]
    )
    if _data(path) is not None
]  # fmt: skip


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_fast_pass_agrees_with_jsonschema_on_the_corpus(path: Path) -> None:
    data = _data(path)
    assert is_schema_valid(copy.deepcopy(data)) == _validator().is_valid(data)


def _valid() -> dict[str, Any]:
    data = _data(DATA / "valid" / "graded.lesson.yaml")
    assert isinstance(data, dict) and _validator().is_valid(data)
    return data


MUTATIONS = [
    ("unknown step kind", lambda d: d["steps"][0].update(kind="quiz")),
    ("check type of another kind", lambda d: _first_check(d).update(type="numbers")),
    ("kind not a string", lambda d: d["steps"][0].update(kind=1)),
    ("check type true", lambda d: _first_check(d).update(type=True)),
    ("missing kind", lambda d: d["steps"][0].pop("kind")),
    ("unknown key in a step", lambda d: d["steps"][0].update(colour="red")),
    ("version of the format", lambda d: d.update(lessonkit=2)),
]


def _first_check(data: dict[str, Any]) -> dict[str, Any]:
    return next(s["check"] for s in data["steps"] if isinstance(s.get("check"), dict))


@pytest.mark.parametrize("name, mutate", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_fast_pass_agrees_with_jsonschema_on_mutations(name: str, mutate: Any) -> None:
    data = copy.deepcopy(_valid())
    mutate(data)
    expected = _validator().is_valid(copy.deepcopy(data))
    assert is_schema_valid(data) == expected
    assert expected is False, name  # each mutation breaks the published schema
