"""The loops lesson in Spanish, German and Arabic, played to its end in a real Voilà server and
in a real JupyterLab with its language packs, through Debian chromium: at every stage axe-core
(WCAG 2.1 AA) finds nothing, the player carries the right ``lang`` and ``dir``, and no English
word lessonkit itself writes is on the page (see :mod:`.languages`). Arabic is also checked on
a 390 px phone and reads right to left, bars included.

How each page gets its language is the point too: Spanish from the browser's
``Accept-Language``, German as the first language of the browser's list lessonkit speaks,
Arabic from ``?lang=ar`` (over the browser's Spanish), and in JupyterLab from JupyterLab's own
display-language setting. One Voilà server serves the three. The learner's own choice (the
language picker) wins over all of them and is kept across a reload.

``LESSONKIT_SCREENSHOTS=1`` writes the screenshots of docs/languages.md
(``docs/images/<lang>-feedback-wrong-*.png``, ``docs/images/<lang>-summary-*.png``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .examples import TOTAL, VOWELS
from .harness import (
    LOOPS,
    READY,
    LabServer,
    VoilaServer,
    axe_violations,
    run_in_lab,
    write_notebook,
)
from .languages import Reader
from .play import VIEWS, assert_clean, loops_practice, practise

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

PHONE = [VIEWS[0], VIEWS[3]]  # light, desktop and 390 px
LAB_MENU = {"es": "Ayuda", "de": "Hilfe", "ar": "مساعده"}
"""JupyterLab's Help menu in each language pack: JupyterLab itself speaks the language (the
Arabic pack is small, but it has this one)."""


def _env(tmp: pytest.TempPathFactory) -> dict[str, str]:
    return {
        "LESSONKIT_STORE": tmp.mktemp("store").as_uri(),
        "LESSONKIT_HOME": str(tmp.mktemp("home")),
        "LESSONKIT_LEARNER": "",
        "JUPYTERHUB_USER": "",
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoilaServer]:
    """``lessonkit serve`` without ``--lang`` (one for the module): the browser or the address
    decides (``--lang`` only sets ``LESSONKIT_LANGUAGE``, tested without a browser)."""
    log = tmp_path_factory.mktemp("logs") / "voila.log"
    with VoilaServer(LOOPS, env=_env(tmp_path_factory), log=log) as running:
        yield running


def _page(browser: Any, url: str, locale: str = "en-US", accept: str | None = None) -> Any:
    # A whole Accept-Language list goes as a header (with ``locale`` too, chromium would send
    # the locale alone on the page's request).
    given: dict[str, Any] = {"extra_http_headers": {"Accept-Language": accept}} if accept else {}
    context = browser.new_context(
        viewport={"width": 1100, "height": 900}, **(given or {"locale": locale})
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.wait_for_selector(READY, timeout=90_000)
    return page


RIGHT = {"es": "4,0", "de": "4,0", "ar": "\u0664"}
"""The right answer to "Counting iterations" (4) as a learner of each language may type it:
with a decimal comma in Spanish and German, in Arabic-Indic digits in Arabic."""
WRONG = {"es": "5", "de": "5,0", "ar": "\u0665"}
"""A wrong answer the lesson has targeted feedback for (5), written the same ways."""


def play_loops(me: Reader) -> None:
    """The loops lesson from its welcome to its summary, first-try branch, in ``me``'s
    language (the lesson's own words are its translation where it has one: Spanish)."""
    _, t, page, step = me._, me.t, me.page, me.lesson.step
    me.stage("welcome")
    me.go(_("Continue"), step("confidence").title, "choice")
    me.go(step("confidence").options[0].label, step("for-intro").title)  # type: ignore[attr-defined]
    me.go(_("Continue"), step("q-range").title, "question")
    question: Any = step("q-range")
    me.click(_("Hint {n} of {total}").format(n=t.number(1), total=t.number(2)))
    page.locator(".lk-hints", has_text=question.hints[0].split("`")[0].strip()).wait_for()
    me.stage("question: hint shown")
    said = me.type(WRONG[me.lang], _("Not quite."), "question: wrong answer")
    assert _("You answered: {answer}").format(answer=WRONG[me.lang]) in said
    close = question.feedback.wrong[0].message.split("`")[0].strip()  # "Close!", translated
    assert close in said, f"the targeted feedback for 5 is missing: {said!r}"
    left = t.ngettext("{n} attempt left", "{n} attempts left", 2).format(n=t.number(2))
    assert left in page.locator(".lk-sec-status").inner_text()
    me.shoot("feedback-wrong")
    said = me.type(RIGHT[me.lang], _("Correct!"), "question: right answer")
    assert _("You answered: {answer}").format(answer=RIGHT[me.lang]) in said
    me.go(_("Continue"), step("accumulate-intro").title)
    me.go(_("Continue"), step("ex-sum").title, "code exercise")
    said = me.type(TOTAL, _("Correct!"), "code exercise: right")
    passed = t.ngettext("{passed} of {n} test passed.", "{passed} of {n} tests passed.", 3)
    assert passed.format(passed=t.number(3), n=t.number(3)) in said
    me.go(_("Continue"), step("challenge").title)
    page.get_by_text(_("Chosen for you from your answers so far.")).wait_for()
    me.type(VOWELS, _("Correct!"))
    me.go(_("Continue"), step("while-intro").title)
    me.go(_("Continue"), step("q-break").title)
    me.type("break", _("Correct!"))
    me.click(_("Continue"))
    practice = _("Practice question {n} (at most {most})").split("{n}")[0]
    page.locator(".lk-status", has_text=f"{practice}{t.number(1)}").wait_for()
    me.stage("practice")
    practise(me, loops_practice, correct=_("Correct!"), next_label=_("Continue"))
    me.stage("summary")
    me.shoot("summary")
    assert _("Your results") in page.locator(".lk-summary").inner_text()


def _page_language(page: Any) -> tuple[str, str]:
    found = page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]")
    return (found[0], found[1])


