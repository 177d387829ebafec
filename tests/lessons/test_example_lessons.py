"""The example lessons in ``lessons/``: they validate, and scripted learners take the paths
their authors meant, with the scores and mastery those paths should give.

Code exercises are checked in a sandbox subprocess (about 60 ms each), so only the loops
tests submit code, and only a handful of times.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import lessonkit as lk
from lessonkit.cli import main
from lessonkit.engine.play import play
from lessonkit.lesson.variants import draw, render, variant_seed

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons"
LOOPS = LESSONS / "loops" / "loops.lesson.yaml"
CENTER = LESSONS / "center-spread" / "center-spread.lesson.yaml"
GROUPBY_MODULE = LESSONS / "groupby" / "groupby_lesson.py"

TOTAL_OK = (
    "def total(numbers):\n"
    "    result = 0\n"
    "    for n in numbers:\n"
    "        result = result + n\n"
    "    return result\n"
)
VOWELS_OK = "def count_vowels(text):\n    return sum(1 for ch in text.lower() if ch in 'aeiou')\n"


def _groupby() -> ModuleType:
    spec = importlib.util.spec_from_file_location("groupby_lesson", GROUPBY_MODULE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _variant_answer(lesson: lk.Lesson, item: lk.Question, n: int, learner: str) -> Any:
    """The right answer of the ``n``-th variant of a practice item, as the learner sees it."""
    shown = render(item, draw(item, variant_seed(learner, lesson.id, item.id, n)))
    return shown.check.answer


def _pool_script(
    lesson: lk.Lesson, pool: str, *, right: bool = True, learner: str = "player"
) -> dict[str, Any]:
    """Script every item of a practice pool: right (or wrong) on each of its variants.

    Within one visit of a pool, the k-th time an item is given it shows variant k.
    """
    step = lesson.step(pool)
    assert isinstance(step, lk.Practice)
    script: dict[str, Any] = {}
    for item in step.items:
        visits = []
        for n in range(step.max_items):
            answer = _variant_answer(lesson, item, n, learner)
            visits.append([answer if right else answer + 1000])
        script[item.id] = {"visits": visits}
    return script


def _items_given(result: dict[str, Any], lesson: lk.Lesson, pool: str) -> int:
    step = lesson.step(pool)
    assert isinstance(step, lk.Practice)
    ids = {item.id for item in step.items}
    return sum(1 for f in result["feedback"] if f["step"] in ids)


# -- validation -------------------------------------------------------------------------------


def test_every_lesson_file_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(LESSONS)]) == 0
    out = capsys.readouterr().out
    assert "loops.lesson.yaml: ok" in out
    assert "center-spread.lesson.yaml: ok" in out


def test_python_api_lesson_saves_to_a_valid_file(tmp_path: Path) -> None:
    lesson = _groupby().build_lesson()
    assert lk.lint(lesson) == []
    target = tmp_path / "groupby.lesson.yaml"
    lk.save_lesson(lesson, target)
    assert lk.check_file(target) == []
    assert lk.load_lesson(target) == lesson
    assert main(["validate", "-q", str(target)]) == 0


@pytest.mark.parametrize("folder", ["loops", "groupby", "center-spread"])
def test_each_lesson_folder_has_a_launcher_notebook(folder: str) -> None:
    notebook = json.loads((LESSONS / folder / f"{folder}.ipynb").read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    assert len(code) == 1 and "lessonkit.show(" in code[0]
    assert notebook["cells"][1]["metadata"]["lessonkit"]["launcher"] is True


def test_lessons_together_use_every_question_type() -> None:
    lessons = [lk.load_lesson(LOOPS), lk.load_lesson(CENTER), _groupby().build_lesson()]
    kinds: set[str] = set()
    for lesson in lessons:
        for step in lesson.steps:
            questions = step.items if isinstance(step, lk.Practice) else (step,)
            for q in questions:
                if isinstance(q, lk.Question):
                    check = q.check
                    multi = isinstance(check, lk.checks.Choice) and isinstance(check.answer, tuple)
                    kinds.add("choice-multiple" if multi else check.type)
    assert kinds == {
        "choice",
        "choice-multiple",
        "numeric",
        "text",
        "expression",
        "code",
        "frame",
        "ordering",
        "free",
    }


# -- loops: branching on performance ------------------------------------------------------


def test_loops_first_try_success_leads_to_the_challenge() -> None:
    lesson = lk.load_lesson(LOOPS)
    script = {
        "confidence": "new",
        "q-range": [4],
        "ex-sum": [TOTAL_OK],
        "challenge": [VOWELS_OK],
        "q-break": ["break"],
        **_pool_script(lesson, "practice"),
    }
    out = play(lesson, script, seed=3).to_json()
    assert out["path"] == [
        "welcome",
        "confidence",
        "for-intro",
        "q-range",
        "accumulate-intro",
        "ex-sum",
        "challenge",
        "while-intro",
        "q-break",
        "practice",
        "done",
    ]
    assert out["completed"] is True
    assert (out["score"], out["max_score"]) == (6.0, 6.0)
    # two right answers leave for-loops at 0.905 (< 0.95): one right practice item masters it
    assert out["mastered"] == ["for-loops"]
    assert _items_given(out, lesson, "practice") == 1
    assert out["mastery"]["accumulator"] > 0.9 > out["mastery"]["while-loops"] > 0.1


def test_loops_two_failures_lead_to_the_worked_example() -> None:
    lesson = lk.load_lesson(LOOPS)
    script = {
        "confidence": "some",
        "q-range": [5, 4],
        "ex-sum": [
            "def total(numbers):\n    return None\n",
            "def total(numbers):\n    return 0\n",
            TOTAL_OK,
        ],
        "q-break": ["continue", "break"],
        **_pool_script(lesson, "practice"),
    }
    out = play(lesson, script, seed=3).to_json()
    assert out["path"] == [
        "welcome",
        "confidence",
        "for-intro",
        "q-range",
        "accumulate-intro",
        "ex-sum",
        "worked-example",
        "while-intro",
        "q-break",
        "practice",
        "done",
    ]
    assert "challenge" not in out["path"]
    assert out["completed"] is True
    # q-range right on the 2nd try (0.5 of 1), ex-sum right on the 3rd (2), q-break (1)
    assert (out["score"], out["max_score"]) == (3.5, 4.0)
    assert out["steps"]["ex-sum"]["attempts"] == 3
    ex_sum = [f for f in out["feedback"] if f["step"] == "ex-sum"]
    assert [f["correct"] for f in ex_sum] == [False, False, True]
    assert ex_sum[1]["feedback"].startswith("1 of 3 tests passed.")
    q_break = [f["feedback"] for f in out["feedback"] if f["step"] == "q-break"]
    assert "`continue` skips to the next pass" in q_break[0]
    # a wrong first attempt is evidence of not knowing: accumulator falls below its prior
    assert out["mastery"]["accumulator"] < 0.2
    # the practice pool then brings for-loops to mastery
    assert out["mastered"] == ["for-loops"]
    assert _items_given(out, lesson, "practice") >= 1


# -- groupby: branching on the learner's choice of theme --------------------------------


@pytest.mark.parametrize("theme", ["sports", "music", "weather"])
def test_groupby_each_theme(theme: str) -> None:
    module = _groupby()
    lesson = module.build_lesson()
    spec = module.THEMES[theme]
    g, s, v = spec["group"], spec["sub"], spec["value"]
    df = module.load_theme(theme)
    assert len(df) == 12 and list(df.columns) == [g, s, v]
    assert df.equals(module.load_theme(theme))  # generated deterministically
    totals = df.groupby(g)[v].sum().reset_index()
    means = df.groupby([g, s])[v].mean().reset_index()
    order = lesson.step(f"order-{theme}").check.items
    script = {
        "theme": theme,
        f"order-{theme}": [{"answer": list(order)}],
        f"totals-{theme}": [totals],
        f"means-{theme}": [means],
        "q-size": ["size"],
        "q-aggregations": [{"answer": ["sum", "mean", "max"]}],
        "q-groups": [6],
    }
    out = play(lesson, script, seed=1).to_json()
    assert out["path"] == [
        "welcome",
        "theme",
        f"data-{theme}",
        f"order-{theme}",
        f"totals-{theme}",
        f"means-{theme}",
        "q-size",
        "q-aggregations",
        "q-groups",
        "done",
    ]
    assert out["completed"] is True
    assert out["profile"] == {"theme": theme}
    assert (out["score"], out["max_score"]) == (8.0, 8.0)
    assert out["mastered"] == ["groupby"]
    assert out["mastery"]["split-apply-combine"] > 0.85


def test_groupby_wrong_frames_lead_to_the_worked_example_and_back_to_the_theme() -> None:
    module = _groupby()
    lesson = module.build_lesson()
    df = module.load_theme("weather")
    unsummed = df[["city", "rain_mm"]]  # forgot to aggregate
    mean_not_sum = df.groupby("city")["rain_mm"].mean().reset_index()
    order = list(lesson.step("order-weather").check.items)
    script = {
        "theme": "weather",
        "order-weather": [{"answer": order[::-1]}, {"answer": order}],
        "totals-weather": [unsummed, mean_not_sum, mean_not_sum],
        "means-weather": [df.groupby(["city", "month"])["rain_mm"].mean().reset_index()],
        "q-size": ["nunique", "size"],
        "q-aggregations": [{"answer": ["sum", "mean", "max", "cumsum"]}, ["sum", "mean", "max"]],
        "q-groups": [12, 6],
    }
    out = play(lesson, script, seed=1).to_json()
    assert out["path"] == [
        "welcome",
        "theme",
        "data-weather",
        "order-weather",
        "totals-weather",
        "worked-example",
        "means-weather",
        "q-size",
        "q-aggregations",
        "q-groups",
        "done",
    ]
    assert out["steps"]["totals-weather"] == {
        "visits": 1,
        "attempts": 3,
        "hints": 0,
        "correct": False,
        "score": 0.0,
    }
    frame_feedback = [f["feedback"] for f in out["feedback"] if f["step"] == "totals-weather"]
    assert "row" in frame_feedback[0]  # a short diff names rows/columns, not a traceback
    # ordering 0.5 (2nd try), totals 0, means 2; q-size, q-aggregations and q-groups have
    # no attempt schedule, so a right 2nd try earns full credit
    assert out["steps"]["order-weather"]["score"] == 0.5
    assert out["score"] == 0.5 + 0 + 2 + 1 + 1 + 1
    assert out["max_score"] == 8.0
    assert out["mastered"] == []
    assert out["mastery"]["groupby"] < 0.5


# -- center-spread: self-rated confidence and a practice pool to mastery ----------------

CORE_RIGHT = {
    "q-mean": [5],
    "q-median": [5.5],
    "q-formula": ["(a+b+c)/3"],
    "q-outlier": ["mean"],
    "q-range": [8],
    "reflect": ["The median, because a few enormous prices pull the mean far up."],
}


def test_center_spread_low_confidence_gets_the_walkthrough_and_practises_to_mastery() -> None:
    lesson = lk.load_lesson(CENTER)
    script = {"confidence": "low", **CORE_RIGHT, **_pool_script(lesson, "practice")}
    out = play(lesson, script, seed=7).to_json()
    assert out["path"] == [
        "welcome",
        "confidence",
        "walkthrough",
        "mean-intro",
        "q-mean",
        "q-median",
        "q-formula",
        "spread-intro",
        "q-outlier",
        "q-range",
        "practice",
        "reflect",
        "done",
    ]
    assert out["completed"] is True
    assert out["profile"] == {"confidence": "low"}
    assert (out["score"], out["max_score"]) == (5.0, 5.0)
    # four right answers leave center mastered, spread (one answer) not yet; the pool gives
    # spread items until it is mastered too, well before its 10-item budget
    assert out["mastered"] == ["center", "spread"]
    given = [f["step"] for f in out["feedback"] if f["step"].startswith("p-") and f["correct"]]
    assert 1 <= len(given) < 10
    assert all(item in {"p-range", "p-shift-sd", "p-scale-sd"} for item in given)
    assert out["steps"]["reflect"]["score"] == 1.0


def test_center_spread_high_confidence_skips_the_basics() -> None:
    lesson = lk.load_lesson(CENTER)
    script = {
        "confidence": "high",
        "pretest": [{"answer": ["median", "iqr"]}],
        **CORE_RIGHT,
        **_pool_script(lesson, "practice"),
    }
    out = play(lesson, script, seed=7).to_json()
    assert out["path"] == [
        "welcome",
        "confidence",
        "pretest",
        "spread-intro",
        "q-outlier",
        "q-range",
        "practice",
        "reflect",
        "done",
    ]
    assert (out["score"], out["max_score"]) == (4.0, 4.0)
    assert out["mastered"] == ["center", "spread"]


def test_center_spread_failed_pretest_goes_through_the_basics() -> None:
    lesson = lk.load_lesson(CENTER)
    script = {
        "confidence": "high",
        "pretest": [{"answer": ["mean", "median"]}],
        **CORE_RIGHT,
        "q-median": [5, 5.5],
        **_pool_script(lesson, "practice"),
    }
    out = play(lesson, script, seed=7).to_json()
    assert out["path"][:7] == [
        "welcome",
        "confidence",
        "pretest",
        "mean-intro",
        "q-mean",
        "q-median",
        "center-worked",
    ]
    assert out["completed"] is True
    # multiple select: (1 right pick - 1 wrong pick) / 2 right options = 0 of 2 points
    assert out["steps"]["pretest"]["score"] == 0.0
    sort_first = next(f["feedback"] for f in out["feedback"] if f["step"] == "q-median")
    assert "Sort first" in sort_first


def test_center_spread_wrong_practice_lowers_mastery_and_uses_the_whole_pool() -> None:
    lesson = lk.load_lesson(CENTER)
    script = {"confidence": "medium", **CORE_RIGHT, **_pool_script(lesson, "practice", right=False)}
    before = play(lesson, {"confidence": "medium", **CORE_RIGHT}, seed=7).to_json()
    assert before["stopped_at"] == "practice"
    out = play(lesson, script, seed=7).to_json()
    assert out["path"][2] == "mean-intro"  # medium confidence: no walkthrough, no pretest
    assert out["completed"] is True
    assert _items_given(out, lesson, "practice") == 10  # max_items: mastery never reached
    # center was mastered by the core questions, so the pool only gives spread items, and
    # every wrong answer keeps spread below its threshold
    assert before["mastered"] == out["mastered"] == ["center"]
    practised = {f["step"] for f in out["feedback"] if f["step"].startswith("p-")}
    assert practised == {"p-range", "p-shift-sd", "p-scale-sd"}
    assert out["mastery"]["spread"] < 0.2 < before["mastery"]["spread"]
    assert out["mastery"]["center"] == before["mastery"]["center"]


# -- determinism ----------------------------------------------------------------------------


def test_cli_play_is_deterministic(tmp_path: Path) -> None:
    lesson = lk.load_lesson(CENTER)
    responses = tmp_path / "responses.json"
    script = {"confidence": "low", **CORE_RIGHT, **_pool_script(lesson, "practice")}
    responses.write_text(json.dumps(script), encoding="utf-8")
    argv = [sys.executable, "-m", "lessonkit", "play", str(CENTER), "-r", str(responses)]
    runs = [
        subprocess.run(
            [*argv, "--json", "--seed", "11"], capture_output=True, text=True, check=True
        )
        for _ in range(2)
    ]
    assert runs[0].stdout == runs[1].stdout
    out = json.loads(runs[0].stdout)
    assert out["completed"] is True and out["path"][-1] == "done"
    assert out == play(lesson, script, seed=11).to_json()
