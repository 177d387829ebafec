"""Messages an author meets first: the cause before its consequences, "did you mean" for the
words authors reach for, YAML's indentation errors explained, and where to declare a
competency."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from lessonkit.course import check_course
from lessonkit.lesson.loader import check_source
from lessonkit.lesson.scaffold import new_lesson

ROOT = Path(__file__).resolve().parents[2]
PROBABILITY = ROOT / "tests" / "data" / "probability"
SAMPLE_SPACE = (PROBABILITY / "sample-space.lesson.yaml").read_text(encoding="utf-8")
COURSE = (PROBABILITY / "probability.course.yaml").read_text(encoding="utf-8")


def _lesson(text: str) -> list[str]:
    _, problems = check_source(text, "x.lesson.yaml")
    return [str(p) for p in problems]


def _course(tmp_path: Path, text: str) -> list[str]:
    folder = tmp_path / "probability"
    shutil.copytree(PROBABILITY, folder)
    (folder / "probability.course.yaml").write_text(text, encoding="utf-8")
    _, problems = check_course(folder / "probability.course.yaml")
    return [str(p).replace(f"{folder}/", "") for p in problems]


def _once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


# ------------------------------------------------------------------ the cause first


def test_a_key_typo_in_a_course_is_reported_alone(tmp_path: Path) -> None:
    text = _once(COURSE, "    develops: [conditional]", "    develop: [conditional]")
    assert _course(tmp_path, text) == [
        "probability.course.yaml:16:5: lesson 'conditional': unknown key 'develop' "
        "(did you mean 'develops'?)"
    ]


def test_a_mistyped_next_hides_the_steps_it_cut_off(tmp_path: Path) -> None:
    text = _once(SAMPLE_SPACE, "    next: q-die", "    nxt: q-die")
    assert _lesson(text) == [
        "x.lesson.yaml:12:5: step 'welcome': unknown key 'nxt' (did you mean 'next'?)"
    ]


def test_consequences_come_after_their_cause() -> None:
    # 'explain' (line 8) is unreachable only because a later rule (line 15) misnames it
    text = """\
lessonkit: 1
id: x
title: X
steps:
  - id: welcome
    kind: content
    next: q
  - id: explain
    kind: content
    next: done
  - id: q
    kind: question
    prompt: 1 + 1?
    check: {type: numeric, answer: 2}
    next: {rules: [{when: not correct, goto: explian}], default: done}
  - id: done
    kind: end
