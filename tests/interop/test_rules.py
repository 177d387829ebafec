"""The mapping rules every format shares, on small banks written here."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from lessonkit.interop import import_banks
from lessonkit.interop.htmltext import TextContext, html_to_markdown
from lessonkit.interop.lesson_items import penalty_of, regex_wildcard
from lessonkit.interop.mapping import attempt_scores, wildcard_regex
from lessonkit.interop.media import MediaStore
from lessonkit.lesson.loader import load_lesson
from lessonkit.lesson.model import Practice
from tests.interop.banks import play_right, valid
from tests.interop.conftest import import_cli, run_cli

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.mark.parametrize(
    ("penalty", "scores"),
    [
        (None, ()),
        (0.0, ()),
        (1.0, (1.0, 0.0)),
        (0.5, (1.0, 0.5, 0.0)),
        (0.3333333, (1.0, 0.666667, 0.333333, 0.0)),
    ],
)
def test_a_penalty_per_wrong_attempt_becomes_an_attempt_score_schedule(
    penalty: float | None, scores: tuple[float, ...]
) -> None:
    assert attempt_scores(penalty) == pytest.approx(scores)
    if scores:
        assert penalty_of(attempt_scores(penalty))[1]  # and back, exactly


def test_moodle_wildcards_become_patterns_and_back() -> None:
    assert re.fullmatch(wildcard_regex("*osmosis"), "by osmosis")
    assert re.fullmatch(wildcard_regex("a\\*b"), "a*b")
    assert not re.fullmatch(wildcard_regex("a\\*b"), "axb")
    assert regex_wildcard(wildcard_regex("the  seine*")) == "the seine*"
    assert regex_wildcard("[A-Z]+") is None


def _md(markup: str, **kw: object) -> tuple[str, list[str]]:
    ctx = TextContext(
        media=MediaStore(), resolve=lambda ref: ("p.png", PNG) if ref == "p.png" else None, **kw
    )  # type: ignore[arg-type]
    return html_to_markdown(markup, ctx), ctx.notes


@pytest.mark.parametrize(
    ("markup", "markdown"),
    [
        ("<p>Costs $5 and <b>more</b></p>", "Costs \\$5 and **more**"),
        ("<p>\\(x^2\\) and \\[y\\]</p>", "$x^2$ and\n\n$$\ny\n$$"),
        ("<ul><li>one</li><li>2*3</li></ul>", "- one\n- 2\\*3"),
        ("H<sub>2</sub>O, x<sup>2</sup>", "H₂O, x²"),
        ("<pre><code>a = 1\nb = 2</code></pre>", "```\na = 1\nb = 2\n```"),
        ('<img src="p.png" alt="A pie">', "![A pie](media/p.png)"),
        (
            "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>",
            "| a | b |\n|---|---|\n| 1 | 2 |",
        ),
        ("<span style='color:red'>plain</span> <u>words</u>", "plain words"),
    ],
)
def test_bank_html_becomes_markdown(markup: str, markdown: str) -> None:
    assert _md(markup)[0] == markdown


def test_what_html_loses_is_noted() -> None:
    text, notes = _md(
        '<p>a<script>x()</script><a href="javascript:y()">b</a><img src="gone.png"></p>'
    )
    assert text == "ab[image]"
    assert any("<script>" in n for n in notes) and any("javascript" in n for n in notes)
    assert any("gone.png" in n for n in notes)


def test_dollars_are_math_in_jupyterquiz_and_money_elsewhere() -> None:
    assert _md("<p>$x$ costs $5</p>")[0] == "\\$x\\$ costs \\$5"
    assert _md("<p>$x$ costs</p>", dollars_are_math=True)[0] == "$x$ costs"


GIFT = """\
// a comment
$CATEGORY: $course$/Default for X/Loops

