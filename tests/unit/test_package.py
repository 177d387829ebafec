"""Package-level contracts: a light import, a pinned public API, the published schema."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema

import lessonkit
from lessonkit.lesson.schema import lesson_schema

JUPYTER_MODULES = (
    "ipywidgets",
    "IPython",
    "traitlets",
    "nbformat",
    "jupyter_client",
    "ipykernel",
    "pandas",
    "sqlalchemy",
)


PUBLIC_API = [
    "Branch",
    "Choice",
    "ChoiceOption",
    "Competency",
    "Content",
    "End",
    "Exercise",
    "Feedback",
    "Lesson",
    "LessonDefinitionError",
    "LessonSession",
    "LessonkitError",
    "MasteryParams",
    "Param",
    "PluginError",
    "Practice",
    "Problem",
    "Question",
    "Rule",
    "SessionStateError",
    "Settings",
    "Step",
    "StorageError",
    "WrongAnswer",
    "__version__",
    "check_file",
    "checks",
    "lint",
    "load_lesson",
    "loads_lesson",
    "open_store",
    "play",
    "save_lesson",
    "show",
]


def test_import_pulls_in_nothing_from_jupyter() -> None:
    code = (
        "import sys, lessonkit, lessonkit.lesson.loader, lessonkit.lesson.validate;"
        "import json; print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out))
    leaked = sorted(m for m in loaded if m.split(".")[0] in JUPYTER_MODULES)
    assert leaked == []


def test_public_api_is_sorted_and_pinned() -> None:
    names = lessonkit.__all__
    assert names == sorted(names)
    for name in names:
        assert getattr(lessonkit, name) is not None
    # Changing the public API is a decision: update this list deliberately.
    assert names == PUBLIC_API


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = lesson_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["lessonkit"]["const"] == 1


def test_every_step_kind_and_check_type_is_in_the_schema() -> None:
    from lessonkit.checks import SPEC_TYPES
    from lessonkit.lesson.model import STEP_KINDS

    schema = lesson_schema()
    assert set(schema["$defs"]["step"]["properties"]["kind"]["enum"]) == set(STEP_KINDS)
    assert set(schema["$defs"]["check"]["properties"]["type"]["enum"]) == set(SPEC_TYPES)


def test_every_model_field_is_allowed_by_the_schema() -> None:
    """Schema and dataclasses describe the same keys (a drift test)."""
    import dataclasses

    from lessonkit.checks import SPEC_TYPES
    from lessonkit.lesson.model import STEP_KINDS

    defs = lesson_schema()["$defs"]
    for kind, cls in STEP_KINDS.items():
        fields = {f.name for f in dataclasses.fields(cls) if f.init}
        if kind == "end":
            fields.discard("next")  # an end step has no way on; the schema forbids 'next'
        assert set(defs[kind]["properties"]) == fields | {"kind"}, kind
    for name, spec in SPEC_TYPES.items():
        fields = {f.name for f in dataclasses.fields(spec) if f.init}
        assert set(defs[f"check_{name}"]["properties"]) == fields | {"type"}, name


def test_fast_and_full_schema_validators_agree() -> None:
    """The fast validity gate must reject whatever the explaining validator rejects."""
    from pathlib import Path

    import yaml
    from jsonschema import Draft202012Validator

    from lessonkit.lesson.schema import is_schema_valid

    full = Draft202012Validator(lesson_schema())
    root = Path(__file__).resolve().parents[2]
    files = [
        *(root / "tests" / "data" / "invalid").glob("*.lesson.yaml"),
        *(root / "lessons").rglob("*.lesson.yaml"),
    ]
    checked = 0
    for path in files:
        try:
            data = yaml.safe_load(path.read_bytes())
        except (yaml.YAMLError, ValueError, RecursionError):
            continue
        assert is_schema_valid(data) == full.is_valid(data), path
        checked += 1
    assert checked >= 25
