"""The message catalogs: up to date with the sources, complete in every shipped language,
compiled, with placeholders and plural forms that work (``./dev.sh i18n check`` runs this).

A string added to the code and marked for translation fails here until it is extracted and
translated; one that reaches the page unmarked fails ``test_i18n_strings.py``.
"""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path
from typing import Any

import pytest
from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from lessonkit.i18n import LOCALE_DIR, available, direction, translator
from lessonkit.i18n.catalog import _english_number

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("ar", "de", "es")
HOW = (
    "run `./dev.sh i18n update`, translate the empty or fuzzy messages in "
    "lessonkit/i18n/locale/<lang>/LC_MESSAGES/lessonkit.po (es, de, ar), then "
    "`./dev.sh i18n compile` (docs/languages.md, 'Adding or changing a message')"
)
CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")


def _key(message: Any) -> tuple[str | None, str, str | None]:
    msgid = message.id
    if isinstance(msgid, tuple):
        return (message.context, msgid[0], msgid[1])
    return (message.context, msgid, None)


def _catalog(path: Path) -> Any:
    with path.open("rb") as handle:
        return read_po(handle)


def _po(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "lessonkit.po"


def _extract(tmp_path: Path) -> Any:
    """The messages in the sources now, extracted as ``./dev.sh i18n update`` extracts them."""
    from babel.messages.frontend import CommandLineInterface

    out = tmp_path / "fresh.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(ROOT / "pyproject.toml"),
            "--ignore-dirs=.* ._ node_modules site build tests docs",
            "-o",
            str(out),
            str(ROOT),
        ]
    )
    return _catalog(out)


def test_the_shipped_languages_are_available() -> None:
    assert available() == ("ar", "de", "en", "es")


def test_catalogs_are_up_to_date_with_the_sources(tmp_path: Path) -> None:
    fresh = {_key(m) for m in _extract(tmp_path) if m.id}
    template = {_key(m) for m in _catalog(LOCALE_DIR / "lessonkit.pot") if m.id}
    new = sorted(fresh - template, key=str)
    gone = sorted(template - fresh, key=str)
    assert not new and not gone, (
        f"the message catalogs are out of date: {len(new)} message(s) new in the code "
        f"{[k[1][:60] for k in new[:8]]}, {len(gone)} no longer used "
        f"{[k[1][:60] for k in gone[:8]]}: {HOW}"
    )
    for lang in SHIPPED:
        keys = {_key(m) for m in _catalog(_po(lang)) if m.id}
        assert keys == template, f"{lang}: lessonkit.po does not follow lessonkit.pot: {HOW}"


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_shipped_language_translates_every_message(lang: str) -> None:
    catalog = _catalog(_po(lang))
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s and s.strip() for s in strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert not missing, (
        f"{lang}: {len(missing)} message(s) not translated (or fuzzy): "
        f"{[m[:60] for m in missing[:10]]}: {HOW}"
    )


@pytest.mark.parametrize("lang", SHIPPED)
def test_the_compiled_catalog_is_the_po_file_compiled(lang: str) -> None:
    buffer = io.BytesIO()
    write_mo(buffer, _catalog(_po(lang)))
    mo = _po(lang).with_suffix(".mo")
    assert mo.read_bytes() == buffer.getvalue(), (
        f"{lang}: lessonkit.mo is stale: run `./dev.sh i18n compile`"
    )


_PLACEHOLDER = re.compile(r"\{(\w*)\}")
_TAG = re.compile(r"</?([a-z]+)\b")


@pytest.mark.parametrize("lang", SHIPPED)
def test_translations_keep_placeholders_and_markup(lang: str) -> None:
    """A placeholder a translation invents would break ``str.format``; one it drops loses a
    value (plural forms may leave out the count: Arabic writes "two attempts" as one word)."""
    problems = []
    for message in _catalog(_po(lang)):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        known = set().union(*(set(_PLACEHOLDER.findall(i)) for i in ids))
        tags = sorted(_TAG.findall(ids[0]))
        for text in strings:
            used = set(_PLACEHOLDER.findall(text))
            if used - known:
                problems.append(f"{ids[0][:50]!r}: unknown {sorted(used - known)}")
            if len(ids) == 1 and used != known:
                problems.append(f"{ids[0][:50]!r}: placeholders {sorted(used)} != {sorted(known)}")
            if sorted(_TAG.findall(text)) != tags:
                problems.append(f"{ids[0][:50]!r}: markup differs")
            text.format(**dict.fromkeys(known, "x"))  # raises on a broken brace
        last = set(_PLACEHOLDER.findall(strings[-1]))
        if len(ids) == 2 and last != set(_PLACEHOLDER.findall(ids[1])):
            problems.append(f"{ids[0][:50]!r}: the last plural form must keep every placeholder")
    assert problems == [], f"{lang}: " + "; ".join(problems[:10])