::tf::For loops end.{FALSE#Wrong: they do end.#Right.####Loops over finite ranges end.}

::num::How many?{#
    =4:0#Yes.
    =%50%5:0#Off by one.
}

::mw::A loop {~sometimes =always ~never} ends.

$CATEGORY: $course$/Default for X/Strings

::sa::[markdown]Name a **string** method.{=upper =lower#Also fine. =%0%len#len is a function.}

::m::Match.{=a -> 1 =b -> 2 = -> 3}

::e::Why? {}

::esc::Which is \\= ? {=\\=\\{x\\}}
"""


def test_gift_types_feedback_and_positions(tmp_path: Path) -> None:
    bank = tmp_path / "b.gift"
    bank.write_text(GIFT, encoding="utf-8")
    out = tmp_path / "b.lesson.yaml"
    result = import_banks([bank], out)
    valid(out)
    lines = {f.step.split(",")[0]: f.where.line for f in result.findings}
    assert lines == {"tf": 4, "num": 6, "mw": 11, "sa": 15, "m": 17, "e": 19, "esc": 21}
    lesson = load_lesson(out)
    steps = {q.id: q for q in lesson.questions()}
    tf = steps["tf"]
    assert [o.feedback for o in tf.check.options] == ["Wrong: they do end.", "Right."]  # type: ignore[attr-defined]
    assert tf.solution == "Loops over finite ranges end." and tf.check.answer == "False"  # type: ignore[attr-defined]
    assert steps["num"].check.answer == 4.0  # type: ignore[attr-defined]
    assert [(w.answer, w.message) for w in steps["num"].feedback.wrong] == [(5.0, "Off by one.")]
    assert steps["mw"].prompt == "A loop \\_\\_\\_\\_\\_ ends."
    assert steps["sa"].prompt == "Name a **string** method."
    assert steps["esc"].check.answer == ("={x}",)  # type: ignore[attr-defined]
    assert {c.id for c in lesson.competencies} == {"loops", "strings"}
    assert steps["tf"].competencies == ("loops",) and steps["sa"].competencies == ("strings",)
    play_right(
        out,
        {
            "tf": ["False"],
            "num": [4],
            "mw": ["always"],
            "sa": ["upper"],
            "m": ["1"],
            "m-2": ["2"],
            "e": ["Because the range is finite and known."],
            "esc": ["={x}"],
        },
    )


def test_practice_and_per_category_layouts(tmp_path: Path) -> None:
    bank = tmp_path / "b.gift"
    bank.write_text(GIFT, encoding="utf-8")
    practice = tmp_path / "p" / "b.lesson.yaml"
    done = import_cli(bank, "-o", practice, "--layout", "practice")
    assert done.returncode == 0, done.stderr
    lesson = load_lesson(practice)
    pools = [s for s in lesson.steps if isinstance(s, Practice)]
    assert [p.competencies for p in pools] == [("loops",), ("strings",)]
    split = tmp_path / "s" / "b.lesson.yaml"
    assert import_cli(bank, "-o", split, "--layout", "per-category").returncode == 0
    assert sorted(p.name for p in split.parent.glob("*.lesson.yaml")) == [
        "b-loops.lesson.yaml",
        "b-strings.lesson.yaml",
    ]
    for path in split.parent.glob("*.lesson.yaml"):
        valid(path)


MOODLE = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="shortanswer">
    <name><text>Pie</text></name>
    <questiontext format="html"><text><![CDATA[<p>What is this?
      <img src="@@PLUGINFILE@@/pie%20chart.png" alt="a chart"></p>]]></text>
      <file name="pie chart.png" path="/" encoding="base64">{base64.b64encode(PNG).decode()}</file>
    </questiontext>
    <penalty>0.3333333</penalty>
    <usecase>1</usecase>
    <answer fraction="100"><text>Pie</text><feedback><text>Yes.</text></feedback></answer>
    <answer fraction="0"><text>pie</text><feedback><text>Capital P.</text></feedback></answer>
  </question>
  <question type="calculated">
    <name><text>Area</text></name>
    <questiontext><text>Area of {{r}}?</text></questiontext>
  </question>
</quiz>
"""


def test_media_are_carried_both_ways_and_the_report_names_lines(tmp_path: Path) -> None:
    bank = tmp_path / "in" / "bank.xml"
    bank.parent.mkdir()
    bank.write_text(MOODLE, encoding="utf-8")
    out = tmp_path / "out" / "pie.lesson.yaml"
    done = import_cli(bank, "-o", out, "--json")
    assert done.returncode == 1  # the calculated question was skipped
    report = json.loads(done.stdout)
    assert [(f["line"], f["status"]) for f in report["findings"]] == [
        (3, "imported"),
        (14, "skipped"),
    ]
    assert report["files"][str(bank)] == {"imported": 1, "approximated": 0, "skipped": 1}
    assert (tmp_path / "out" / "media" / "pie-chart.png").read_bytes() == PNG
    question = load_lesson(out).questions()[0]
    assert "![a chart](media/pie-chart.png)" in question.prompt
    assert question.check.case_sensitive and question.attempt_scores == (
        1.0,
        0.666667,
        0.333333,
        0.0,
    )  # type: ignore[attr-defined]
    again = import_cli(bank, "-o", out, "--allow-partial")
    assert again.returncode == 1 and "exists (edits made to it would be lost)" in again.stderr
    assert import_cli(bank, "-o", out, "--allow-partial", "--force").returncode == 0
    for fmt, name in (("moodle-xml", "back.xml"), ("qti", "back.zip")):
        assert run_cli("export", out, "--format", fmt, "-o", tmp_path / name).returncode == 0
        again = tmp_path / fmt / "again.lesson.yaml"
        assert import_cli(tmp_path / name, "-o", again).returncode == 0
        assert (again.parent / "media" / "pie-chart.png").read_bytes() == PNG


def test_usage_errors_and_unreadable_files(tmp_path: Path) -> None:
    bank = tmp_path / "b.gift"
    bank.write_text("Q {T}\n", encoding="utf-8")
    assert import_cli(bank, "-o", tmp_path / "x.yaml").returncode == 2
    assert import_cli(bank, "--format", "docx").returncode == 2
    done = import_cli(tmp_path / "missing.xml", "-o", tmp_path / "x.lesson.yaml")
    assert done.returncode == 1 and "cannot read file" in done.stdout
    odd = tmp_path / "notes.md"
    odd.write_text("# nothing here\n", encoding="utf-8")
    done = import_cli(odd, "-o", tmp_path / "y.lesson.yaml")
    assert done.returncode == 1 and "cannot tell the format; give --format" in done.stdout
    assert "Traceback" not in done.stderr


def test_a_second_import_never_overwrites_the_first_ones_media(tmp_path: Path) -> None:
    for n, colour in enumerate((b"red", b"blue")):
        bank = tmp_path / f"bank{n}.xml"
        bank.write_text(
            MOODLE.replace(base64.b64encode(PNG).decode(), base64.b64encode(PNG + colour).decode()),
            encoding="utf-8",
        )
        assert (
            import_cli(
                bank, "-o", tmp_path / "out" / f"l{n}.lesson.yaml", "--allow-partial"
            ).returncode
            == 0
        )
    first, second = (
        load_lesson(tmp_path / "out" / f"l{n}.lesson.yaml").questions()[0] for n in (0, 1)
    )
    paths = [re.search(r"\(media/([^)]+)\)", q.prompt).group(1) for q in (first, second)]  # type: ignore[union-attr]
    assert paths[0] != paths[1]
    assert (tmp_path / "out" / "media" / paths[0]).read_bytes() == PNG + b"red"
    assert (tmp_path / "out" / "media" / paths[1]).read_bytes() == PNG + b"blue"
