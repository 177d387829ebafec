"""No English reaches a page without the message catalog.

The modules that draw what learners and instructors see are read as Python syntax trees:
every string literal that reads like English words — after dropping HTML tags, attributes,
``{placeholders}`` and `code` — must sit inside a gettext call (``_``, ``gettext``,
``ngettext``, ``pgettext``, ``N_``). Docstrings, warnings and exceptions for developers are
not shown to learners; the few English strings that are data (a recorded reason, a status
key, a command) are listed in :data:`ALLOWED` with why. The browser tests check the other
side: no English message appears on a Spanish, German or Arabic page.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UI_MODULES = (
    "widgets",
    "checks",
    "lesson/mathparse.py",
    "course/recommend.py",
    "course/targets.py",
    "hub/classview.py",
    "hub/views.py",
    "hub/checking.py",
    "hub/remote_check.py",
    "hub/grading.py",
    "hub/grading_page.py",
    "hub/grading_views.py",
    "hub/support.py",
    "hub/support_views.py",
    "integrations/voila_language.py",
    "analytics/plots.py",
    "analytics/labels.py",
    "analytics/itemnotes.py",
    "analytics/itemreport.py",
    "analytics/coverage.py",
)
"""What draws pages (the CLI's terminal messages and the `lessonkit report` file stay English;
``lessonkit report --items`` writes its page in ``--language``)."""

ALLOWED = {
    ("widgets/player.py", "not checked here"): "the reason recorded in evidence for a skip",
    ("widgets/feedback.py", "not quite"): "compared with feedback text, never shown",
    ("widgets/feedback.py", "not quite."): "compared with feedback text, never shown",
    ("widgets/codecheck.py", "lessonkit serve --no-code-checking ("): "a command, shown as code",
    ("checks/code.py", "not run"): "a test's status key in the evidence",
    ("checks/dispatch.py", "unknown spec type"): "a detail for the instructor in the evidence",
    ("hub/remote_check.py", "unreadable verdict"): "a detail for the instructor in the evidence",
    ("widgets/binding.py", "True"): "Voilà's VOILA_PREHEAT environment value, never shown",
    ("widgets/binding.py", "False"): "Voilà's VOILA_PREHEAT environment value, never shown",
    (
        "widgets/launch.py",
        "lessonkit: a page's request did not reach its kernel (",
    ): "a line in the server operator's log (the kernel's stderr), never on a page",
    ("hub/classview.py", "not started"): "a flag key (CSS class, API value), shown translated",
    ("analytics/labels.py", "not started"): "a flag key, the label beside it is translated",
    (
        "analytics/coverage.py",
        "some variants",
    ): "a value of the feedback column (CSV, JSON), shown translated",
    (
        "analytics/itemreport.py",
        "some variants",
    ): "a value of the feedback column (CSV, JSON), shown translated",
    (
        "analytics/itemnotes.py",
        "too easy",
    ): "a flag key of the item table (CSV, JSON), shown translated",
    (
        "analytics/itemnotes.py",
        "too hard",
    ): "a flag key of the item table (CSV, JSON), shown translated",
    (
        "analytics/itemnotes.py",
        "wrong answer without feedback",
    ): "a flag key of the item table (CSV, JSON), shown translated",
    (
        "analytics/itemreport.py",
        "too easy",
    ): "a flag key of the item table (CSV, JSON), shown translated",
    (
        "analytics/itemreport.py",
        "too hard",
    ): "a flag key of the item table (CSV, JSON), shown translated",
    (
        "analytics/itemreport.py",
        "wrong answer without feedback",
    ): "a flag key of the item table (CSV, JSON), shown translated",
    (
        "lesson/mathparse.py",
        "sin, cos, tan, cot, sec, csc, asin, acos, atan, sinh, cosh, tanh, exp, ln, log, sqrt",
    ): ("function names a formula may use, shown as they are typed"),
}
"""(module, string) -> why it may stay English."""

GETTEXT = {"_", "gettext", "ngettext", "pgettext", "npgettext", "N_"}
DEVELOPER = {"warn", "debug", "info", "warning", "error", "exception"}
"""Calls whose text is for developers or logs (``warnings.warn``, a logger)."""
PATTERN_CALLS = {"compile", "match", "sub", "search", "fullmatch", "findall", "split"}
LEARNER_EXCEPTIONS = {"InvalidResponse"}
"""Exceptions whose message is shown to the learner (all others are for developers)."""

_WORD = re.compile(r"[A-Za-z]{2,}")
_CSS = re.compile(r"[\w.#:>\-\s,\[\]=\"']+\{[^{}]*:[^{}]*;")


def _visible(text: str) -> str:
    """What of ``text`` could be read as words (markup, placeholders and code dropped)."""
    text = re.sub(r"<[^<>]*>", " ", text)  # whole tags
    text = re.sub(r"<[^<>]*$|^[^<>]*>", " ", text)  # a tag cut by an f-string's {field}
    text = re.sub(r"[\w-]+=(['\"])[^'\"]*\1?", " ", text)  # attributes
    text = re.sub(r"\{[^{}]*\}|&[#\w]+;|`[^`]*`", " ", text)
    return re.sub(r"(?<![\w])[\w]*[-_./][\w./-]*", " ", text)  # identifiers, paths, classes


def reads_as_english(text: str) -> bool:
    """Two or more words, or one capitalised word ("Check", "Continue")."""
    if _CSS.search(text):
        return False
    shown = _visible(text)
    if re.search(r"[A-Za-z]{2,}[,;:]?\s+[A-Za-z]{2,}", shown):
        return True
    return bool(re.fullmatch(r"\s*[A-Z][a-z]{2,}[.!?…:]?\s*", shown))


def _modules(root: Path) -> Iterator[Path]:
    for name in UI_MODULES:
        path = root / name
        if path.suffix == ".py":
            yield from [path] if path.is_file() else []
        else:
            yield from sorted(path.rglob("*.py"))


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _exempt(tree: ast.AST) -> set[int]:
    """Nodes whose strings are not shown: docstrings, gettext calls (already marked), text
    for developers, patterns, ``__all__``."""
    skip: set[int] = set()

    def mark(node: ast.AST) -> None:
        skip.update(id(inner) for inner in ast.walk(node))

    for node in ast.walk(tree):
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        quiet = isinstance(node, ast.Call) and _name(node.func) in (
            GETTEXT | DEVELOPER | PATTERN_CALLS
        )
        if docstring or quiet:
            mark(node)
        elif isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if _name(exc) not in LEARNER_EXCEPTIONS:
                mark(node)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            mark(node)
    return skip


def unmarked_strings(package: Path) -> list[str]:
    """``module:line: 'text'`` for each English string in a UI module outside the catalog."""
    found: list[tuple[str, int, str]] = []
    for path in _modules(package):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _exempt(tree)
        module = path.relative_to(package).as_posix()
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            if id(node) in skip or (module, node.value) in ALLOWED:
                continue
            if reads_as_english(node.value):
                found.append((module, node.lineno, node.value))
    return [f"lessonkit/{m}:{line}: {text[:80]!r}" for m, line, text in sorted(found)]


def test_no_string_reaches_the_learner_without_the_catalog() -> None:
    found = unmarked_strings(ROOT / "lessonkit")
    assert found == [], (
        "strings shown to learners or instructors without the message catalog — wrap each in "
        "t.gettext()/_() (N_() for a constant translated where it is shown), run "
        "`./dev.sh i18n update`, translate the new messages in "
        "lessonkit/i18n/locale/<lang>/LC_MESSAGES/lessonkit.po (es, de, ar), then "
        "`./dev.sh i18n compile` (docs/languages.md):\n" + "\n".join(found[:20])
    )


def test_the_scan_catches_the_strings_it_is_for(tmp_path: Path) -> None:
    """The scan itself: English in markup, in f-strings and in learner exceptions is caught;
    markup, CSS, placeholders, docstrings and marked messages are not."""
    module = tmp_path / "widgets" / "sample.py"
    module.parent.mkdir()
    module.write_text(
        '"""A docstring says what it likes."""\n'
        "def render(t, x, InvalidResponse):\n"
        '    """So does this one."""\n'
        "    a = f\"<p class='lk-note'>You answered: {x}</p>\"\n"
        '    b = "Continue"\n'
        '    c = t.gettext("Check") + _("Move on") + N_("Not quite.")\n'
        "    d = \"<div class='lk-summary' role='region' aria-label='\"\n"
        '    e = ".lk-player { color: red; }"\n'
        '    f = "{before} → {after}"\n'
        '    g = "lk-btn lk-btn-primary"\n'
        '    raise InvalidResponse("Please type an answer first.")\n'
        '    raise ValueError("a message for a developer")\n',
        encoding="utf-8",
    )
    found = unmarked_strings(tmp_path)
    assert [line.split(": ", 1)[1] for line in found] == [
        "\"<p class='lk-note'>You answered: \"",
        "'Continue'",
        "'Please type an answer first.'",
    ]
