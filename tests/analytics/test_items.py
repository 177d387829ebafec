"""Item analysis on a simulated class that took a real lesson through the real engine.

The class (``lessons/center-spread``) has two things planted: ``q-outlier`` misleads (the
stronger the learner, the likelier the wrong answer, and strong learners pick the distractor
``median``), and ``12`` is a common wrong answer to ``q-range`` with no feedback. ``q-mean``
gets ``25`` and ``25.0`` often: both are answered by its ``feedback.wrong`` entry ``25``.
"""

from __future__ import annotations

import json
import math
import shlex
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lessonkit.analytics.classsim import ItemBehaviour, class_statements
from lessonkit.analytics.frame import load_frame
from lessonkit.analytics.items import ItemAnalysis, item_analysis
from lessonkit.cli import main
from lessonkit.evidence.stores import open_store
from lessonkit.lesson.loader import load_lesson
from lessonkit.lesson.model import Lesson

from .handbuilt import T0, Script

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "lessons" / "center-spread" / "center-spread.lesson.yaml"
PLANTED = {
    "q-outlier": ItemBehaviour(discrimination=-1.5, wrong={"median": 0.9}),
    "q-range": ItemBehaviour(difficulty=0.3, wrong={"12": 0.7}),
    "q-mean": ItemBehaviour(wrong={"25": 0.3, "25.0": 0.3}),
}
LEARNERS = 200


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Lesson]:
    """The lesson file (a copy), a store holding the simulated class, and the lesson."""
    folder = tmp_path_factory.mktemp("items")
    lesson_file = folder / "center-spread.lesson.yaml"
    shutil.copy(EXAMPLE, lesson_file)
    lesson = load_lesson(lesson_file)
    store = str(folder / "evidence")
    with open_store(store) as target:
        target.append_many(class_statements(lesson, learners=LEARNERS, behaviour=PLANTED, seed=7))
    return lesson_file, store, lesson


@pytest.fixture(scope="module")
def frame(planted: tuple[Path, str, Lesson]) -> Any:
    return load_frame(planted[1])


@pytest.fixture(scope="module")
def analysis(planted: tuple[Path, str, Lesson], frame: Any) -> ItemAnalysis:
    lesson_file, _, lesson = planted
    return item_analysis(frame, {lesson.id: lesson}, {lesson.id: str(lesson_file)})


def _flagged(analysis: ItemAnalysis, flag: str) -> set[str]:
    items = analysis.items
    return {r.step for r in items.itertuples() if flag in str(r.flags).split("; ")}


def test_the_planted_misleading_question_is_found_and_nothing_else(
    analysis: ItemAnalysis,
) -> None:
    assert _flagged(analysis, "misleading") == {"q-outlier"}
    row = analysis.items.set_index("step").loc["q-outlier"]
    assert row["r_high"] < 0 and row["strong_right"] < row["weak_right"]
    assert row["strong_wrong"] == "median"
    assert "'median'" in row["note"]
    # every honest question discriminates positively
    others = analysis.items[analysis.items["step"] != "q-outlier"]
    assert (others["r"].dropna() > 0).all()


def test_the_planted_common_wrong_answer_without_feedback_is_found(
    analysis: ItemAnalysis, planted: tuple[Path, str, Lesson]
) -> None:
    common = analysis.wrong[analysis.wrong["common"]]
    assert [(r.step, r.response) for r in common.itertuples()] == [("q-range", "12")]
    row = common.iloc[0]
    assert row["feedback"] == "none" and row["share"] > 0.2
    assert shlex.split(row["command"]) == [
        "lessonkit",
        "feedback",
        "add",
        str(planted[0]),
        "--question=q-range",
        "--answer=12",
    ]
    assert _flagged(analysis, "wrong answer without feedback") == {"q-range"}


def test_wrong_answers_with_feedback_are_not_reported_as_uncovered(
    analysis: ItemAnalysis,
) -> None:
    wrong = analysis.wrong.set_index(["step", "response"])
    # "25.0" is not the text of the entry `25`: the numeric checker decides it matches
    assert wrong.loc[("q-mean", "25"), "feedback"] == "targeted"
    assert wrong.loc[("q-mean", "25.0"), "feedback"] == "targeted"
    assert not wrong.loc[("q-mean", "25.0"), "common"]
    assert wrong.loc[("q-mean", "25.0"), "command"] == ""
    # the distractor of the misleading question has feedback on its option
    assert wrong.loc[("q-outlier", "median"), "feedback"] == "option"
    assert (analysis.wrong["command"] != "").sum() >= 1
    assert (analysis.wrong.loc[analysis.wrong["feedback"] != "none", "command"] == "").all()


def test_a_small_class_shows_uncertainty_and_flags_nothing(
    planted: tuple[Path, str, Lesson], frame: Any
) -> None:
    lesson = planted[2]
    few = frame[frame["learner"].isin([f"learner-{i}" for i in range(12)])]
    small = item_analysis(few, {lesson.id: lesson}, {lesson.id: str(planted[0])})
    assert (small.items["flags"] == "").all()
    assert not small.wrong["common"].any()
    assert small.items["note"].str.contains("too few to flag").all()
    widths = (small.items["p_high"] - small.items["p_low"]).dropna()
    assert (widths > 0.3).all()  # twelve learners: wide intervals, shown as such


