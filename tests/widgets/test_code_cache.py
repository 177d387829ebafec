"""Highlighted code kept for the next kernel: the same HTML, read only from a private file."""

from __future__ import annotations

import json
from pathlib import Path

from lessonkit.widgets.codecache import CodeCache
from lessonkit.widgets.markdown import _highlight, highlight_code

CODE = "for i in range(3):\n    print(i)\n"


def test_a_block_highlighted_once_is_read_back_by_the_next_process(tmp_path: Path) -> None:
    path = tmp_path / "blocks.json"
    first = CodeCache(path)
    assert first.get(CODE, "python") is None
    html = _highlight(CODE, "python")
    first.put(CODE, "python", html)
    assert path.stat().st_mode & 0o777 == 0o600
    assert CodeCache(path).get(CODE, "python") == html  # a new process: from the file
    assert CodeCache(path).get(CODE, "text") is None  # the language is part of the key


def test_the_cached_html_is_what_pygments_makes(tmp_path: Path) -> None:
    highlight_code.cache_clear()
    html = highlight_code(CODE, "python")  # through the process's cache folder
    assert html == _highlight(CODE, "python")
    assert '<div class="lk-code">' in html and '<span class="k">for</span>' in html
    highlight_code.cache_clear()
    assert highlight_code(CODE, "python") == html
    assert highlight_code("x = 1", "no-such-language") == _highlight("x = 1", "no-such-language")


def test_a_file_others_could_write_is_ignored_and_replaced(tmp_path: Path) -> None:
    path = tmp_path / "blocks.json"
    CodeCache(path).put(CODE, "python", "<b>real</b>")
    data = json.loads(path.read_text())
    path.write_text(json.dumps(dict.fromkeys(data, "<script>alert(1)</script>")))
    path.chmod(0o666)
    cache = CodeCache(path)
    assert cache.get(CODE, "python") is None
    cache.put(CODE, "python", "<b>real</b>")
    assert path.stat().st_mode & 0o777 == 0o600 and "script" not in path.read_text()


def test_unreadable_or_odd_files_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "blocks.json"
    path.write_text("{not json")
    path.chmod(0o600)
    assert CodeCache(path).get(CODE, "python") is None
    path.write_text(json.dumps(["a list"]))
    assert CodeCache(path).get(CODE, "python") is None
    CodeCache(path).put(CODE, "python", "<b>x</b>")
    key = next(iter(json.loads(path.read_text())))
    path.write_text(json.dumps({key: 42}))  # not text: never shown
    assert CodeCache(path).get(CODE, "python") is None


def test_kernels_writing_at_once_keep_each_others_blocks(tmp_path: Path) -> None:
    path = tmp_path / "blocks.json"
    one, two = CodeCache(path), CodeCache(path)
    one.get(CODE, "python")
    two.get(CODE, "python")  # both read the (empty) file first
    one.put("a = 1", "python", "<i>a</i>")
    two.put("b = 2", "python", "<i>b</i>")
    fresh = CodeCache(path)
    assert fresh.get("a = 1", "python") == "<i>a</i>"
    assert fresh.get("b = 2", "python") == "<i>b</i>"


def test_without_a_folder_blocks_are_kept_in_memory() -> None:
    cache = CodeCache(None)
    cache.put(CODE, "python", "<b>x</b>")
    assert cache.get(CODE, "python") == "<b>x</b>"
