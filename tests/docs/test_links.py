"""Links a reader follows lead somewhere: the README's, the docs' links into the repository,
and the pages the code and the CLI's help send readers to. (Links between the docs' own pages
are checked by ``mkdocs build --strict``, which ``./dev.sh test`` runs.)"""

from __future__ import annotations

import re
from pathlib import Path

from lessonkit.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
REPO_URL = re.compile(r"https://github\.com/lessonkit/lessonkit/(?:blob|tree)/main/([^)\s#]+)")
DOC_REF = re.compile(r"docs/[\w/-]+\.md")


def _markdown() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").rglob("*.md"))]


def test_the_readme_links_to_files_that_exist() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = [t for t in re.findall(r"\]\(([^)]+)\)", text) if "://" not in t]
    assert len(targets) >= 10
    missing = [t for t in targets if not (ROOT / t.split("#")[0]).exists()]
    assert missing == []


def test_links_into_the_repository_name_files_that_exist() -> None:
    found = []
    for page in _markdown():
        found += [(page.name, path) for path in REPO_URL.findall(page.read_text("utf-8"))]
    assert found
    assert [(page, path) for page, path in found if not (ROOT / path).exists()] == []


def test_pages_named_in_the_code_exist() -> None:
    named = set()
    for source in (ROOT / "lessonkit").rglob("*.py"):
        named.update(DOC_REF.findall(source.read_text(encoding="utf-8")))
    assert named
    assert sorted(n for n in named if not (ROOT / n).is_file()) == []


def test_play_help_sends_readers_to_the_page_on_responses_files() -> None:
    sub = next(
        action
        for action in build_parser()._subparsers._group_actions  # type: ignore[union-attr]
        if getattr(action, "choices", None)
    )
    help_text = " ".join(sub.choices["play"].format_help().split())
    refs = DOC_REF.findall(help_text)
    assert refs, help_text
    for ref in refs:
        assert "responses file" in (ROOT / ref).read_text(encoding="utf-8"), ref
