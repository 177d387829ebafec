"""The text a learner sees, unit by unit, and a lesson with a translation put in its place.

A *unit* is one piece of author text: the lesson's title and description, competency titles,
and for each step (practice items included) its title, body, prompt, hints, feedback
messages, worked solution, starter code, choice labels, check option texts and feedback,
code-test names and messages, ordering items; a text check's accepted answers and patterns
are units too, but optional ones (answers stay the lesson's unless a language adds its own).

Each unit has a *key* (where a translation file puts it: steps and items by id, options by
value, targeted feedback by the wrong answer, lists by position) and a *path* (where it is in
the lesson, field by field: the same path names its place in the lesson file and in the
model). :func:`localize` puts every translated unit at its path in one rebuild of the lesson.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from . import specs
from .model import Choice, Content, End, Exercise, Lesson, Practice, Question, Step
from .translated import LANGUAGE_TAG, Entry, Key, Translation, same_language

__all__ = ["Unit", "has_prose", "localize", "pick_translation", "units"]

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Unit:
    """One piece of author text a learner sees."""

    key: Key
    """Where a translation file puts it."""
    path: Path
    """Where it is in the lesson (file and model alike)."""
    text: str
    """The source text (for answers: a JSON list of them)."""
    kind: str = "markdown"
    """``markdown``, ``plain`` (titles, labels), ``code`` (starter code) or ``answers``."""
    answers: tuple[str, ...] = ()
    """For ``answers``: the lesson's own accepted answers or patterns."""

    @property
    def optional(self) -> bool:
        """Needs no translation: extra answers, or text with no words in it (code, math)."""
        return self.kind == "answers" or not has_prose(self.text, code=self.kind == "code")


