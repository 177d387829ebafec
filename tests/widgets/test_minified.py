"""The player's script and stylesheets travel minified: the committed ``.min`` files are exactly
what rJSmin and rCSSmin make of their sources (no JavaScript build step anywhere).

After editing a source, regenerate them with ``python -m tests.widgets.test_minified``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WIDGETS = ROOT / "lessonkit" / "widgets" / "static"
TEMPLATE = ROOT / "extensions" / "voila" / "templates" / "lessonkit" / "static"


def _js(path: Path) -> Callable[[], str]:
    def make() -> str:
        import rjsmin

        return str(rjsmin.jsmin(path.read_text(encoding="utf-8")))

    return make


def _css(source: Callable[[], str]) -> Callable[[], str]:
    def make() -> str:
        import rcssmin

        return str(rcssmin.cssmin(source()))

    return make


def _player_css() -> str:
    from lessonkit.widgets.styles import stylesheet

    return stylesheet()


MINIFIED: dict[Path, Callable[[], str]] = {
    WIDGETS / "player.min.js": _js(WIDGETS / "player.js"),
    WIDGETS / "player.min.css": _css(_player_css),
    TEMPLATE / "lessonkit-page.min.js": _js(TEMPLATE / "lessonkit-page.js"),
    TEMPLATE / "lessonkit.min.css": _css(lambda: (TEMPLATE / "lessonkit.css").read_text("utf-8")),
}
"""Each committed minified file and how it is made from its source."""


@pytest.mark.parametrize("path", sorted(MINIFIED), ids=lambda p: p.name)
def test_the_minified_file_is_its_source_minified(path: Path) -> None:
    expected = MINIFIED[path]()
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path.relative_to(ROOT)} is stale: run python -m tests.widgets.test_minified"
    )
    assert 0 < len(expected.encode()) < 0.9 * len(_source_bytes(path))


def _source_bytes(path: Path) -> bytes:
    if path.name == "player.min.css":
        return _player_css().encode()
    return path.with_name(path.name.replace(".min.", ".")).read_bytes()


def test_the_player_carries_the_minified_files() -> None:
    from lessonkit.widgets import LessonPlayer

    assert LessonPlayer._esm == (WIDGETS / "player.min.js").read_text(encoding="utf-8")
    assert LessonPlayer._css == (WIDGETS / "player.min.css").read_text(encoding="utf-8")


if __name__ == "__main__":  # regenerate
    for target, make in MINIFIED.items():
        target.write_text(make(), encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
