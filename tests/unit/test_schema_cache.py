"""The compiled schema check kept in the user's cache folder: reused, and trusted only when
the folder and the file are the user's own and writable by no one else."""

from __future__ import annotations

from pathlib import Path

import fastjsonschema

from lessonkit.lesson.schema import _consts_as_enums, lesson_schema
from lessonkit.lesson.schema.compiled import compiled_check
from lessonkit.lesson.usercache import cache_dir

SCHEMA = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}


def _valid(check, data) -> bool:
    try:
        check(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def _env(home: Path) -> dict[str, str]:
    return {"LESSONKIT_HOME": str(home)}


def _cached(home: Path) -> list[Path]:
    return sorted((home / "cache" / "schema").glob("lesson_*.py"))


def test_the_cache_folder_follows_lessonkit_home_then_xdg(tmp_path: Path) -> None:
    assert cache_dir({"LESSONKIT_HOME": str(tmp_path)}) == tmp_path / "cache"
    assert cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "lessonkit"
    assert cache_dir({"HOME": str(tmp_path)}) == tmp_path / ".cache" / "lessonkit"


def test_the_first_process_writes_a_private_module_and_its_bytecode(tmp_path: Path) -> None:
    check = compiled_check(SCHEMA, _env(tmp_path))
    assert _valid(check, {"a": 1}) and not _valid(check, {"a": "1"}) and not _valid(check, {})
    [module] = _cached(tmp_path)
    assert module.stat().st_mode & 0o777 == 0o600
    assert (module.parent.stat().st_mode & 0o777) == 0o700
    assert list((module.parent / "__pycache__").glob(module.stem + ".*.pyc"))
    again = compiled_check(SCHEMA, _env(tmp_path))  # read back, not written again
    assert _cached(tmp_path) == [module] and _valid(again, {"a": 2})


def test_another_schema_never_reuses_the_code(tmp_path: Path) -> None:
    compiled_check(SCHEMA, _env(tmp_path))
    other = compiled_check({**SCHEMA, "required": []}, _env(tmp_path))
    assert len(_cached(tmp_path)) == 2 and _valid(other, {})


def test_a_file_others_could_write_is_never_imported(tmp_path: Path) -> None:
    compiled_check(SCHEMA, _env(tmp_path))
    [module] = _cached(tmp_path)
    marker = tmp_path / "ran"
    module.write_text(f"open({str(marker)!r}, 'w').close()\nlessonkit_validate = print\n")
    module.chmod(0o666)
    check = compiled_check(SCHEMA, _env(tmp_path))
    assert not marker.exists()
    assert not _valid(check, {"a": "x"})  # the real check, written afresh
    assert module.stat().st_mode & 0o777 == 0o600


def test_a_folder_others_could_write_is_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "cache" / "schema"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    check = compiled_check(SCHEMA, _env(tmp_path))
    assert _valid(check, {"a": 1}) and not _valid(check, {})
    assert _cached(tmp_path) == []


def test_a_broken_cached_module_falls_back_and_is_written_afresh(tmp_path: Path) -> None:
    compiled_check(SCHEMA, _env(tmp_path))
    [module] = _cached(tmp_path)
    module.write_text("def broken(:\n")
    module.chmod(0o600)
    check = compiled_check(SCHEMA, _env(tmp_path))
    assert _valid(check, {"a": 1}) and not _valid(check, {"a": None})
    assert not module.exists()  # removed: the next process writes it again
    compiled_check(SCHEMA, _env(tmp_path))
    assert _cached(tmp_path) == [module]


def test_a_home_that_cannot_hold_a_cache_compiles_in_memory(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    check = compiled_check(SCHEMA, _env(tmp_path / "file" / "home"))  # not a folder
    assert _valid(check, {"a": 1}) and not _valid(check, {})


def test_the_lesson_schema_from_the_cache_agrees_with_compiling_it(tmp_path: Path) -> None:
    schema = _consts_as_enums(dict(lesson_schema()))
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    compiled_check(schema, _env(tmp_path))
    cached = compiled_check(schema, _env(tmp_path))
    fresh = fastjsonschema.compile(schema, detailed_exceptions=False)
    lesson = {"lessonkit": 1, "id": "x", "title": "X", "steps": [{"id": "a", "kind": "end"}]}
    cases = (lesson, {**lesson, "steps": []}, {**lesson, "colour": 1}, {})
    verdicts = [_valid(cached, dict(data)) for data in cases]
    assert verdicts == [_valid(fresh, dict(data)) for data in cases]
    assert verdicts == [True, False, False, False]
