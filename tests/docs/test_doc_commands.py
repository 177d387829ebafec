"""Every command the documentation shows is run here, or marked as illustrative.

Commands are shown in ``console`` blocks (``$ `` before each command, its output after it).
A block directly after ``<!-- illustrative: REASON -->`` is not run: the reason says why
(a server that keeps running, a network install, a tool the tests do not install) and, where
one exists, which test covers the command instead. Shell blocks of any other kind
(``bash``, ``sh``, ``shell``) are not allowed, so no command slips through unlabelled.

Each page runs in its own workspace: copies of ``lessons/``, ``tests/data/`` and
``extensions/``, the files in ``tests/data/docs/`` (inputs the pages name, e.g. a broken lesson),
and any ``yaml`` or ``python`` block of the page whose first line is ``# FILENAME`` (written as
that file when the page reaches it, e.g. ``# plan_example.py``). Commands run in order, so a
page can build on its earlier steps.

Shown output must match what the command prints (stdout and stderr together). ``...`` or ``…``
on a line of its own stands for any number of lines; ``…`` inside a line for any text. A command
shown without output must succeed (exit code 0).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```", re.M | re.S)
ILLUSTRATIVE = re.compile(r"<!--\s*illustrative:\s*(?P<reason>.*?)\s*-->\s*$", re.S)
SHELL_LANGS = {"bash", "sh", "shell", "zsh"}
ANY_LINES = {"...", "…"}


@dataclass
class Command:
    line: str
    output: list[str] = field(default_factory=list)


@dataclass
class Block:
    kind: str  # "console" or "file"
    commands: list[Command] = field(default_factory=list)
    filename: str = ""
    text: str = ""


def _blocks(page: Path) -> tuple[list[Block], list[str]]:
    """The page's runnable blocks in order, and the reasons of its illustrative ones."""
    text = page.read_text(encoding="utf-8")
    blocks: list[Block] = []
    reasons: list[str] = []
    for match in FENCE.finditer(text):
        lang, body = match.group(1), match.group(2)
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marked = ILLUSTRATIVE.search(before)
        if lang in SHELL_LANGS:
            pytest.fail(f"{page.name}: a {lang!r} block: show commands in a console block")
        named = {"yaml": r"# (\S+\.ya?ml)\n", "python": r"# (\S+\.py)\n"}.get(lang)
        if named and (name := re.match(named, body)):
            blocks.append(Block("file", filename=name.group(1), text=body))
            continue
        if lang != "console":
            continue
        if marked:
            reasons.append(marked.group("reason"))
            continue
        block = Block("console")
        for line in body.splitlines():
            if line.startswith("$ "):
                block.commands.append(Command(line[2:]))
            elif block.commands:
                block.commands[-1].output.append(line)
            else:
                pytest.fail(f"{page.name}: output before any command: {line!r}")
        blocks.append(block)
    return blocks, reasons


def _line_matches(shown: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in shown.split("…"))
    return re.fullmatch(pattern, actual.rstrip()) is not None


def _output_matches(shown: list[str], actual: list[str]) -> bool:
    """Shown lines against printed lines, with ``...`` lines matching any run of lines."""
    if not shown:
        return not actual
    head, rest = shown[0], shown[1:]
    if head.strip() in ANY_LINES:
        return any(_output_matches(rest, actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and _line_matches(head, actual[0]) and _output_matches(rest, actual[1:])


def _workspace(tmp: Path) -> Path:
    work = tmp / "work"
    work.mkdir()
    shutil.copytree(ROOT / "lessons", work / "lessons")
    shutil.copytree(ROOT / "tests" / "data", work / "tests" / "data")
    shutil.copytree(ROOT / "extensions", work / "extensions")
    for item in (ROOT / "tests" / "data" / "docs").iterdir():
        shutil.copy(item, work / item.name)
    return work


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LESSONKIT_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["LESSONKIT_HOME"] = str(tmp / "home")
    env["XDG_CACHE_HOME"] = str(tmp / "cache")
    env["XDG_CONFIG_HOME"] = str(tmp / "config")
    env["COLUMNS"] = "100"
    env["PYTHONUNBUFFERED"] = "1"  # stdout and stderr in the order a terminal shows them
    return env


def test_every_page_shows_commands_only_in_console_blocks_with_reasons() -> None:
    illustrative = 0
    for page in PAGES:
        _, reasons = _blocks(page)
        assert all(len(r) > 10 for r in reasons), (page.name, reasons)
        illustrative += len(reasons)
    assert illustrative > 0


def test_output_matching() -> None:
    assert _output_matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert _output_matches(["…: ok"], ["lessons/x.lesson.yaml: ok"])
    assert not _output_matches(["a", "d"], ["a", "b", "d"])
    assert not _output_matches(["a"], ["a", "b"])


def _runnable(page: Path) -> bool:
    """Whether the page shows a command that is not marked illustrative."""
    text = page.read_text(encoding="utf-8")
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        if match.group(1) in ("console", *SHELL_LANGS) and not ILLUSTRATIVE.search(before):
            return True
    return False


RUNNABLE = [page for page in PAGES if _runnable(page)]


def test_most_pages_with_commands_run_some() -> None:
    assert len(RUNNABLE) >= 6


@pytest.mark.parametrize("page", RUNNABLE, ids=[str(p.relative_to(ROOT)) for p in RUNNABLE])
def test_the_commands_of_a_page_run_as_shown(page: Path, tmp_path: Path) -> None:
    blocks, _ = _blocks(page)
    work = _workspace(tmp_path)
    env = _env(tmp_path)
    for block in blocks:
        if block.kind == "file":
            (work / block.filename).write_text(block.text, encoding="utf-8")
            continue
        for command in block.commands:
            done = subprocess.run(
                ["bash", "-c", command.line],
                cwd=work,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=300,
                check=False,
            )
            printed = done.stdout.splitlines()
            if command.output:
                assert _output_matches(command.output, printed), (
                    f"{page.name}: $ {command.line}\nshown:\n"
                    + "\n".join(command.output)
                    + "\nprinted:\n"
                    + done.stdout
                )
            else:
                assert done.returncode == 0, f"{page.name}: $ {command.line}\n{done.stdout}"
