"""A Python-built lesson saved to YAML and loaded again equals the original, and saving it
again gives the same bytes, numbers as the author wrote them (``15`` stays ``15``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lessonkit as lk
from lessonkit import checks
from lessonkit.lesson.loader import dumps_lesson
from lessonkit.lesson.serialize import content_hash


def full_lesson() -> lk.Lesson:
    """A lesson using every step kind, every check type and every optional field."""
    q = lk.Question(
        id="q-num",
        title="Gravity",
        prompt="What is $g$ in m/s²?",
        check=checks.Numeric(answer=9.81, relative_tolerance=0.01, units="m/s^2"),
        points=2,
        competencies=("physics",),
        hints=("It is close to 10.", "9.8..."),
        feedback=lk.Feedback(
            correct="Yes!",
            incorrect="Not quite.",
            wrong=(lk.WrongAnswer(answer=10, message="That is rounded too far."),),
        ),
        max_attempts=3,
        attempt_scores=(1.0, 0.5, 0.25),
        solution="$g \\approx 9.81$",
        show_solution_after=2,
        next=lk.Branch(
            rules=(lk.Rule(when="correct and attempts == 1", goto="ex"),),
            default="pick",
        ),
    )
    return lk.Lesson(
        id="everything",
        title="Every feature",
        version="2.1",
        description="Line one\nline two\n",
        competencies=(
            lk.Competency(
                id="physics", title="Physics", mastery=lk.MasteryParams(prior=0.3, slip=0.05)
            ),
            lk.Competency(id="code"),
        ),
        settings=lk.Settings(allow_back=False, first_attempt_only=False),
        steps=(
            lk.Content(id="intro", body="# Hi\n\n```python\nprint(1)\n```\n", next="q-num"),
            q,
            lk.Choice(
                id="pick",
                prompt="Interest?",
                field="interest",
                options=(
                    lk.ChoiceOption(
                        value="sports", label="Sports", sets={"goal": "fun"}, goto="ex"
                    ),
                    lk.ChoiceOption(value="music"),
                ),
                next="ex",
            ),
            lk.Exercise(
                id="ex",
                prompt="Write f",
                starter="def f(x):\n    ...\n",
                check=checks.Code(
                    name="f",
                    tests=(checks.CodeTest(args=(1,), expect=2, name="one"),),
                    setup="import math",
                    timeout=1.5,
                ),
                competencies=("code",),
                next="more",
            ),
            lk.Question(
                id="more",
                prompt="Pick",
                check=checks.Choice(
                    options=(checks.Option(value="a", feedback="no"), checks.Option(value="b")),
                    answer=("a", "b"),
                    shuffle=True,
                ),
                next="t",
            ),
            lk.Question(
                id="t",
                prompt="Word",
                check=checks.Text(answer=("colour", "color"), regex=r"colou?r", fuzzy=0.8),
                next="x",
            ),
            lk.Question(
                id="x",
                prompt="Expr",
                check=checks.Expression(answer="2*(x+1)", variables=("x",)),
                next="df",
            ),
            lk.Question(
                id="df",
                prompt="Frame",
                check=checks.Frame(answer={"a": [1, 2], "b": ["x", "y"]}, check_row_order=False),
                next="ord",
            ),
            lk.Question(
                id="ord",
                prompt="Order",
                check=checks.Ordering(items=("one", "two", "three")),
                next="free",
            ),
            lk.Question(
                id="free", prompt="Reflect", check=checks.FreeResponse(min_words=5), next="cus"
            ),
            lk.Question(
                id="cus",
                prompt="Custom",
                check=checks.Custom(checker="my-checker", answer=[1, 2], params={"strict": True}),
                next="pool",
            ),
            lk.Practice(
                id="pool",
                competencies=("physics",),
                max_items=4,
                items=(
                    lk.Question(
                        id="p1",
                        prompt="{{a}} + {{b}} = ?",
                        params={
                            "a": lk.Param(randint=(1, 9)),
                            "b": lk.Param(uniform=(0.5, 2.5)),
                            "c": lk.Param(choice=("x", "y")),
                        },
                        derived={"s": "a + b"},
                        check=checks.Numeric(answer="{{s}}", tolerance=0.01),
                    ),
                ),
                next="end",
            ),
            lk.End(id="end", body="Bye", show_summary=False),
        ),
    )


def test_full_lesson_round_trip(tmp_path: Path) -> None:
    lesson = full_lesson()
    assert lk.lint(lesson) == []
    path = lk.save_lesson(lesson, tmp_path / "everything.lesson.yaml")
    assert lk.check_file(path) == []
    again = lk.load_lesson(path)
    assert again == lesson
    assert content_hash(again) == content_hash(lesson)
    assert dumps_lesson(again) == path.read_text(encoding="utf-8")


def test_markdown_stays_readable_block_text() -> None:
    text = dumps_lesson(full_lesson())
    assert "body: |" in text
    assert "lessonkit: 1" in text.splitlines()[0]


def test_callables_cannot_be_saved() -> None:
    lesson = lk.Lesson(
        id="c",
        title="C",
        steps=(
            lk.Content(
                id="a", next=lk.Branch(rules=(lk.Rule(when=lambda s: True, goto="b"),), default="b")
            ),
            lk.End(id="b"),
        ),
    )
    with pytest.raises(lk.LessonDefinitionError, match="callable cannot be saved"):
        dumps_lesson(lesson)


def test_content_hash_changes_with_content() -> None:
    lesson = full_lesson()
    other = lk.Lesson(
        id=lesson.id, title=lesson.title + "!", steps=lesson.steps, competencies=lesson.competencies
    )
    assert content_hash(other) != content_hash(lesson)


ids = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
texts = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\r\x85\u2028\u2029"), max_size=40
)
numbers = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9)
whole = st.integers(-(10**12), 10**12)  # authors write whole numbers as ints: they stay ints
specs = st.one_of(
    st.builds(
        checks.Numeric,
        answer=numbers | whole,
        tolerance=st.floats(0, 10) | st.integers(0, 10),
        relative_tolerance=st.floats(0, 1) | st.integers(0, 1),
        units=texts,
        range=st.none() | st.tuples(whole, whole).map(sorted).map(tuple),
    ),
    st.builds(
        checks.Text,
        answer=st.lists(texts, min_size=1, max_size=3).map(tuple),
        case_sensitive=st.booleans(),
        fuzzy=st.none() | st.floats(0.1, 1),
    ),
    st.lists(ids, min_size=2, max_size=5, unique=True).flatmap(
        lambda opts: st.builds(
            checks.Choice,
            options=st.just(tuple(opts)),
            answer=st.sampled_from(opts),
            shuffle=st.booleans(),
        )
    ),
    st.builds(checks.Expression, answer=st.sampled_from(["x+1", "2*(x+1)", "sin(x)**2"])),
    st.builds(checks.Ordering, items=st.lists(ids, min_size=2, max_size=5, unique=True).map(tuple)),
)


@st.composite
def lessons(draw: st.DrawFn) -> lk.Lesson:
    names = draw(st.lists(ids, min_size=1, max_size=8, unique=True))
    steps: list[lk.Step] = []
    for i, name in enumerate(names):
        nxt = names[i + 1] if i + 1 < len(names) else "the-end"
        if draw(st.booleans()):
            steps.append(lk.Content(id=name, title=draw(texts), body=draw(texts), next=nxt))
        else:
            steps.append(
                lk.Question(
                    id=name,
                    prompt=draw(texts),
                    check=draw(specs),
                    points=draw(st.floats(0, 100) | st.integers(0, 100)),
                    hints=tuple(draw(st.lists(texts, max_size=2))),
                    max_attempts=draw(st.none() | st.integers(1, 5)),
                    next=nxt,
                )
            )
    steps.append(lk.End(id="the-end", body=draw(texts)))
    return lk.Lesson(
        id="gen",
        title=draw(texts.filter(lambda t: t.strip() != "")) or "T",
        description=draw(texts),
        steps=tuple(steps),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lessons())
def test_generated_lessons_round_trip(lesson: lk.Lesson) -> None:
    text = dumps_lesson(lesson)
    again = lk.loads_lesson(text)
    assert again == lesson
    assert dumps_lesson(again) == text  # byte for byte
    assert content_hash(again) == content_hash(lesson)
    assert _number_types(again) == _number_types(lesson)  # an int stays an int


def _number_types(lesson: lk.Lesson) -> list[tuple[str, type]]:
    """Each question's check numbers and points with their types, in step order (a default
    value is left out of the file, and read back as the default)."""
    found = []
    for step in lesson.steps:
        if isinstance(step, lk.Question):
            if step.points != 1:
                found.append(("points", type(step.points)))
            if isinstance(step.check, checks.Numeric):
                spec = step.check
                for name in ("answer", "tolerance", "relative_tolerance"):
                    if getattr(spec, name) not in (None, 0):
                        found.append((name, type(getattr(spec, name))))
                found += [("range", type(v)) for v in spec.range or ()]
    return found


def test_an_authors_whole_number_stays_whole() -> None:
    text = (
        "lessonkit: 1\nid: n\ntitle: N\nsteps:\n"
        "- id: q\n  kind: question\n  prompt: 3 * 5?\n  points: 2\n"
        "  check: {type: numeric, answer: 15, tolerance: 1, range: [0, 100]}\n  next: e\n"
        "- id: e\n  kind: end\n"
    )
    lesson = lk.loads_lesson(text)
    question = lesson.steps[0]
    assert isinstance(question, lk.Question) and isinstance(question.check, checks.Numeric)
    assert type(question.check.answer) is int and type(question.points) is int
    saved = dumps_lesson(lesson)
    assert "answer: 15\n" in saved and "tolerance: 1\n" in saved and "points: 2\n" in saved
    assert dumps_lesson(lk.loads_lesson(saved)) == saved
    # equal lessons hash the same however the author wrote the number
    assert content_hash(lk.loads_lesson(text.replace("answer: 15", "answer: 15.0"))) == (
        content_hash(lesson)
    )


EXAMPLES = sorted((Path(__file__).parents[2] / "lessons").rglob("*.lesson.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_lessons_save_load_save_is_byte_identical(path: Path) -> None:
    saved = dumps_lesson(lk.load_lesson(path))
    assert dumps_lesson(lk.loads_lesson(saved)) == saved
    # No whole number the author wrote became a float on the way.
    assert _floats(yaml.safe_load(saved)) <= _floats(yaml.safe_load(path.read_text("utf-8")))


def _floats(data: Any) -> Counter[float]:
    """The floats anywhere in plain YAML data, counted."""
    found: Counter[float] = Counter()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float):
            found[item] += 1
    return found


def test_examples_were_found() -> None:
    assert len(EXAMPLES) >= 4
