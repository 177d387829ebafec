"""Which language a learner sees: tags, negotiation, the order of the sources, and what a
kernel reads from its environment (Voilà's query and header, JupyterLab's setting)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessonkit.i18n import negotiate, normalize, parse_accept_language, translator
from lessonkit.i18n.choice import (
    LanguageChoice,
    choose_language,
    environment_preferences,
    jupyterlab_language,
)

SETTINGS = Path("@jupyterlab", "translation-extension", "plugin.jupyterlab-settings")
JUPYTERLAB_FILE = """{
    // Language
    // @jupyterlab/translation-extension:plugin
    // Language settings.
    // ****************************************

    // Locale
    // Set the interface display locale. Examples: "es_CO", "fr".
    "locale": "%s"
}
"""


def lab_settings(folder: Path, locale: str) -> Path:
    """JupyterLab's display-language setting, as JupyterLab writes it (with comments)."""
    path = folder / SETTINGS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(JUPYTERLAB_FILE % locale, encoding="utf-8")
    return folder


def test_tags_are_read_strictly() -> None:
    assert normalize("es_ES") == "es-ES" and normalize("ZH-hant-tw") == "zh-Hant-TW"
    assert normalize("de_DE.UTF-8@euro") == "de-DE"
    for bad in ("", "e", "<script>", "es;q=1", "x" * 40, None, 3, "es ES", "../../etc"):
        assert normalize(bad) is None


def test_negotiation_takes_the_closest_language_on_offer() -> None:
    offered = ("ar", "de", "en", "es")
    assert negotiate(["es-MX"], offered) == "es"
    assert negotiate(["fr", "de-AT", "es"], offered) == "de"
    assert negotiate(["pt-BR", "fr"], offered) is None
    assert negotiate(["es"], ("es-ES", "en")) == "es-ES"
    assert translator("es-419").language == "es" and translator("fr").language == "en"
    assert translator(None).language == "en"


def test_accept_language_is_ranked_by_quality() -> None:
    header = "fr-CH, fr;q=0.9, de;q=0.95, en;q=0.8, *;q=0.5, es;q=0"
    assert parse_accept_language(header) == ["fr-CH", "de", "fr", "en"]
    assert parse_accept_language("de;q=abc, ar") == ["ar"]
    assert parse_accept_language("") == [] and parse_accept_language(None) == []


@given(st.text(max_size=3_000))
def test_any_header_or_tag_is_safe(text: str) -> None:
    tags = parse_accept_language(text)
    assert len(tags) <= 20 and all(normalize(t) == t for t in tags)
    assert negotiate([text, *tags], ("ar", "de", "en", "es")) in (None, "ar", "de", "en", "es")


def test_the_sources_in_order() -> None:
    everything = {
        "explicit": "de",
        "profile": "ar",
        "query": "es",
        "server": "de",
        "jupyterlab": "es_ES",
        "browser": ["ar"],
        "lesson": "en",
    }
    order = ["explicit", "profile", "query", "server", "jupyterlab", "browser", "lesson"]
    for source in order:
        expect = everything[source]
        assert choose_language(**everything) == LanguageChoice(  # type: ignore[arg-type]
            negotiate([expect] if isinstance(expect, str) else expect, ("ar", "de", "en", "es"))
            or "",
            source,
        )
        everything.pop(source)
    assert choose_language() == LanguageChoice("en", "default")


def test_a_language_lessonkit_lacks_falls_through_to_the_next_source() -> None:
    chosen = choose_language(profile="fr", query="xx", browser=["pt-BR", "de-CH"], lesson="en")
    assert chosen == LanguageChoice("de", "browser")


def test_voila_hands_the_kernel_the_query_and_the_browser_languages(tmp_path: Path) -> None:
    env = {
        "VOILA_KERNEL_ID": "k",
        "SCRIPT_NAME": "/",
        "QUERY_STRING": "theme=dark&lang=ar",
        "HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9,en;q=0.8",
        "LESSONKIT_LANGUAGE": "es",
        "JUPYTERLAB_SETTINGS_DIR": str(lab_settings(tmp_path, "es_ES")),
    }
    prefs = environment_preferences(env)
    assert prefs == {
        "query": "ar",
        "server": "es",
        # a public `lessonkit serve` page: the server's own setting is not the learner's
        "jupyterlab": None,
        "browser": ["de-DE", "de", "en"],
    }
    under_lab = {**env, "SCRIPT_NAME": "/user/ada/voila/render/loops.ipynb"}
    assert environment_preferences(under_lab)["jupyterlab"] == "es_ES"


def test_jupyterlab_language_is_read_from_its_settings_file(tmp_path: Path) -> None:
    env = {"JUPYTERLAB_SETTINGS_DIR": str(lab_settings(tmp_path, "de_DE"))}
    assert jupyterlab_language(env) == "de_DE"
    assert environment_preferences(env)["jupyterlab"] == "de_DE"  # JupyterLab itself
    assert choose_language(**environment_preferences(env)).language == "de"
    config = tmp_path / "config"
    lab_settings(config / "lab" / "user-settings", "ar_SA")
    assert jupyterlab_language({"JUPYTER_CONFIG_DIR": str(config)}) == "ar_SA"
    assert jupyterlab_language({"JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "none")}) is None


@pytest.mark.parametrize(
    "content",
    [
        "{ not json",
        json.dumps(["locale", "es"]),
        json.dumps({"locale": 7}),
        json.dumps({"locale": "default"}),
        "{" + " " * 70_000 + '"locale": "es_ES"}',
    ],
)
def test_an_odd_settings_file_is_ignored(tmp_path: Path, content: str) -> None:
    path = tmp_path / SETTINGS
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    assert jupyterlab_language({"JUPYTERLAB_SETTINGS_DIR": str(tmp_path)}) is None
