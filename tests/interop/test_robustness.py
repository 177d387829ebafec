"""Whatever a bank file holds, an import reports and never crashes: every lesson it writes
validates, and anything it cannot read is a finding or a refused file, not a traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lessonkit.interop import import_banks
from lessonkit.interop.untrusted import BankFileError
from lessonkit.lesson.loader import check_file

GIFT_PIECES = st.sampled_from(
    [
        "::t::",
        "{",
        "}",
        "=",
        "~",
        "#",
        "####",
        "->",
        "%50%",
        "%-100%",
        "\\",
        "\\=",
        ":",
        "..",
        "T",
        "FALSE",
        "1.5",
        "\n",
        "\n\n",
        "//",
        " ",
        "word",
        "[html]",
        "<b>",
        "$CATEGORY: a/b\n",
        "<img src='../x.png'>",
        "\\(x\\)",
        "$",
        "é",
    ]
)
MOODLE = (
    '<?xml version="1.0"?><quiz><question type="multichoice"><name><text>n</text></name>'
    '<questiontext format="html"><text><![CDATA[<p>Q <b>x</b></p>]]></text></questiontext>'
    '<single>false</single><answer fraction="50"><text>a</text></answer>'
    '<answer fraction="50"><text>b</text><feedback><text>f</text></feedback></answer>'
    '</question><question type="numerical"><answer fraction="100"><text>3</text>'
    "<tolerance>1</tolerance></answer></question></quiz>"
)


def _import(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bank = Path(tmp) / name
        bank.write_bytes(data)
        out = Path(tmp) / "out" / "x.lesson.yaml"
        try:
            result = import_banks([bank], out)
        except BankFileError:
            return  # a whole-import refusal (too many questions) is a clear error too
        for path in result.written:
            if path.name.endswith(".lesson.yaml"):
                assert check_file(path) == [], path.read_text(encoding="utf-8")[:2000]
            assert path.resolve().is_relative_to(Path(tmp, "out").resolve())
        assert result.findings, "every file gets at least one finding"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(GIFT_PIECES, max_size=40).map("".join))
def test_any_gift_text(text: str) -> None:
    _import("bank.gift", text.encode("utf-8"))


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(MOODLE)), st.text(max_size=5), st.integers(0, len(MOODLE)))
def test_any_damage_to_a_moodle_file(cut: int, junk: str, at: int) -> None:
    damaged = MOODLE[:at] + junk + MOODLE[at:cut] if at < cut else MOODLE[:cut] + junk
    _import("bank.xml", damaged.encode("utf-8"))


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                        st.sampled_from(["type", "question", "answers", "correct", "value",
                                         "range", "answer", "feedback", "precision", "code"]),
                        inner, max_size=5), max_leaves=20))  # fmt: skip
def test_any_jupyterquiz_json(data: object) -> None:
    import json

    _import("quiz.json", json.dumps([data, {"type": "numeric", "answers": data}]).encode())
