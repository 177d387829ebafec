"""Importing a 1,000-question Moodle XML bank, against loading the lesson it writes.

The bank mixes the common types (single and multiple choice, true/false, numerical with
units, short answer with a wildcard, matching, essay) over ten categories, with HTML texts
and per-answer feedback. ``import_banks`` (parse the XML without entities, rewrite the HTML,
map, write the YAML, and load it back to validate it) runs in turns with ``load_lesson`` of
the lesson it wrote (the baseline: what every later ``lessonkit validate`` of it costs), so the
ratio says how much an import costs over simply reading its result.
"""

from __future__ import annotations

import shutil
from typing import Any

from timing import SCRATCH, compared, interleaved, row

from lessonkit.interop import import_banks
from lessonkit.lesson.loader import load_lesson


def moodle_bank(questions: int = 1000) -> str:
    """A Moodle XML bank of ``questions`` questions of mixed types."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    for i in range(questions):
        if i % 100 == 0:
            out.append(
                '<question type="category"><category><text>$course$/Default for Bench/'
                f"Unit {i // 100}</text></category></question>"
            )
        text = f"<p>Question <b>{i}</b>: what is {i} + 1? \\(x^{{{i}}}\\)</p>"
        kind = i % 7
        q = [f'<question type="{_TYPES[kind]}"><name><text>q{i}</text></name>']
        q.append(f'<questiontext format="html"><text><![CDATA[{text}]]></text></questiontext>')
        q.append("<penalty>0.3333333</penalty>")
        if kind in (0, 1):
            q.append(f"<single>{'true' if kind == 0 else 'false'}</single>")
            for j, frac in enumerate((100, 0, 0, 0) if kind == 0 else (50, 50, -50, -50)):
                q.append(
                    f'<answer fraction="{frac}" format="html"><text><![CDATA[<p>option {j}</p>]]>'
                    f"</text><feedback><text>why {j}</text></feedback></answer>"
                )
        elif kind == 2:
            q.append('<answer fraction="100"><text>true</text></answer>')
            q.append(f'<answer fraction="0"><text>false</text>{_NO}</answer>')
        elif kind == 3:
            q.append(
                f'<answer fraction="100"><text>{i + 1}</text><tolerance>0.5</tolerance></answer>'
            )
            q.append(
                "<units><unit><multiplier>1</multiplier><unit_name>m</unit_name></unit></units>"
            )
        elif kind == 4:
            q.append('<answer fraction="100"><text>*loop*</text></answer>')
            q.append(f'<answer fraction="0"><text>list</text>{_NO}</answer>')
        elif kind == 5:
            for j in range(3):
                answer = f"<answer><text>match {j}</text></answer>"
                q.append(f"<subquestion><text>item {j}</text>{answer}</subquestion>")
        q.append("</question>")
        out.append("".join(q))
    out.append("</quiz>")
    return "\n".join(out)


_NO = "<feedback><text>No.</text></feedback>"
_TYPES = [
    "multichoice",
    "multichoice",
    "truefalse",
    "numerical",
    "shortanswer",
    "matching",
    "essay",
]


def run(quick: bool) -> list[dict[str, Any]]:
    size = 200 if quick else 1000
    work = SCRATCH / "interop"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    bank = work / "bank.xml"
    bank.write_text(moodle_bank(size), encoding="utf-8")
    out = work / "bank.lesson.yaml"
    result = import_banks([bank], out)
    assert not result.problems and result.count("skipped") == 0, result.problems[:3]
    ours, base = interleaved(
        [lambda: import_banks([bank], out, replace=True), lambda: load_lesson(out)],
        repeat=3 if quick else 7,
        collect=True,
    )
    label = f"{size}-question Moodle XML bank ({bank.stat().st_size / 1e6:.1f} MB)"
    rows = [row(f"load_lesson of the imported lesson, {label} [baseline]", base)]
    rows.append(compared(f"lessonkit import {label}", ours, base, "load_lesson of its lesson"))
    shutil.rmtree(work, ignore_errors=True)
    return rows