@pytest.mark.parametrize("lang", SHIPPED)
def test_plural_forms_follow_cldr(lang: str) -> None:
    """Each count picks the form CLDR's rules give it (Arabic: zero, one, two, few, many,
    other): Babel's own default Plural-Forms for Arabic puts "many" and "other" the other
    way round, so 11 attempts would read as the form for 100."""
    rule = Locale.parse(lang).plural_form
    counts = range(0, 2_001)
    categories = [c for c in CLDR_ORDER if any(rule(n) == c for n in counts)]
    t = translator(lang)
    plural = t._catalog.plural  # the compiled Plural-Forms expression
    wrong = [n for n in counts if plural(n) != categories.index(rule(n))]
    assert wrong == [], f"{lang}: counts given the wrong plural form: {wrong[:10]}"
    assert t._catalog._info["plural-forms"].startswith(f"nplurals={len(categories)};")


def test_every_marked_python_string_is_extracted() -> None:
    """Babel reads Python with the tokenizer, which on Python 3.11 does not look inside
    f-strings: a ``_("...")`` there would never reach the catalog."""
    template = {(m.context, _key(m)[1]) for m in _catalog(LOCALE_DIR / "lessonkit.pot") if m.id}
    contexts = {"pgettext", "npgettext"}
    missing = []
    for path in sorted((ROOT / "lessonkit").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name not in {"_", "gettext", "ngettext", "N_"} | contexts:
                continue
            args = node.args[1:] if name in contexts else node.args
            ctx = getattr(node.args[0], "value", None) if name in contexts else None
            literal = args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str)
            if literal and (ctx, args[0].value) not in template:  # type: ignore[attr-defined]
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno}: {args[0].value!r}")
    assert missing == [], (
        "marked messages missing from the catalog (a gettext call inside an f-string is not "
        "extracted: give the message a name first), or " + HOW + ": " + "; ".join(missing[:10])
    )


def test_the_page_script_and_the_template_read_what_babel_extracts() -> None:
    """The kernel sends the page exactly the messages Babel found in its script and template."""
    from babel.messages.extract import extract_from_file

    from lessonkit.integrations.voila import template_dir
    from lessonkit.integrations.voila_language import template_messages
    from lessonkit.widgets.language import PAGE_MESSAGES

    script = ROOT / "lessonkit" / "widgets" / "static" / "player.js"
    found = {m for _, m, _, _ in extract_from_file("javascript", str(script))}
    assert set(PAGE_MESSAGES) == found and len(found) > 15
    template = ROOT / "extensions" / "voila" / "templates" / "lessonkit"
    found = {m for _, m, _, _ in extract_from_file("jinja2", str(template / "index.html.j2"))}
    assert set(template_messages(template)) == found and "Try again" in found
    assert template_dir() == template


def test_each_language_names_itself_as_cldr_does() -> None:
    from lessonkit.widgets.language import endonym

    for lang in SHIPPED:
        assert endonym(lang).casefold() == Locale.parse(lang).get_display_name(lang).casefold()
    assert endonym("en") == "English"


def test_right_to_left_agrees_with_cldr() -> None:
    from babel.localedata import locale_identifiers

    wrong = []
    for ident in locale_identifiers():
        locale = Locale.parse(ident)
        tag = ident.replace("_", "-")
        if direction(tag) != ("rtl" if locale.character_order == "right-to-left" else "ltr"):
            wrong.append(ident)
    assert wrong == []
    assert direction("ar-EG") == direction("he") == direction("pa-Arab") == "rtl"
    assert direction("az-Latn") == direction("de") == direction("not a tag") == "ltr"


@pytest.mark.parametrize("value", [0, 1, 0.5, 2.25, 1234.5, -3.5, 1_000_000, 0.1 + 0.2, 2 / 3])
def test_english_numbers_without_babel_are_babels(value: float) -> None:
    from babel.numbers import format_decimal, format_percent

    assert _english_number(value) == format_decimal(value, locale="en")
    t = translator("en")
    assert t.percent(value / 3 % 1) == format_percent(round(value / 3 % 1, 2), locale="en")


def test_numbers_dates_and_lists_follow_the_locale() -> None:
    from datetime import date

    es, de, ar = translator("es"), translator("de"), translator("ar")
    assert de.number(3.5) == "3,5" == es.number(3.5) and de.number(1234.5) == "1.234,5"
    assert de.percent(0.42) == "42\xa0%"
    assert es.date(date(2027, 2, 12)) == "12 feb 2027"
    assert de.date(date(2027, 2, 12), "long") == "12. Februar 2027"
    assert es.join(["a", "b", "c"]) == "a, b y c" and de.join(["a", "b"]) == "a und b"
    assert translator("en").join(["a", "b", "c"]) == "a, b and c"
    assert ar.direction == "rtl" and ar.ngettext("{n} attempt left", "{n} attempts left", 2)
