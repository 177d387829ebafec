"""GIFT from a GIFT parser's own tests (pygiftparserrgmf's sdist on PyPI), read independently
by that parser: every question it accepts imports, validates and scores full marks with the
right answers it finds; every snippet it rejects is reported by lessonkit, never a crash."""

from __future__ import annotations

import ast
import contextlib
import functools
import gc
import io
import re
import warnings
from pathlib import Path
from typing import Any

import pytest

from lessonkit.interop import import_banks
from tests.interop.banks import play_right, valid


def _snippets(tests: Path) -> list[tuple[str, str]]:
    """(test file, GIFT text) of every string constant passed to ``parser.parse``."""
    found = []
    for path in sorted(tests.glob("test_*.py")):
        with warnings.catch_warnings():  # its tests write GIFT escapes in plain strings
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "parse"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.append((path.name, node.args[0].value))
    return found


@functools.cache
def _their_parser() -> Any:
    """That parser's module. Importing it builds its PLY tables and writes ``parser.out``
    through a file it never closes: its ResourceWarning is that package's, not ours, so it is
    silenced (and the file collected) here rather than failing whichever test runs next."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        from pygiftparser import parser

        gc.collect()
    return parser


def _independent(gift: str) -> list[Any] | None:
    """The other parser's questions, or None when it rejects the text."""
    parser = _their_parser()
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            result = parser.parse(gift)
    except Exception:  # that parser signals bad GIFT with assorted exceptions
        return None
    return list(result.questions) if result and result.questions else None


def _unescape(value: Any) -> Any:
    """GIFT's escapes (that parser keeps them in its texts): ``\\=`` is ``=``."""
    if isinstance(value, list):
        return [_unescape(v) for v in value]
    return re.sub(r"\\(.)", r"\1", value) if isinstance(value, str) else value


def _number(text: str) -> str:
    if ".." in text:
        low, high = (float(v) for v in text.split(".."))
        return str((low + high) / 2)
    return text.split(":", maxsplit=1)[0].strip()


def _right(question: Any, steps: list[str]) -> dict[str, list[Any]]:
    answer = question.answer
    kind = type(answer).__name__
    options = list(getattr(answer, "options", []) or [])
    if kind in ("Essay",):
        return {steps[0]: ["A short biography of enough words to be an answer at all."]}
    if kind == "Description" or not steps:
        return {}
    if any("->" in o.text for o in options):
        pairs = [o.text.split("->", 1) for o in options if o.text.split("->", 1)[0].strip()]
        return {s: [p[1].strip()] for s, p in zip(steps, pairs, strict=True)}
    if kind == "MultipleChoiceCheckbox":
        return {steps[0]: [[o.text for o in options if o.percentage > 0]]}
    if kind == "MultipleChoiceRadio":
        return {steps[0]: [next(o.text for o in options if o.prefix == "=")]}
    if kind in ("Numerical", "MultipleNumerical", "Range"):
        return {steps[0]: [_number(next(o.text for o in options if o.percentage >= 1))]}
    return {steps[0]: [next(o.text for o in options if o.percentage >= 1)]}


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_gift_parser_test_snippets(sdist: Any, tmp_path: Path) -> None:
    snippets = _snippets(sdist("pygiftparserrgmf") / "tests")
    assert len(snippets) >= 80
    played = refused = 0
    for n, (name, gift) in enumerate(snippets):
        bank = tmp_path / f"{n}.gift"
        bank.write_text(gift, encoding="utf-8")
        out = tmp_path / f"l{n}.lesson.yaml"
        result = import_banks([bank], out)
        theirs = _independent(gift)
        if theirs is None:
            refused += 1
            if out.exists():  # lessonkit may read what the other parser refuses; it must validate
                valid(out)
            continue
        ours = [f for f in result.findings if f.status != "skipped"]
        assert len(ours) == len(theirs), (name, gift, result.findings)
        valid(out)
        script: dict[str, list[Any]] = {}
        for finding, question in zip(ours, theirs, strict=True):
            right = _right(question, [s for s in finding.step.split(", ") if s])
            script.update({k: _unescape(v) for k, v in right.items()})
        play_right(out, script)
        played += 1
    assert played >= 60 and refused >= 10, (played, refused)


@pytest.mark.parametrize(
    ("gift", "line"),
    [("::ok:: Fine? {T}\n\n::bad:: Broken {=a ~b\n", 3), ("Q {#1:1}\n\n\n// c\nQ2 {=x -> }}\n", 5)],
)
def test_a_broken_question_is_skipped_with_its_line_and_the_rest_imported(
    gift: str, line: int, tmp_path: Path
) -> None:
    bank = tmp_path / "bank.gift"
    bank.write_text(gift, encoding="utf-8")
    result = import_banks([bank], tmp_path / "b.lesson.yaml")
    skipped = [f for f in result.findings if f.status == "skipped"]
    assert [f.where.line for f in skipped] == [line], result.findings
    assert result.count("imported") + result.count("approximated") == 1
    valid(tmp_path / "b.lesson.yaml")
