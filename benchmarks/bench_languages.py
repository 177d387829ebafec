"""What a learner's language costs: loading a translation, a session in it, reading its numbers.

Each pair runs in turns in this process, so the ratio compares like with like:

- loading the loops lesson with its Spanish translation file (``load_lesson``) against the
  lesson file alone (``check_source``): what a Voilà page load pays for a translated lesson;
- a new ``LessonSession`` in Spanish (the translation put in place) against one in the
  lesson's own language;
- checking a number written the German way (``1.234,5``) against the same number in English.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from timing import compared, interleaved, row

import lessonkit as lk
from lessonkit.checks import Numeric, check
from lessonkit.lesson.loader import check_source

LOOPS = Path(__file__).resolve().parent.parent / "lessons" / "loops" / "loops.lesson.yaml"


def run(quick: bool) -> list[dict[str, Any]]:
    repeat = 10 if quick else 60
    raw = LOOPS.read_bytes()
    translated, plain = interleaved(
        [lambda: lk.load_lesson(LOOPS), lambda: check_source(raw, str(LOOPS))],
        repeat=repeat,
        collect=True,
    )
    rows = [
        row("load the loops lesson [baseline]", plain),
        compared(
            "load the loops lesson with its Spanish translation",
            translated,
            plain,
            "the lesson file alone",
        ),
    ]
    lesson = lk.load_lesson(LOOPS)
    spanish, own = interleaved(
        [
            lambda: lk.LessonSession(lesson, learner="a", language="es"),
            lambda: lk.LessonSession(lesson, learner="a"),
        ],
        repeat=repeat * 5,
    )
    rows.append(row("new session of the loops lesson [baseline]", own))
    rows.append(compared("new session of the loops lesson in Spanish", spanish, own, "in English"))
    spec = Numeric(answer=1234.5)
    german, english = interleaved(
        [lambda: check(spec, "1.234,5", language="de"), lambda: check(spec, "1234.5")],
        repeat=repeat * 50,
    )
    rows.append(row("check 1234.5 typed in English [baseline]", english))
    rows.append(compared("check 1.234,5 typed in German", german, english, "in English"))
    return rows
