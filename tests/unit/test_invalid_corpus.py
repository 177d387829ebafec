"""Every malformed lesson in tests/data/invalid/ gives exactly its expected problems.

Each ``NAME.lesson.yaml`` sits beside ``NAME.expected``: one ``LINE:COL: message`` per problem,
in order. The corpus covers syntax, encoding, schema, reference and graph problems.

Some messages end in words lessonkit passes on from another library: the YAML parser's account
of a syntax error, Python's ``re`` on a bad pattern. Their expected line ends in ``" …"``:
lessonkit's own part (position, context, framing) must match exactly and the library's words
must follow, whatever they are in the installed version.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lessonkit import LessonDefinitionError, check_file, load_lesson

CORPUS = Path(__file__).resolve().parent.parent / "data" / "invalid"
CASES = sorted(CORPUS.glob("*.lesson.yaml"))
PASSED_ON = "…"
"""Ends an expected line whose message goes on in another library's words."""


def _matches(actual: str, expected: str) -> bool:
    if expected.endswith(" " + PASSED_ON):
        ours = expected.removesuffix(PASSED_ON)
        return actual.startswith(ours) and len(actual.strip()) > len(ours.strip())
    return actual == expected


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30
    for case in CASES:
        assert case.with_name(case.name.replace(".lesson.yaml", ".expected")).exists(), case


def test_matching_passed_on_words() -> None:
    assert _matches("5:1: YAML syntax error: found a tab", "5:1: YAML syntax error: …")
    assert not _matches("5:1: YAML syntax error: ", "5:1: YAML syntax error: …")
    assert not _matches("5:2: YAML syntax error: found a tab", "5:1: YAML syntax error: …")
    assert not _matches("5:1: nested too deeply", "5:1: nested")


@pytest.mark.parametrize("case", CASES, ids=[c.name.split(".")[0] for c in CASES])
def test_expected_problems(case: Path) -> None:
    expected = (
        case.with_name(case.name.replace(".lesson.yaml", ".expected"))
        .read_text(encoding="utf-8")
        .splitlines()
    )
    problems = check_file(case)
    shown = [f"{p.line}:{p.column}: {p.message}" for p in problems]
    assert len(shown) == len(expected), shown
    assert all(map(_matches, shown, expected)), shown
    assert all(p.source == str(case) for p in problems)
    with pytest.raises(LessonDefinitionError) as info:
        load_lesson(case)
    assert _matches(str(info.value).splitlines()[0], f"{case}:{expected[0]}")


def test_nesting_deeper_than_the_parser_goes_is_one_problem(tmp_path: Path) -> None:
    """Thousands of levels overflow the YAML parser's recursion (older PyYAML) or hit its own
    nesting limit (PyYAML 6.0.4 and later). Either way: one problem on the right line, never a
    traceback. Who words it depends on the parser's version, so only its place is pinned here;
    lessonkit's own limit is ``nested_past_limit`` in the corpus."""
    path = tmp_path / "deep.lesson.yaml"
    path.write_text(
        "lessonkit: 1\nid: deep\ntitle: Deep\nsteps: " + "[" * 5000 + "]" * 5000 + "\n",
        encoding="utf-8",
    )
    problems = check_file(path)
    assert [(p.source, p.line) for p in problems] == [(str(path), 4)]
    assert problems[0].message.strip()
    with pytest.raises(LessonDefinitionError) as info:
        load_lesson(path)
    assert str(info.value).startswith(f"{path}:4:")
