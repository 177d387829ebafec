"""Lessons in several languages: translation files beside a lesson, checked and shown.

The corpus in tests/data/translations/ holds, for each case, ``NAME.lesson.yaml``, its Spanish
translation ``NAME.es.yaml`` and ``NAME.expected``: every problem and warning, in order, as
``FILE:LINE:COL: message`` (file names without their folder).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lessonkit as lk
from lessonkit.cli import main
from lessonkit.errors import LessonDefinitionError
from lessonkit.lesson.loader import check_file, dumps_lesson, loads_lesson
from lessonkit.lesson.serialize import content_hash
from lessonkit.lesson.sidecar_write import _scalar
from lessonkit.lesson.units import has_prose, localize, pick_translation, units

CORPUS = Path(__file__).resolve().parent.parent / "data" / "translations"
CASES = sorted(CORPUS.glob("*.lesson.yaml"))


def _shown(case: Path) -> list[str]:
    warnings: list[lk.Problem] = []
    problems = check_file(case, warnings=warnings)
    return [
        f"{Path(p.source).name}:{p.line}:{p.column}: "
        f"{'warning: ' if p.severity == 'warning' else ''}{p.message}"
        for p in [*problems, *warnings]
    ]


def _matches(actual: str, expected: str) -> bool:
    """As in tests/unit/test_invalid_corpus.py: a line ending in " …" goes on in another
    library's words (here the ``regex`` module's account of a bad pattern)."""
    if expected.endswith(" …"):
        ours = expected.removesuffix("…")
        return actual.startswith(ours) and len(actual) > len(ours)
    return actual == expected


@pytest.mark.parametrize("case", CASES, ids=[c.name.split(".")[0] for c in CASES])
def test_expected_problems(case: Path) -> None:
    expected = case.with_name(case.name.replace(".lesson.yaml", ".expected"))
    lines = expected.read_text(encoding="utf-8").splitlines()
    shown = _shown(case)
    assert len(shown) == len(lines), shown
    assert all(map(_matches, shown, lines)), shown
    errors = [line for line in expected.read_text().splitlines() if ": warning: " not in line]
    if errors:
        with pytest.raises(LessonDefinitionError) as info:
            lk.load_lesson(case)
        first = str(info.value).splitlines()[0]
        assert _matches(first, f"{CORPUS / errors[0]}")
    else:
        assert "es" in lk.load_lesson(case).translations


def test_the_corpus_covers_every_kind_of_finding() -> None:
    text = "\n".join(p.read_text() for p in CORPUS.glob("*.expected"))
    for finding in (
        "unknown step",
        "no such text",
        "stale translation",
        "marked for review",
        "not translated into es",
        "not translated yet",
        "is not in the source text",
        "'lesson' must be",
        "invalid regular expression",
    ):
        assert finding in text, finding


def test_validate_exits_1_on_errors_and_with_strict_on_stale_translations(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", str(CORPUS / "stale.lesson.yaml")]) == 0
    assert "warning: step 'intro': body: stale translation" in capsys.readouterr().out
    assert main(["validate", "--strict", str(CORPUS / "stale.lesson.yaml")]) == 1
    assert main(["validate", str(CORPUS / "dangling.lesson.yaml")]) == 1
    assert main(["validate", str(CORPUS / "ok.lesson.yaml"), "--strict"]) == 0


# ------------------------------------------------------------------ what a learner sees


@pytest.fixture
def tiny() -> lk.Lesson:
    return lk.load_lesson(CORPUS / "ok.lesson.yaml")


def test_a_spanish_session_shows_every_text_in_spanish(tiny: lk.Lesson) -> None:
    session = lk.LessonSession(tiny, learner="ana", seed=1, language="es")
    assert session.lesson.title == "Una lección diminuta"
    assert session.lesson.language == "es"
    session.start()
    assert (session.current.step.title, session.current.step.body) == (
        "Bienvenida",
        "Vamos a contar.",
    )
    session.advance()
    mood = session.current.step
    assert mood.prompt == "¿Cómo te sientes?"
    assert [(o.value, o.label) for o in mood.options] == [("good", "Bien"), ("bad", "Mal")]
    session.choose("bad")  # values stay the lesson's
    assert session.profile["mood"] == "bad"
    said = session.submit("2").result
    assert "Eso es un pájaro." in said.feedback
    assert session.hint().hint == "Cuéntalas."
    assert session.submit("4").result.correct
    session.advance()
    assert session.submit("perro").result.correct  # the Spanish accepted answer
    while not session.finished:
        session.advance()
    assert session.current.step.body == "Bien hecho."


def test_text_answers_per_language(tiny: lk.Lesson) -> None:
    spanish = localize(tiny, "es").step("word")
    english = tiny.step("word")
    assert spanish.check.answers() == ("dog", "perro")  # the lesson's answers stay right
    assert english.check.answers() == ("dog",)
    assert not lk.checks.grade(english, "perro", attempt=1, hints_used=0, seed=None).correct


def test_variants_render_in_the_translation(tiny: lk.Lesson) -> None:
    from lessonkit.lesson.variants import draw, render

    item = localize(tiny, "es").step("pool").items[0]
    shown = render(item, draw(item, 7))
    assert shown.prompt.startswith("¿Cuánto es ") and "{{" not in shown.prompt


def test_no_translation_no_language_and_the_lesson_s_own_language(tiny: lk.Lesson) -> None:
    assert localize(tiny, None) is tiny
    assert localize(tiny, "en") is tiny
    assert localize(tiny, "de") is tiny  # no German: the source text
    assert pick_translation(tiny, "es-MX") is tiny.translations["es"]
    assert pick_translation(tiny, "ES") is tiny.translations["es"]
    assert pick_translation(tiny, "pt") is None


def test_translations_change_neither_the_file_nor_the_content_hash(tiny: lk.Lesson) -> None:
    source = (CORPUS / "ok.lesson.yaml").read_text()
    bare = loads_lesson(source)
    assert not bare.translations and tiny.translations
    assert content_hash(bare) == content_hash(tiny)
    assert dumps_lesson(tiny) == dumps_lesson(bare)
    assert tiny == bare  # translations are not part of the lesson's value
    session = lk.LessonSession(tiny, learner="ana", language="es")
    session.start()
    assert session.events[0].content_hash == content_hash(bare)


def test_stale_translations_are_shown_and_missing_ones_fall_back() -> None:
    stale = lk.load_lesson(CORPUS / "stale.lesson.yaml")
    assert localize(stale, "es").step("intro").body == "Vamos a contar."
    missing = lk.load_lesson(CORPUS / "missing.lesson.yaml")
    shown = localize(missing, "es")
    assert shown.step("done").body == "Well done."
    assert shown.step("q").hints == ("Cuéntalas.", "More than two.")
    assert shown.step("word").prompt == "Name the animal that barks."  # empty: not translated


def test_the_lesson_language_key() -> None:
    text = (CORPUS / "ok.lesson.yaml").read_text().replace("id: tiny\n", "id: tiny\nlanguage: de\n")
    german = loads_lesson(text)
    assert german.language == "de"
    assert dumps_lesson(german).count("language: de") == 1
    with pytest.raises(LessonDefinitionError, match="language"):
        loads_lesson(text.replace("language: de", "language: Deutsch!"))
    # a German lesson reads a German learner's numbers without being told
    session = lk.LessonSession(german, learner="jo")
    session.start()
    session.advance()
    session.choose("good")
    assert session.submit("4,0").result.correct


def test_prose_and_what_needs_no_translation() -> None:
    assert has_prose("`range(3)` starts at 0.")
    assert not has_prose("`0 1 2`")
    assert not has_prose("$x^2 + 1$")
    assert not has_prose("```python\nfor i in x:\n    pass\n```\n")
    assert has_prose("def f():\n    # your loop here\n    ...\n", code=True)
    assert not has_prose("def count_vowels(text):\n    ...\n", code=True)


# ------------------------------------------------------------------ lessonkit translate


def test_translate_init_then_update(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lesson = tmp_path / "tiny.lesson.yaml"
    shutil.copy(CORPUS / "ok.lesson.yaml", lesson)
    assert main(["translate", "init", str(lesson), "--lang", "fr"]) == 0
    sidecar = tmp_path / "tiny.fr.yaml"
    out = capsys.readouterr().out
    assert f"{sidecar}: 14 texts (14 new," in out and "13 to translate" in out
    assert main(["translate", "init", str(lesson), "--lang", "fr"]) == 1
    assert "exists" in capsys.readouterr().err
    warnings: list[lk.Problem] = []
    assert check_file(lesson, warnings=warnings) == []
    assert len(warnings) == 13 and all(w.source == str(sidecar) for w in warnings)
    # the translator fills one text in; the author changes it and another, removes a hint
    text = sidecar.read_text().replace(
        '  text: ""\nsteps:', "  text: Une toute petite leçon\nsteps:", 1
    )
    sidecar.write_text(text)
    assert localize(lk.load_lesson(lesson), "fr").title == "Une toute petite leçon"
    source = lesson.read_text()
    source = source.replace("title: A tiny lesson", "title: A very tiny lesson")
    source = source.replace("      - More than two.\n", "")
    source = source.replace("body: Let us count.", "body: Let us count cats.")
    lesson.write_text(source)
    assert main(["translate", "update", str(lesson), "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert "13 texts (0 new, 1 marked stale, 1 dropped); 11 to translate, 1 to review" in out
    updated = sidecar.read_text()
    assert "  stale: true\n  text: Une toute petite leçon" in updated
    assert "# A very tiny lesson" in updated and "More than two" not in updated
    before = updated
    assert main(["translate", "update", str(lesson), "--lang", "fr"]) == 0
    assert sidecar.read_text() == before  # nothing more to do


def test_translate_refuses_what_it_cannot_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lesson = tmp_path / "tiny.lesson.yaml"
    shutil.copy(CORPUS / "ok.lesson.yaml", lesson)
    assert main(["translate", "update", str(lesson), "--lang", "fr"]) == 1
    assert main(["translate", "init", str(lesson), "--lang", "en"]) == 2
    assert main(["translate", "init", str(lesson), "--lang", "not a tag"]) == 2
    assert main(["translate", "init", str(tmp_path / "x.yaml"), "--lang", "fr"]) == 2
    err = capsys.readouterr().err
    assert err.count("lessonkit: error:") == 4 and "Traceback" not in err


def test_a_skeleton_of_the_loops_lesson_reads_back_with_every_unit() -> None:
    from lessonkit.lesson.sidecar import check_translation
    from lessonkit.lesson.sidecar_write import translation_text
    from lessonkit.lesson.source import Located

    loops = lk.load_lesson(Path(__file__).parents[2] / "lessons" / "loops" / "loops.lesson.yaml")
    spanish = loops.translations["es"]
    written = translation_text(loops, "es", spanish)
    assert (written.new, written.marked_stale, written.to_translate) == (0, 0, 0)
    path = Path(spanish.path)
    assert (
        written.text.split("lessonkit-translation")[1]
        == path.read_text().split("lessonkit-translation")[1]
    )
    again = check_translation(path, loops, Located(), "loops.lesson.yaml")
    assert again.errors == [] and again.warnings == []
    assert set(again.translation.entries) == {u.key for u in units(loops)}


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60))
def test_every_text_is_written_so_that_it_reads_back(text: str) -> None:
    import yaml

    assert yaml.safe_load(f"k: {_scalar(text, 2)}\n") == {"k": text}


def test_a_language_that_is_no_tag_is_refused(tiny: lk.Lesson) -> None:
    for bad in ("", "español", "es_ES!", "x" * 500):
        with pytest.raises(ValueError, match="not a language tag"):
            lk.LessonSession(tiny, learner="ana", language=bad)


def test_the_started_event_says_which_language_was_asked_for(tiny: lk.Lesson) -> None:
    session = lk.LessonSession(tiny, learner="jo", language="de-AT")
    session.start()
    started = session.events[0]
    assert started.data["language"] == "de-AT" and started.language == "en"  # none in German
    plain = lk.LessonSession(tiny, learner="jo")
    plain.start()
    assert "language" not in plain.events[0].data and plain.events[0].language is None


def test_what_is_no_translation_file_is_passed_over(tmp_path: Path) -> None:
    import os

    shutil.copy(CORPUS / "ok.lesson.yaml", tmp_path / "tiny.lesson.yaml")
    os.mkfifo(tmp_path / "tiny.de.yaml")  # reading it would wait for ever
    (tmp_path / "tiny.fr.yaml").mkdir()
    (tmp_path / "tiny.lesson.es.yaml").write_text("not: a translation\n")
    (tmp_path / "tiny.x.y.yaml").write_text("not: a translation\n")
    assert lk.load_lesson(tmp_path / "tiny.lesson.yaml").translations == {}


def test_a_huge_translation_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    from lessonkit.lesson.source import MAX_BYTES

    shutil.copy(CORPUS / "ok.lesson.yaml", tmp_path / "tiny.lesson.yaml")
    (tmp_path / "tiny.es.yaml").write_bytes(b"# " + b"x" * MAX_BYTES + b"\n")
    problems = check_file(tmp_path / "tiny.lesson.yaml")
    assert [p.message for p in problems] == ["file is too large (5.0 MB; the limit is 5 MB)"]
    assert problems[0].source == str(tmp_path / "tiny.es.yaml")


def test_a_translation_file_given_as_a_lesson_names_its_lesson(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", str(CORPUS / "ok.es.yaml")]) == 1
    out = capsys.readouterr().out
    assert "ok.es.yaml:5:1: this is a translation file" in out
    assert f"`lessonkit validate {CORPUS / 'ok.lesson.yaml'}`" in out


_KEYS = st.sampled_from(
    [
        "title",
        "steps",
        "intro",
        "q",
        "word",
        "mood",
        "hints",
        "body",
        "prompt",
        "check",
        "answer",
        "regex",
        "options",
        "good",
        "feedback",
        "wrong",
        "2",
        "text",
        "source",
        "stale",
    ]
)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(body=st.dictionaries(_KEYS, _VALUES, max_size=4))
def test_any_translation_file_gives_problems_never_an_exception(
    body: dict, tmp_path_factory
) -> None:
    import yaml

    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copy(CORPUS / "ok.lesson.yaml", folder / "tiny.lesson.yaml")
    data = {"lessonkit-translation": 1, "lesson": "tiny", "language": "es", **body}
    (folder / "tiny.es.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    warnings: list[lk.Problem] = []
    problems = check_file(folder / "tiny.lesson.yaml", warnings=warnings)
    assert all(p.line >= 1 and p.column >= 1 for p in [*problems, *warnings])
    if not problems:
        localize(lk.load_lesson(folder / "tiny.lesson.yaml"), "es")  # what loads, shows
