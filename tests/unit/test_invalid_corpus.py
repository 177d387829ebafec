"""Every malformed lesson in tests/data/invalid/ gives exactly its expected problems.

Each ``NAME.lesson.yaml`` sits beside ``NAME.expected``: one ``LINE:COL: message`` per problem,
in order. The corpus covers syntax, encoding, schema, reference and graph problems.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lessonkit import LessonDefinitionError, check_file, load_lesson

CORPUS = Path(__file__).resolve().parent.parent / "data" / "invalid"
CASES = sorted(CORPUS.glob("*.lesson.yaml"))


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30
    for case in CASES:
        assert case.with_name(case.name.replace(".lesson.yaml", ".expected")).exists(), case


@pytest.mark.parametrize("case", CASES, ids=[c.name.split(".")[0] for c in CASES])
def test_expected_problems(case: Path) -> None:
    expected = (
        case.with_name(case.name.replace(".lesson.yaml", ".expected"))
        .read_text(encoding="utf-8")
        .splitlines()
    )
    problems = check_file(case)
    assert [f"{p.line}:{p.column}: {p.message}" for p in problems] == expected
    assert all(p.source == str(case) for p in problems)
    with pytest.raises(LessonDefinitionError) as info:
        load_lesson(case)
    assert str(info.value).splitlines()[0] == f"{case}:{expected[0]}"
