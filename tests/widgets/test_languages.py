"""The player, the learning plan and the class view in Spanish, German and Arabic (without a
browser: the widget state the page draws); choosing the language, and the learner's own choice
kept in their profile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import lessonkit as lk
from lessonkit.evidence.stores import open_store
from lessonkit.widgets import LessonPlayer
from lessonkit.widgets.language import PAGE_MESSAGES

from .conftest import answer, feedback, send, step_id, text


def _to_question(p: LessonPlayer) -> None:
    send(p, "next")
    send(p, "choose", value="new")  # "I have never written one", in the lesson's translation
    send(p, "next")
    assert step_id(p) == "q-range"


def test_the_player_in_spanish(loops: lk.Lesson, make_player: Any) -> None:
    p = make_player(loops, language="es")
    assert p.i18n["lang"] == "es" and p.i18n["dir"] == "ltr"
    assert p.i18n["messages"]["Check"] == "Comprobar" and set(p.i18n["messages"]) <= set(
        PAGE_MESSAGES
    )
    assert p.view["buttons"]["next"]["label"] == "Continuar"
    assert "Paso 1 de unos" in text(p.view["header"])
    assert "Aún no hay respuestas" in text(p.view["mastery"])
    _to_question(p)
    assert p.view["input"]["placeholder"] == "Escribe un número"
    assert p.view["buttons"]["hint"] == "Pista 1 de 2"
    said = answer(p, "7")
    assert said.startswith("No del todo. Tu respuesta: 7")
    assert p.view["status"] == "Quedan 2 intentos"
    assert answer(p, "cuatro").startswith("No he podido leer esa respuesta. Tu respuesta: cuatro")
    said = answer(p, "4")
    assert said.startswith("¡Correcto!") and "Sin cambios: solo cuentan los primeros" in text(
        p.view["mastery"]
    )


def test_the_player_in_arabic_reads_right_to_left(loops: lk.Lesson, make_player: Any) -> None:
    p = make_player(loops, language="ar")
    assert (p.i18n["lang"], p.i18n["dir"]) == ("ar", "rtl")
    assert p.view["buttons"]["next"]["label"] == "متابعة"
    _to_question(p)
    answer(p, "7")
    assert p.view["status"] == "بقيت محاولتان"  # two: the dual form
    answer(p, "8")
    assert p.view["status"] == "بقيت محاولة واحدة"
    assert feedback(p).startswith("ليس تمامًا.")


def test_a_german_reload_restores_the_feedback_in_german(loops: lk.Lesson) -> None:
    with open_store("memory://") as store:
        session = lk.LessonSession(loops, learner="ada", store=store, language="de")
        first = LessonPlayer(session, language="de")
        _to_question(first)
        answer(first, "7")
        shown = first.view["feedback"]
        events = list(session.events)
        again = LessonPlayer(lk.LessonSession.resume(loops, events, store=store), language="de")
        assert again.view["feedback"] == shown
        assert shown["title"] == "Nicht ganz." and "Deine Antwort: " in shown["html"]


def test_the_learner_picks_a_language_and_keeps_it(loops: lk.Lesson) -> None:
    with open_store("memory://") as store:
        p = LessonPlayer(lk.LessonSession(loops, learner="ada", store=store))
        assert p.i18n["lang"] == "en" and p.view["buttons"]["next"]["label"] == "Continue"
        names = {item["tag"]: item["name"] for item in p.i18n["languages"]}
        assert names == {"ar": "العربية", "de": "Deutsch", "en": "English", "es": "Español"}
        send(p, "language", value="<img src=x>")  # the page can send anything
        send(p, "language", value="fr")
        assert p.i18n["lang"] == "en"
        send(p, "language", value="de")
        assert p.i18n["lang"] == "de" and p.session.language == "de"
        assert p.view["buttons"]["next"]["label"] == "Weiter" and p.view["focus"] == "language"
        chose = [e for e in p.session.events if e.kind == "chose"]
        assert [(e.step_id, e.data["field"], e.data["value"]) for e in chose] == [
            (None, "language", "de")
        ]
        # The next view of this learner (a reload, another kernel) follows their choice.
        events = lk.evidence.stores.load_session_events(store, p.session.learner, loops.id)
        later = LessonPlayer(lk.LessonSession.resume(loops, events, store=store))
        assert later.i18n["lang"] == "de" and later.language_source == "profile"
        # Restarting keeps it too.
        p.new_session = None
        p._new_session = lambda: lk.LessonSession(loops, learner="ada", store=store)
        send(p, "next")
        send(p, "restart", confirmed=True)
        assert p.session.profile["language"] == "de" and p.i18n["lang"] == "de"


def test_the_page_and_the_browser_choose_when_the_learner_has_not(
    loops: lk.Lesson, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOILA_KERNEL_ID", "k")
    monkeypatch.setenv("HTTP_ACCEPT_LANGUAGE", "ar-EG,ar;q=0.9")
    assert LessonPlayer(lk.LessonSession(loops, learner="a")).language_source == "browser"
    monkeypatch.setenv("LESSONKIT_LANGUAGE", "de")  # lessonkit serve --lang de
    assert LessonPlayer(lk.LessonSession(loops, learner="b")).i18n["lang"] == "de"
    monkeypatch.setenv("QUERY_STRING", "lang=es")  # ?lang=es
    player = LessonPlayer(lk.LessonSession(loops, learner="c"))
    assert (player.i18n["lang"], player.language_source) == ("es", "query")
    profile = lk.LessonSession(loops, learner="d", profile={"language": "ar"})
    assert LessonPlayer(profile).language_source == "profile"
    assert LessonPlayer(lk.LessonSession(loops, learner="e"), language="de").i18n["lang"] == "de"


def test_jupyterlab_display_language_is_followed(
    loops: lk.Lesson, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = tmp_path / "@jupyterlab" / "translation-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(
        '{\n  // Locale\n  "locale": "es_ES"\n}\n', encoding="utf-8"
    )
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(tmp_path))
    player = LessonPlayer(lk.LessonSession(loops, learner="ada"))
    assert (player.i18n["lang"], player.language_source) == ("es", "jupyterlab")


def test_lessonkit_show_takes_a_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LESSONKIT_HOME", str(tmp_path / "home"))
    path = Path(__file__).resolve().parents[2] / "lessons" / "loops" / "loops.lesson.yaml"
    player = lk.show(path, learner="ada", store=False, language="ar")
    assert player.i18n["dir"] == "rtl" and player.session.language == "ar"


def test_the_plan_speaks_the_learners_language() -> None:
    from lessonkit.course import load_course
    from lessonkit.widgets.plan import LearningPlan

    course = load_course(
        Path(__file__).resolve().parents[2] / "lessons/python-basics/python-basics.course.yaml"
    )
    with open_store("memory://") as store:
        from datetime import UTC, datetime

        day = datetime(2027, 2, 8, 12, tzinfo=UTC)
        plan = LearningPlan(course, store=store, learner="ada", clock=lambda: day, language="es")
        assert "tu plan de aprendizaje" in text(plan.header.value)
        assert "8 feb 2027" in text(plan.header.value)
        assert plan.set_goal_button.description == "Fijar objetivo"
        assert "No se necesita nada antes de lists. Sirve para el hito «Lists and loops»" in text(
            plan.next.value
        )
        arabic = LearningPlan(course, store=store, learner="ada", clock=lambda: day, language="ar")
        assert "lk-rtl" in arabic._dom_classes and "dir='rtl'" in arabic.lessons.value


def test_one_language_the_page_the_lesson_and_the_numbers(
    loops: lk.Lesson, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The player's choice is the session's: the lesson's translation, lessonkit's words and
    the reading of numbers all follow it, and so does a change in the language menu."""
    monkeypatch.setenv("QUERY_STRING", "lang=es")
    p = LessonPlayer(lk.LessonSession(loops, learner="ana"))
    assert (
        p.session.language == "es"
        and p.session.lesson.title == "Bucles en Python para principiantes"
    )
    assert p.view["buttons"]["next"]["label"] == "Continuar"
    started = next(e for e in p.session.events if e.kind == "started")
    assert started.data["language"] == "es"  # recorded as shown, before it started
    _to_question(p)
    assert answer(p, "4,0").startswith("¡Correcto!")  # a decimal comma, read the Spanish way
    send(p, "language", value="de")
    assert p.session.language == "de" and p.session.lesson.title == loops.title  # no German file
    assert p.view["buttons"]["next"]["label"] == "Weiter"


def test_a_language_the_lesson_has_but_lessonkit_does_not(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A French translation of a lesson is shown in French; lessonkit's own words, for which
    there is no French catalog, stay English."""
    data = Path(__file__).resolve().parents[1] / "data" / "translations"
    (tmp_path / "ok.lesson.yaml").write_bytes((data / "ok.lesson.yaml").read_bytes())
    french = (
        (data / "ok.es.yaml").read_text(encoding="utf-8").replace("language: es", "language: fr")
    )
    (tmp_path / "ok.fr.yaml").write_text(french, encoding="utf-8")
    monkeypatch.setenv("QUERY_STRING", "lang=fr")
    p = LessonPlayer(lk.LessonSession(lk.load_lesson(tmp_path / "ok.lesson.yaml"), learner="luc"))
    assert p.session.language == "fr"
    assert "Una lección diminuta" in text(p.view["header"])  # the "French" file's text
    assert p.i18n["lang"] == "en" and p.view["buttons"]["next"]["label"] == "Continue"