"""
    assert _lesson(text) == [
        "x.lesson.yaml:15:46: step 'q': next: rules: goto: unknown step 'explian' "
        "(did you mean 'explain'?)",
        "x.lesson.yaml:8:9: step 'explain' is unreachable from the start step 'welcome': "
        "no step leads to it",
    ]


# ------------------------------------------------------------------ did you mean


def _choice_lesson(tmp_path: Path) -> str:
    folder = new_lesson("Scaffold", tmp_path)
    return (folder / "scaffold.lesson.yaml").read_text(encoding="utf-8")


LESSON_TYPOS = [
    # (text as written, as mistyped, the suggestion)
    ("    hints: [Count", "    hint: [Count", "hints"),
    ("    prompt: How many", "    question: How many", "prompt"),
    ("    max_attempts: 3", "    tries: 3", "max_attempts"),
    ("    next: q-die", "    goto: q-die", "next"),
    ("          goto: explain", "          next: explain", "goto"),
    ("        - when: not correct", "        - if: not correct", "when"),
    ("      default: done", "      otherwise: done", "default"),
    ("{type: numeric, answer: 6}", "{type: numeric, correct: 6}", "answer"),
    ("title: Sample spaces", "name: Sample spaces", "title"),
]


def _word(wrong: str) -> str:
    """The mistyped key: the last ``key:`` of the text."""
    line = [part for part in wrong.split("\n") if ":" in part][-1]
    return re.findall(r"([A-Za-z_]+):", line)[-1]


@pytest.mark.parametrize(("right", "wrong", "meant"), LESSON_TYPOS)
def test_lesson_keys_authors_reach_for(right: str, wrong: str, meant: str) -> None:
    word = "correct" if "correct:" in wrong else _word(wrong)
    found = _lesson(_once(SAMPLE_SPACE, right, wrong))
    assert found == [f for f in found if f"unknown key {word!r} (did you mean {meant!r}?)" in f]
    assert len(found) == 1, found


def test_option_text_and_label_point_at_each_other(tmp_path: Path) -> None:
    # a check's options show their 'text', a choice step's options their 'label'
    text = _once(
        SAMPLE_SPACE,
        "check: {type: numeric, answer: 6}",
        "check: {type: choice, options: [{value: '6', label: six}, '5'], answer: '6'}",
    )
    assert _lesson(text) == [
        "x.lesson.yaml:16:50: step 'q-die': check: options: unknown key 'label' "
        "(did you mean 'text'?)"
    ]
    scaffold = _once(_choice_lesson(tmp_path), 'label: "Not yet"', 'text: "Not yet"')
    assert [p for p in _lesson(scaffold) if "unknown key" in p] == [
        "x.lesson.yaml:28:22: step 'confidence': options: unknown key 'text' "
        "(did you mean 'label'?)"
    ]


def test_a_step_kind_written_as_type() -> None:
    found = _lesson(_once(SAMPLE_SPACE, "    kind: question", "    type: question"))
    assert found == [
        "x.lesson.yaml:13:5: step 'q-die': missing required key 'kind' ('type' is written; "
        "did you mean 'kind'?)"
    ]


def test_choice_options_written_as_choices(tmp_path: Path) -> None:
    text = _once(_choice_lesson(tmp_path), "    options:", "    choices:")
    found = _lesson(text)
    assert any("unknown key 'choices' (did you mean 'options'?)" in p for p in found), found
    assert not any("missing required key 'options'" in p for p in found), found


COURSE_TYPOS = [
    ("    file: sample-space.lesson.yaml", "    path: sample-space.lesson.yaml", "file"),
    ("    due: 2027-03-01", "    date: 2027-03-01", "due"),
    ("    develops: [conditional]", "    teaches: [conditional]", "develops"),
    ("    develops: [conditional]", "    competencies: [conditional]", "develops"),
    (
        "    requires: [sample-space]\nlessons",
        "    prerequisites: [sample-space]\nlessons",
        "requires",
    ),
    ("    title: Probability basics", "    name: Probability basics", "title"),
]


@pytest.mark.parametrize(("right", "wrong", "meant"), COURSE_TYPOS)
def test_course_keys_authors_reach_for(tmp_path: Path, right: str, wrong: str, meant: str) -> None:
    found = _course(tmp_path, _once(COURSE, right, wrong))
    assert len(found) == 1, found
    assert f"unknown key {_word(wrong)!r} (did you mean {meant!r}?)" in found[0]


def _schema_keys(schema: object) -> set[str]:
    found: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict):
                found.update(node["properties"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def test_every_synonym_points_at_a_real_key() -> None:
    from lessonkit.lesson.suggest import SYNONYMS, key_hint

    keys = _schema_keys(json.loads((ROOT / "lessonkit/lesson/schema/lesson.v1.json").read_text()))
    keys |= _schema_keys(json.loads((ROOT / "lessonkit/course/schema/course.v1.json").read_text()))
    for key, words in SYNONYMS.items():
        assert key in keys, key
        assert key not in words, key
    # a synonym is offered only where its key is allowed; spelling still counts
    assert key_hint("path", ["file", "id"]) == "file"
    assert key_hint("path", ["id", "title"]) is None
    assert key_hint("Next", ["next", "id"]) == "next"
    assert key_hint("promt", ["prompt", "id"]) == "prompt"


# ------------------------------------------------------------------ YAML syntax


def test_a_colon_in_a_value_gets_an_indentation_and_quoting_hint() -> None:
    text = _once(SAMPLE_SPACE, "title: Sample spaces", "title: Probability: sample spaces")
    (problem,) = _lesson(text)
    assert problem.startswith(
        "x.lesson.yaml:4:19: YAML syntax error: mapping values are not allowed in this context"
    )
    assert problem.endswith("; check the indentation of line 4, or quote a value containing ': '")


def test_a_misindented_key_and_a_tab_are_explained() -> None:
    (problem,) = _lesson(_once(SAMPLE_SPACE, "    kind: question", "     kind: question"))
    assert problem.startswith("x.lesson.yaml:14:10: YAML syntax error: mapping values")
    assert "check the indentation of line 14" in problem
    (problem,) = _lesson(_once(SAMPLE_SPACE, "  - id: q-die", "\t- id: q-die"))
    assert problem.endswith("line 13 is indented with a tab: YAML needs spaces")
    (problem,) = _lesson(_once(SAMPLE_SPACE, "    kind: question", "   kind: question"))
    assert "check the indentation of line 14 and the line above it" in problem


# ------------------------------------------------------------------ competencies


def test_an_undeclared_competency_says_where_to_declare_it() -> None:
    text = SAMPLE_SPACE.replace("competencies: [sample-space]", "competencies: [outcomes]")
    assert _lesson(text) == [
        "x.lesson.yaml:17:20: step 'q-die': competencies: unknown competency 'outcomes': "
        "declare it in the lesson's top-level 'competencies:' list (- id: outcomes)"
    ]
    text = SAMPLE_SPACE.replace("competencies: [sample-space]", "competencies: [sample-spaces]")
    assert _lesson(text) == [
        "x.lesson.yaml:17:20: step 'q-die': competencies: unknown competency 'sample-spaces' "
        "(did you mean 'sample-space'?); a new one goes in the lesson's top-level "
        "'competencies:' list"
    ]