def test_discrimination_is_the_item_rest_correlation(analysis: ItemAnalysis, frame: Any) -> None:
    """Recomputed here the slow way: first answers per learner, the rest score over the other
    questions of the same competency, then Pearson's r."""
    ans = frame[(frame["kind"] == "answered") & frame["success"].notna()]
    ans = ans.sort_values(["timestamp", "registration", "seq"], kind="stable")
    first: dict[str, dict[str, float]] = defaultdict(dict)
    comps: dict[str, set[str]] = {}
    for row in ans.itertuples():
        first[row.learner].setdefault(row.step, float(row.success))
        comps.setdefault(row.step, set(str(row.competency).split(",")))
    for step in ("q-median", "q-outlier", "p-range"):
        peers = [s for s in comps if s != step and comps[s] & comps[step]]
        xs, rests = [], []
        for answers in first.values():
            mine = [answers[p] for p in peers if p in answers]
            if step in answers and mine:
                xs.append(answers[step])
                rests.append(sum(mine) / len(mine))
        expected = float(np.corrcoef(xs, rests)[0, 1])
        row = analysis.items.set_index("step").loc[step]
        assert row["basis"] == "competency" and row["n_rest"] == len(xs)
        assert math.isclose(row["r"], expected, abs_tol=1e-9)


def test_first_try_attempts_hints_and_time_from_a_handbuilt_class() -> None:
    """Three learners, one question, every number known: ann right after a hint on her
    second try, ben wrong twice, cy right at once; times from arriving to the last answer."""
    from lessonkit.analytics.frame import statements_frame

    scripts = []
    learners = [
        ("ann", [("4", False), ("5", True)], 1),
        ("ben", [("4", False), ("6", False)], 0),
        ("cy", [("5", True)], 0),
    ]
    for n, (name, answers, hints) in enumerate(learners):
        s = Script(name, T0.replace(hour=10 + n))
        s("started")("experienced", "s1", visit=1)  # arrival; each statement is 10 s later
        for attempt, (text, right) in enumerate(answers, 1):
            if attempt == 2 and hints:
                s("hint", "s1", index=0, attempt=1)
            s.answer("s1", text, right, attempt, 5.0, hints=hints if attempt == 2 else 0)
        scripts.append(s)
    frame = statements_frame([st for s in scripts for st in s.statements])
    result = item_analysis(frame)
    row = result.items.iloc[0]
    assert (row["n"], row["first_try"], row["attempts"]) == (3, 1 / 3, 5 / 3)
    assert row["hint_share"] == pytest.approx(1 / 3)
    assert row["median_time_s"] == 20.0  # ann 30 s (answer, hint, answer), ben 20 s, cy 10 s
    wrong = result.wrong.set_index("response")
    assert wrong.loc["4", "learners"] == 2 and wrong.loc["4", "feedback"] == "unknown"
    assert "6" not in wrong.index  # one learner's answer is no pattern


def test_report_items_json_csv_and_html(
    planted: tuple[Path, str, Lesson], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lesson_file, store, _ = planted
    args = ["report", store, "--items", "--lesson", str(lesson_file)]
    assert main([*args, "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["meta"]["learners"] == LEARNERS and "no learner ids" in body["personal_data"]
    steps = {r["step"]: r for r in body["tables"]["items"]}
    assert steps["q-outlier"]["flags"] == "misleading"
    assert main([*args, "--format", "csv"]) == 0
    csv = capsys.readouterr().out
    assert "# table: items" in csv and "# table: wrong_answers" in csv
    assert "learner-" not in csv  # no learner ids anywhere
    out = tmp_path / "items.html"
    assert main([*args, "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert shlex.quote(str(lesson_file)) in page.replace("&#x27;", "'")
    assert '<th scope="col">' in page and "<caption>" in page
    assert "⚑ misleading" in page  # a word, not a colour
    assert "src=" not in page and "http" not in page  # nothing to fetch
    # by lesson id only: the analysis, but nothing judged against a file
    assert main(["report", store, "--items", "--lesson", "center-spread", "--format", "json"]) == 0
    by_id = json.loads(capsys.readouterr().out)
    assert {r["feedback"] for r in by_id["tables"]["wrong_answers"]} == {"unknown"}
    assert main(["report", store, "--items", "--min-learners", "0"]) == 2


@pytest.mark.parametrize(
    ("lang", "words", "direction"),
    [
        ("es", ("Preguntas", "⚑ engañosa", "tercio más fuerte", "Cómo leer esto"), "ltr"),
        ("de", ("Fragen", "⚑ irreführend", "stärkstes Drittel", "So lesen Sie das"), "ltr"),
        ("ar", ("الأسئلة", "⚑ مضلِّل", "الثلث الأقوى", "كيف تُقرأ هذه الصفحة"), "rtl"),
    ],
)
def test_report_items_in_the_teachers_language(
    planted: tuple[Path, str, Lesson],
    tmp_path: Path,
    lang: str,
    words: tuple[str, ...],
    direction: str,
) -> None:
    """The page in ``--lang``: its words, flags and notes translated from the same numbers;
    the planted answers, question ids and commands exactly as they are."""
    lesson_file, store, _ = planted
    out = tmp_path / f"items-{lang}.html"
    args = ["report", store, "--items", "--lesson", str(lesson_file), "--lang", lang]
    assert main([*args, "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert f'<html lang="{lang}" dir="{direction}">' in page
    for word in words:
        assert word in page, word
    for english in ("Right on first try", "⚑ misleading", "strongest third", "How to read"):
        assert english not in page, english
    assert "q-outlier" in page and ">12</code>" in page and "&#x27;median&#x27;" in page
    assert "--question=q-range --answer=12" in page  # the command as it runs


def test_report_items_refuses_a_language_it_has_no_catalog_for(
    planted: tuple[Path, str, Lesson], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["report", planted[1], "--items", "--lang", "xx"])
    assert exited.value.code == 2
    assert "no translation for 'xx'" in capsys.readouterr().err