def test_spanish_from_the_browser_then_the_learners_own_choice(
    browser: Any, server: VoilaServer
) -> None:
    page = _page(browser, server.url, locale="es-ES")  # Accept-Language: es-ES
    assert _page_language(page) == ("es", "ltr")
    assert page.locator(".lk-sec-title").get_attribute("lang") is None  # the lesson is Spanish
    me = Reader(page, "es")
    play_loops(me)
    # The learner picks German: the page follows at once, and so does a reload.
    page.get_by_label(me._("Language")).select_option("de")
    page.locator(".lk-player[lang='de'] .lk-summary", has_text="Deine Ergebnisse").wait_for()
    page.reload()
    page.locator(".lk-player[lang='de'] .lk-summary", has_text="Deine Ergebnisse").wait_for()
    page.context.close()
    assert_clean(me)


def test_german_the_first_language_of_the_browsers_list_lessonkit_speaks(
    browser: Any, server: VoilaServer
) -> None:
    # French first: lessonkit has no catalog for it, so German, the next one, is shown.
    page = _page(browser, server.url, accept="fr-CH, fr;q=0.9, de;q=0.8, *;q=0.5")
    assert _page_language(page) == ("de", "ltr")
    me = Reader(page, "de")
    play_loops(me)
    page.context.close()
    assert_clean(me)


def test_arabic_from_the_address_reads_right_to_left(browser: Any, server: VoilaServer) -> None:
    page = _page(browser, server.url + "?lang=ar", locale="es-ES")  # ?lang= wins
    assert _page_language(page) == ("ar", "rtl")
    me = Reader(page, "ar", views=PHONE)
    me.stage("welcome")
    # Right to left: the step track starts on the right, the title is right-aligned.
    # The lesson's own words are English (no Arabic translation): they read left to right.
    for part in (".lk-sec-title", ".lk-sec-body", ".lk-lesson-title"):
        where = page.locator(part).first
        assert (where.get_attribute("lang"), where.get_attribute("dir")) == ("en", "ltr"), part
    track = page.locator(".lk-track span").all()
    assert track[0].bounding_box()["x"] > track[-1].bounding_box()["x"]  # type: ignore[index]
    play_loops(me)
    # Mastery bars fill from the right.
    bar = page.locator(".lk-summary .lk-bar").first
    fill = bar.locator("span").bounding_box()
    box = bar.bounding_box()
    assert fill and box and abs((fill["x"] + fill["width"]) - (box["x"] + box["width"])) < 1.5
    # Code stays left to right inside the right-to-left page.
    assert (
        page.evaluate("() => getComputedStyle(document.querySelector('.lk-player code')).direction")
        == "ltr"
    )
    page.context.close()
    assert_clean(me)


SOLUTIONS = (
    "def total(numbers):\n    result = 0\n    for n in numbers:\n        result += n\n"
    "    return result\n\n\ndef count_vowels(text):\n"
    "    return sum(ch in 'aeiou' for ch in text.lower())\n"
)


