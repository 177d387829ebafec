"""The player's stylesheet: injected once per player, so it works in JupyterLab and Voilà.

Colours come from JupyterLab's theme variables (``--jp-*``) with fallbacks, so the player
follows the light or dark JupyterLab theme; the Voilà template (``extensions/voila``) adds the
page layout and a ``prefers-color-scheme`` dark mode. Text colours meet WCAG AA contrast on
both themes.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["player_css"]

_DARK = """
  --lk-ok-fg: #8ee6ad; --lk-ok-bg: #12301f; --lk-ok-border: #3fa564;
  --lk-bad-fg: #ffb3ad; --lk-bad-bg: #3a1719; --lk-bad-border: #d9534f;
  --lk-info-fg: #a9cdfb; --lk-info-bg: #14263f; --lk-info-border: #5b9be6;
  --lk-code-bg: #1b1d23; --lk-code-fg: #f8f8f2;
"""

_CSS = """
.lk-player {
  --lk-fg: var(--jp-content-font-color1, #1f2328);
  --lk-muted: var(--jp-content-font-color2, #57606a);
  --lk-bg: var(--jp-layout-color0, #ffffff);
  --lk-panel: var(--jp-layout-color1, #ffffff);
  --lk-subtle: var(--jp-layout-color2, #eef1f4);
  --lk-border: var(--jp-border-color1, #c9d1d9);
  --lk-accent: var(--jp-brand-color1, #1565c0);
  --lk-ok-fg: #0f5d26; --lk-ok-bg: #dcf5e3; --lk-ok-border: #2f8f4e;
  --lk-bad-fg: #8a1020; --lk-bad-bg: #fde8e8; --lk-bad-border: #c2413b;
  --lk-info-fg: #0b4a8b; --lk-info-bg: #e3efff; --lk-info-border: #4a86d6;
  max-width: 46rem; margin: 0 auto; color: var(--lk-fg);
  font-size: 1rem; line-height: 1.6;
}
body.theme-dark .lk-player, body[data-jp-theme-light="false"] .lk-player { %(dark)s }
@media (prefers-color-scheme: dark) { body.lk-auto .lk-player { %(dark)s } }
.lk-player .widget-html-content, .lk-player .widget-htmlmath-content {
  line-height: 1.6; font-size: 1rem; color: var(--lk-fg); white-space: normal;
}
.lk-player .lk-header { border-bottom: 1px solid var(--lk-border); padding-bottom: .5rem; }
.lk-player .lk-lesson-title { font-size: .85rem; letter-spacing: .04em; text-transform: uppercase;
  color: var(--lk-muted); margin: 0; }
.lk-player .lk-position { font-size: .85rem; color: var(--lk-muted); }
.lk-player .lk-track { display: flex; gap: 4px; margin: .35rem 0 0; }
.lk-player .lk-track span { flex: 1; height: 6px; border-radius: 3px;
  background: var(--lk-subtle); }
.lk-player .lk-track span.lk-done { background: var(--lk-accent); }
.lk-player .lk-track span.lk-now { background: var(--lk-accent); opacity: .55; }
.lk-player .lk-step-title { font-size: 1.5rem; line-height: 1.25; margin: 1rem 0 .5rem;
  color: var(--lk-fg); }
.lk-player .lk-body p { margin: .6rem 0; }
.lk-player .lk-body table { border-collapse: collapse; margin: .75rem 0; }
.lk-player .lk-body th, .lk-player .lk-body td { border: 1px solid var(--lk-border);
  padding: .3rem .7rem; text-align: left; }
.lk-player .lk-body th { background: var(--lk-subtle); }
.lk-player .lk-body img { max-width: 100%; height: auto; }
.lk-player code { font-family: var(--jp-code-font-family, ui-monospace, monospace);
  font-size: .92em; background: var(--lk-subtle); padding: .05em .3em; border-radius: 4px; }
.lk-player .lk-code { background: var(--lk-code-bg, #eef1f4);
  color: var(--lk-code-fg, inherit); border-radius: 6px; margin: .75rem 0;
  overflow-x: auto; }
.lk-player .lk-code pre { margin: 0; padding: .75rem 1rem; line-height: 1.45; }
.lk-player .lk-code code, .lk-player .lk-code pre { background: transparent; padding-left: 0; }
.lk-player .lk-code pre { padding: .75rem 1rem; }
.lk-player .lk-feedback .lk-msg { border-left: 4px solid; border-radius: 6px;
  padding: .6rem .9rem; margin: .75rem 0; }
.lk-player .lk-msg.lk-correct { color: var(--lk-ok-fg); background: var(--lk-ok-bg);
  border-color: var(--lk-ok-border); }
.lk-player .lk-msg.lk-incorrect { color: var(--lk-bad-fg); background: var(--lk-bad-bg);
  border-color: var(--lk-bad-border); }
.lk-player .lk-msg.lk-info { color: var(--lk-info-fg); background: var(--lk-info-bg);
  border-color: var(--lk-info-border); }
.lk-player .lk-msg code { background: transparent; }
.lk-player .lk-msg strong:first-child { display: block; }
.lk-player .lk-hints ol { margin: .5rem 0; padding-left: 1.4rem; }
.lk-player .lk-hints li { margin: .25rem 0; }
.lk-player .lk-status { color: var(--lk-muted); font-size: .9rem; }
.lk-player .lk-controls { gap: .5rem; flex-wrap: wrap; margin: .75rem 0; }
.lk-player .lk-controls .jupyter-button, .lk-player .lk-option { height: auto;
  min-height: 2.25rem; padding: .35rem 1rem; border-radius: 6px; font-size: .95rem; }
.lk-player .lk-options { gap: .5rem; }
.lk-player .lk-option { width: 100%; text-align: left; white-space: normal; }
.lk-player .jupyter-button:focus-visible, .lk-player input:focus-visible,
.lk-player textarea:focus-visible, .lk-player .lk-feedback:focus {
  outline: 3px solid var(--lk-accent); outline-offset: 2px; }
.lk-player .lk-feedback:focus { outline-style: dotted; }
.lk-player .widget-radio-box label, .lk-player .widget-checkbox label { font-size: 1rem; }
.lk-player .lk-input { width: 100%; max-width: 28rem; }
.lk-player .lk-input input { font-size: 1rem; }
.lk-player .lk-code-editor { width: 100%; }
.lk-player .lk-code-editor textarea { font-family: var(--jp-code-font-family, monospace);
  font-size: .92rem; min-height: 10rem; line-height: 1.45; }
.lk-player .lk-order-row { align-items: center; gap: .4rem; }
.lk-player .lk-order-row .jupyter-button { width: auto; }
.lk-player .lk-mastery { margin: .5rem 0; }
.lk-player .lk-bar-label { display: flex; justify-content: space-between; font-size: .9rem; }
.lk-player .lk-bar { height: 8px; border-radius: 4px; background: var(--lk-subtle);
  overflow: hidden; margin: .15rem 0 .5rem; }
.lk-player .lk-bar > span { display: block; height: 100%; background: var(--lk-accent); }
.lk-player .lk-bar.lk-mastered > span { background: var(--lk-ok-border); }
.lk-player .lk-summary { border: 1px solid var(--lk-border); border-radius: 8px;
  padding: .75rem 1.25rem; margin: 1rem 0; background: var(--lk-panel); }
.lk-player .lk-score { font-size: 2rem; font-weight: 600; margin: .25rem 0; }
.lk-player .lk-solution { border: 1px dashed var(--lk-border); border-radius: 6px;
  padding: .25rem 1rem; margin: .75rem 0; }
.lk-player .lk-visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
"""


@lru_cache(maxsize=1)
def player_css() -> str:
    """The stylesheet as a ``<style>`` element (player rules plus Pygments colours)."""
    from pygments.formatters import HtmlFormatter

    light = _readable(
        HtmlFormatter(style="default").get_style_defs(".lk-player .lk-code"), LIGHT_CODE_BG
    )
    dark = _readable(
        HtmlFormatter(style="monokai").get_style_defs(
            [
                "body.theme-dark .lk-player .lk-code",
                'body[data-jp-theme-light="false"] .lk-player .lk-code',
            ]
        ),
        DARK_CODE_BG,
    )
    # Pygments themes paint their own background; the player's panel colour is used instead.
    auto = _readable(
        HtmlFormatter(style="monokai").get_style_defs("body.lk-auto .lk-player .lk-code"),
        DARK_CODE_BG,
    )
    rules = [
        _CSS.replace("%(dark)s", _DARK),
        _strip_backgrounds(light),
        _strip_backgrounds(dark),
        "@media (prefers-color-scheme: dark) {\n" + _strip_backgrounds(auto) + "\n}",
    ]
    return "<style>" + "\n".join(rules) + "</style>"


LIGHT_CODE_BG = "#eef1f4"
DARK_CODE_BG = "#1b1d23"
_HEX = re.compile(r"(?<![-\w])color: #([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")


def _luminance(rgb: tuple[float, float, float]) -> float:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(hex_text: str) -> tuple[float, float, float]:
    text = hex_text.lstrip("#")
    if len(text) == 3:
        text = "".join(ch * 2 for ch in text)
    return tuple(int(text[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _readable(css: str, background: str, target: float = 4.8) -> str:
    """Pygments colours nudged towards black or white until they meet WCAG AA on
    ``background`` (some stock styles use light greens and greys that do not)."""
    bg = _rgb(background)
    toward = 0.0 if _luminance(bg) > 0.5 else 1.0

    def fix(match: re.Match[str]) -> str:
        rgb = _rgb(match.group(1))
        for _ in range(40):
            if _contrast(rgb, bg) >= target:
                break
            rgb = tuple(c + (toward - c) * 0.1 for c in rgb)  # type: ignore[assignment]
        return "color: #" + "".join(f"{round(c * 255):02x}" for c in rgb)

    return _HEX.sub(fix, css)


def _strip_backgrounds(css: str) -> str:
    lines = [line for line in css.splitlines() if "{ background:" not in line.split("}")[0][-60:]]
    return "\n".join(line for line in lines if not line.lstrip().startswith("pre {"))
