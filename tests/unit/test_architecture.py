"""The package layout keeps its design: layers, no import cycles, small modules."""

from __future__ import annotations

import ast
import statistics
import subprocess
import sys
from pathlib import Path

import grimp

import lessonkit

PACKAGE = Path(lessonkit.__file__).parent
MAX_LINES = 400


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache"],
        check=False,
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_no_module_imports_itself_through_a_cycle() -> None:
    graph = grimp.build_graph("lessonkit")
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.chain_exists(importer=imported, imported=module):
                chain = graph.find_shortest_chain(importer=imported, imported=module)
                cycles.append(f"{module} -> {' -> '.join(chain or ())}")
    assert cycles == []


def test_no_subpackage_imports_another_in_a_cycle() -> None:
    graph = grimp.build_graph("lessonkit")
    packages = sorted(m for m in graph.modules if m.count(".") == 1 and graph.find_children(m))
    cycles = [
        (a, b)
        for a in packages
        for b in packages
        if a < b
        and graph.chain_exists(importer=a, imported=b, as_packages=True)
        and graph.chain_exists(importer=b, imported=a, as_packages=True)
    ]
    assert cycles == []


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_modules_stay_small() -> None:
    sizes = {p.relative_to(PACKAGE): len(p.read_text().splitlines()) for p in _modules()}
    too_big = {str(p): n for p, n in sizes.items() if n > MAX_LINES}
    assert too_big == {}
    assert statistics.median(sizes.values()) < 200


def test_every_subpackage_says_what_it_is() -> None:
    missing = []
    for init in PACKAGE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        if not doc or len(doc.split()) < 6:
            missing.append(str(init.relative_to(PACKAGE)))
    assert missing == []