def _lab_locale(settings: Path, locale: str) -> None:
    """JupyterLab's display language, set as its settings editor sets it."""
    path = settings / "@jupyterlab" / "translation-extension" / "plugin.jupyterlab-settings"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = '{\n    // Locale\n    "locale": "LOCALE"\n}\n'.replace("LOCALE", locale)
    path.write_text(text, encoding="utf-8")


def test_the_loops_lesson_in_jupyterlab_in_each_language(browser: Any, tmp_path: Path) -> None:
    """One JupyterLab (with the es-ES, de-DE and ar-SA language packs); for each language its
    display language is set and the lesson opens in a fresh notebook, in that language. In
    Arabic (right to left, the language most likely to break) it is played up to its
    notebook-only part (code checked in the notebook's kernel); Spanish and German are checked
    on the first step only — Voilà plays all three to the end, and the catalog tests find an
    untranslated message of the notebook-only part."""
    settings = tmp_path / ".lab-settings"
    env = {
        "LESSONKIT_STORE": (tmp_path / "store").as_uri(),
        "LESSONKIT_HOME": str(tmp_path / "home"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),  # where the kernel reads the setting too
    }
    for source in LOOPS.parent.glob("loops.*.yaml"):  # the lesson and its translations
        shutil.copy(source, tmp_path / source.name)
    problems: list[str] = []
    with LabServer(tmp_path, env=env, log=tmp_path / "lab.log") as server:
        for lang, locale in (("es", "es_ES"), ("de", "de_DE"), ("ar", "ar_SA")):
            _lab_locale(settings, locale)
            notebook = f"loops-{lang}.ipynb"
            launcher = f'import lessonkit\nlessonkit.show("loops.lesson.yaml", learner="{lang}")'
            # One cell: a second Shift+Enter is sometimes lost on a busy machine.
            write_notebook(tmp_path / notebook, [f"{SOLUTIONS}\n\n{launcher}"])
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            page = context.new_page()
            page.set_default_timeout(60_000)
            try:
                run_in_lab(page, server.lab_url(notebook), cells=1)
            except Exception:
                page.screenshot(path=f"/tmp/lab-fail-{lang}.png")
                raise
            menu = page.locator(".lm-MenuBar-itemLabel", has_text=LAB_MENU[lang])
            assert menu.count() >= 1, f"JupyterLab is not in {lang}"
            # Every stage is checked for English and lang/dir; axe (each stage in Voilà) runs
            # once, on the notebook-only stage: the page around the player is JupyterLab's.
            me = Reader(page, lang, scope=".lk-player", views=[])
            try:
                if lang == "ar":
                    _play_in_lab(me)
                else:
                    me.stage("welcome")
            except Exception:
                page.screenshot(path=str(tmp_path / f"lab-fail-{lang}.png"))
                shutil.copy(tmp_path / f"lab-fail-{lang}.png", f"/tmp/lab-fail-{lang}.png")
                raise
            problems += me.problems
            context.close()
    assert problems == [], "\n".join(problems[:40])


def _play_in_lab(me: Reader) -> None:
    """The loops lesson in a notebook: code exercises are checked in the notebook's kernel."""
    _, t, page, step = me._, me.t, me.page, me.lesson.step
    me.stage("welcome")
    me.go(_("Continue"), step("confidence").title)
    me.go(step("confidence").options[0].label, step("for-intro").title)  # type: ignore[attr-defined]
    me.go(_("Continue"), step("q-range").title)
    me.type(WRONG[me.lang], _("Not quite."), "wrong answer")
    me.type(RIGHT[me.lang], _("Correct!"), "right answer")
    me.go(_("Continue"), step("accumulate-intro").title)
    me.go(_("Continue"), step("ex-sum").title, "code exercise in the notebook")
    note = _("<p>Write <code>{name}</code> in a code cell of this notebook and run it, then "
             "press <strong>Check</strong>.</p>")  # fmt: skip
    assert note.split("<code>")[0][3:] in page.locator(".lk-answer").inner_text()
    me.click(_("Check"))
    said = me.feedback(_("Correct!"), "code exercise: right")
    me.problems += [f"code exercise: {v}" for v in axe_violations(page, me.scope)]
    passed = t.ngettext("{passed} of {n} test passed.", "{passed} of {n} tests passed.", 3)
    assert passed.format(passed=t.number(3), n=t.number(3)) in said
    # The rest of the lesson is the same player as in Voilà (played there to its end).