_FENCED = re.compile(r"^(`{3,}|~{3,}).*?^\1", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$|https?://\S+|\{\{\s*\w+\s*\}\}", re.DOTALL)
_COMMENTS_AND_STRINGS = re.compile(r"#[^\n]*|\"[^\"\n]*\"|'[^'\n]*'")
_WORD = re.compile(r"[^\W\d_]{2,}")


def has_prose(text: str, *, code: bool = False) -> bool:
    """Whether ``text`` has words to translate: in Markdown, outside code and math; in code,
    in its comments and string literals."""
    if code:
        return any(_WORD.search(m.group()) for m in _COMMENTS_AND_STRINGS.finditer(text))
    return bool(_WORD.search(_INLINE.sub(" ", _FENCED.sub(" ", text))))


def _answer_key(answer: Any) -> str:
    """A wrong answer as a translation file's key (``5``, ``continue``, ``["a", "b"]``)."""
    if isinstance(answer, str):
        return answer
    if isinstance(answer, (list, tuple)):
        return json.dumps(list(answer), ensure_ascii=False)
    return str(answer)


def units(lesson: Lesson) -> list[Unit]:
    """Every unit of ``lesson``, in file order."""
    found = [Unit(("title",), ("title",), lesson.title, "plain")]
    if lesson.description:
        found.append(Unit(("description",), ("description",), lesson.description))
    for i, comp in enumerate(lesson.competencies):
        for name, kind in (("title", "plain"), ("description", "markdown")):
            if getattr(comp, name):
                key, path = ("competencies", comp.id, name), ("competencies", i, name)
                found.append(Unit(key, path, getattr(comp, name), kind))
    for i, step in enumerate(lesson.steps):
        found.extend(_step_units(step, ("steps", step.id), ("steps", i)))
        if isinstance(step, Practice):
            for j, item in enumerate(step.items):
                found.extend(_step_units(item, ("steps", item.id), ("steps", i, "items", j)))
    return found


def _text(key: Key, path: Path, value: str, kind: str = "markdown") -> Iterator[Unit]:
    if value:
        yield Unit(key, path, value, kind)


def _step_units(step: Step, key: Key, path: Path) -> Iterator[Unit]:
    yield from _text((*key, "title"), (*path, "title"), step.title, "plain")
    if isinstance(step, (Content, End)):
        yield from _text((*key, "body"), (*path, "body"), step.body)
    if isinstance(step, (Question, Choice, Practice)):
        yield from _text((*key, "prompt"), (*path, "prompt"), step.prompt)
    if isinstance(step, Choice):
        for n, option in enumerate(step.options):
            where = ((*key, "options", option.value, "label"), (*path, "options", n, "label"))
            yield Unit(*where, option.label or option.value, "plain")
    if not isinstance(step, Question):
        return
    for n, hint in enumerate(step.hints):
        yield from _text((*key, "hints", n), (*path, "hints", n), hint)
    feedback = step.feedback
    for name in ("correct", "incorrect"):
        where = ((*key, "feedback", name), (*path, "feedback", name))
        yield from _text(*where, getattr(feedback, name))
    for n, wrong in enumerate(feedback.wrong):
        where = (
            (*key, "feedback", "wrong", _answer_key(wrong.answer)),
            (*path, "feedback", "wrong", n, "message"),
        )
        yield from _text(*where, wrong.message)
    yield from _text((*key, "solution"), (*path, "solution"), step.solution)
    if isinstance(step, Exercise):
        yield from _text((*key, "starter"), (*path, "starter"), step.starter, "code")
    yield from _check_units(step.check, (*key, "check"), (*path, "check"))


def _check_units(spec: specs.CheckSpec, key: Key, path: Path) -> Iterator[Unit]:
    if isinstance(spec, specs.Choice):
        for n, option in enumerate(spec.options):
            k, p = (*key, "options", option.value), (*path, "options", n)
            yield Unit((*k, "text"), (*p, "text"), option.text or option.value, "plain")
            yield from _text((*k, "feedback"), (*p, "feedback"), option.feedback)
    elif isinstance(spec, specs.Code):
        for n, test in enumerate(spec.tests):
            k, p = (*key, "tests", n), (*path, "tests", n)
            yield from _text((*k, "name"), (*p, "name"), test.name, "plain")
            yield from _text((*k, "feedback"), (*p, "feedback"), test.feedback)
    elif isinstance(spec, specs.Ordering):
        for n, item in enumerate(spec.items):
            yield Unit((*key, "items", n), (*path, "items", n), item, "plain")
    elif isinstance(spec, specs.Text):
        for name, given in (("answer", spec.answers()), ("regex", spec.patterns())):
            if given:
                text = json.dumps(list(given), ensure_ascii=False)
                yield Unit((*key, name), (*path, name), text, "answers", tuple(given))


def pick_translation(lesson: Lesson, language: str) -> Translation | None:
    """The lesson's translation for ``language`` (a BCP 47 tag): the same tag, else the
    tag's language without its region (``es-MX`` → ``es``), else a regional form of the same
    language (``es`` → ``es-ES``); ``None`` when there is none."""
    by_tag = {tag.replace("_", "-").lower(): t for tag, t in lesson.translations.items()}
    wanted = language.replace("_", "-").lower()
    base = wanted.split("-", 1)[0]
    if wanted in by_tag:
        return by_tag[wanted]
    if base in by_tag:
        return by_tag[base]
    return next((t for tag, t in sorted(by_tag.items()) if tag.split("-", 1)[0] == base), None)


def localize(lesson: Lesson, language: str | None) -> Lesson:
    """``lesson`` as a learner of ``language`` sees it: every translated unit in place of the
    source text (a stale translation too; a missing one leaves the source text), its
    ``language`` the translation's. The lesson itself when there is nothing to translate;
    ``ValueError`` when ``language`` is not a language tag."""
    if language is not None and not LANGUAGE_TAG.fullmatch(language):
        raise ValueError(f"language {language[:40]!r} is not a language tag such as es")
    if not language or same_language(language, lesson.language):
        return lesson
    translation = pick_translation(lesson, language)
    if translation is None:
        return lesson
    tree: dict[Any, Any] = {}
    for unit in units(lesson):
        entry = translation.entries.get(unit.key)
        if entry is None or entry.empty:
            continue
        node = tree
        for part in unit.path[:-1]:
            node = node.setdefault(part, {})
        node[unit.path[-1]] = _value(unit, entry)
    localized: Lesson = _rebuild(lesson, tree)
    return dataclasses.replace(localized, language=translation.language)


def _value(unit: Unit, entry: Entry) -> Any:
    if unit.kind == "answers":
        extra = entry.text if isinstance(entry.text, tuple) else (entry.text,)
        return tuple(dict.fromkeys((*unit.answers, *extra)))
    return entry.text if isinstance(entry.text, str) else "\n".join(entry.text)


def _rebuild(obj: Any, tree: Mapping[Any, Any]) -> Any:
    """``obj`` with the values in ``tree`` (nested by path part) put in place, each object on
    the way rebuilt once."""
    if isinstance(obj, tuple):
        items = list(obj)
        for index, sub in tree.items():
            items[index] = _rebuild(items[index], sub) if isinstance(sub, dict) else sub
        return tuple(items)
    changes = {
        name: _rebuild(getattr(obj, name), sub) if isinstance(sub, dict) else sub
        for name, sub in tree.items()
    }
    return dataclasses.replace(obj, **changes)
