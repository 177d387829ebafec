"""Slow checker libraries are imported in the background when a session starts."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap


def _run(code: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    ).stdout
    return dict(json.loads(out.splitlines()[-1]))


def test_an_expression_lesson_imports_sympy_before_the_first_answer() -> None:
    result = _run(
        """
        import json, sys, threading, time
        import lessonkit as lk
        from lessonkit import checks
        lesson = lk.Lesson(id="m", title="M", steps=(
            lk.Question(id="q", prompt="x squared?", check=checks.Expression(answer="x^2"),
                        next="end"),
            lk.End(id="end")))
        before = "sympy" in sys.modules
        s = lk.LessonSession(lesson, learner="ada", seed=1)
        for t in threading.enumerate():
            if t.name == "lessonkit-warm-sympy":
                t.join(30)
        s.start()
        started = time.perf_counter()
        result = s.submit("x*x").result
        print(json.dumps({"before": before, "after": "sympy" in sys.modules,
                          "correct": result.correct,
                          "first_check_s": time.perf_counter() - started}))
        """
    )
    assert result["before"] is False and result["after"] is True and result["correct"] is True


def test_a_lesson_without_such_questions_imports_nothing_more() -> None:
    result = _run(
        """
        import json, sys, threading
        import lessonkit as lk
        from lessonkit import checks
        lesson = lk.Lesson(id="n", title="N", steps=(
            lk.Question(id="q", prompt="2+2?", check=checks.Numeric(answer=4), next="end"),
            lk.End(id="end")))
        lk.LessonSession(lesson, learner="ada", seed=1).start()
        names = [t.name for t in threading.enumerate()]
        print(json.dumps({"sympy": "sympy" in sys.modules, "pandas": "pandas" in sys.modules,
                          "warming": [n for n in names if n.startswith("lessonkit-warm")]}))
        """
    )
    assert result == {"sympy": False, "pandas": False, "warming": []}
