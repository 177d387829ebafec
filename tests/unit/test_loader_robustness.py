"""No input file, however broken, produces anything but problems (never a traceback)."""

from __future__ import annotations

import codecs
import contextlib
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lessonkit import LessonDefinitionError, check_file, loads_lesson
from lessonkit.lesson.loader import check_source

LOOPS = Path(__file__).resolve().parents[2] / "lessons" / "loops" / "loops.lesson.yaml"
VALID = LOOPS.read_bytes()


def _problems_only(raw: bytes | str) -> None:
    lesson, problems = check_source(raw, "fuzz.lesson.yaml")
    assert (lesson is None) == bool(problems)
    for p in problems:
        assert p.line >= 1 and p.column >= 1, p
        assert str(p).startswith("fuzz.lesson.yaml:")
    with contextlib.suppress(LessonDefinitionError):
        loads_lesson(raw, "fuzz.lesson.yaml")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes(raw: bytes) -> None:
    _problems_only(raw)


yamlish = st.text(
    alphabet=st.sampled_from(list("abc:-[]{}&*!|>'\"#%@`,? \n\t0123456789.")), max_size=400
)


@settings(max_examples=300, deadline=None)
@given(yamlish)
def test_yaml_punctuation_soup(text: str) -> None:
    _problems_only(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_valid_lesson(data: st.DataObject) -> None:
    """Delete, duplicate or overwrite random slices of a real lesson."""
    raw = bytearray(VALID)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(raw) - 1))
        j = data.draw(st.integers(i, min(len(raw), i + 80)))
        action = data.draw(st.sampled_from(["delete", "duplicate", "garble", "insert"]))
        if action == "delete":
            del raw[i:j]
        elif action == "duplicate":
            raw[i:i] = raw[i:j]
        elif action == "garble":
            raw[i:j] = data.draw(st.binary(min_size=j - i, max_size=j - i))
        else:
            raw[i:i] = data.draw(st.text(max_size=30)).encode()
    _problems_only(bytes(raw))


def test_shipped_lesson_is_valid() -> None:
    assert check_file(LOOPS) == []


def test_ten_megabyte_file(tmp_path: Path) -> None:
    big = tmp_path / "big.lesson.yaml"
    big.write_bytes(VALID + b"# " + b"x" * 10_000_000 + b"\n")
    problems = check_file(big)
    assert [str(p) for p in problems] == [
        f"{big}:1:1: file is too large (5.0 MB; the limit is 5 MB)"
    ]


def test_large_but_allowed_file_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "padded.lesson.yaml"
    path.write_bytes(VALID + (b"# padding comment line\n" * 100_000))
    assert check_file(path) == []


@pytest.mark.parametrize("codec", ["utf-16", "utf-32", "utf-8-sig"])
def test_bom_marked_unicode_files_load(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "bom.lesson.yaml"
    path.write_bytes(VALID.decode().encode(codec))
    assert check_file(path) == []


def test_utf16_without_bom_is_a_clear_problem(tmp_path: Path) -> None:
    path = tmp_path / "le.lesson.yaml"
    path.write_bytes(codecs.encode(VALID.decode(), "utf-16-le"))
    problems = check_file(path)
    assert len(problems) == 1
    assert "save it as UTF-8" in problems[0].message or "YAML" in problems[0].message


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    problems = check_file(tmp_path / "nope.lesson.yaml")
    assert len(problems) == 1 and "cannot read file" in problems[0].message
    problems = check_file(tmp_path)  # a folder
    assert len(problems) == 1 and "cannot read file" in problems[0].message


def test_random_deep_structures() -> None:
    rng = random.Random(7)
    for _ in range(50):
        depth = rng.randint(50, 3000)
        opener, closer = rng.choice([("[", "]"), ("{a: ", "}")])
        _problems_only("lessonkit: 1\nsteps: " + opener * depth + closer * depth)
