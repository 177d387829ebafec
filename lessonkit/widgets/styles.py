"""The player's stylesheet: carried by the player widget, so it works in JupyterLab and Voilà.

The player follows the light or dark JupyterLab theme (``data-jp-theme-light``), the Voilà
template's theme classes and, where the page asks for it (``lk-auto``), the browser's
``prefers-color-scheme``; under ``forced-colors`` (Windows high contrast) it uses system
colours. Text meets WCAG AA contrast (4.5:1) and focus rings 3:1 in every theme.

Layout uses logical properties (``margin-inline-start``, ``text-align: start``...), so a
right-to-left language (``dir="rtl"`` on the player) mirrors it, progress and mastery bars
included; code and formulas stay left to right.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["player_css", "stylesheet"]

_DARK = """
  --lk-fg: var(--jp-content-font-color0, #e6edf3); --lk-muted: #b4bdc8;
  --lk-bg: var(--jp-layout-color0, #0d1117); --lk-panel: #161b22; --lk-subtle: #262c36;
  --lk-border: #6e7681; --lk-accent: #58a6ff; --lk-on-accent: #0d1117; --lk-focus: #8ab4f8;
  --lk-ok-fg: #8ee6ad; --lk-ok-bg: #12301f; --lk-ok-border: #3fa564;
  --lk-bad-fg: #ffb3ad; --lk-bad-bg: #3a1719; --lk-bad-border: #e5534b;
  --lk-info-fg: #a9cdfb; --lk-info-bg: #14263f; --lk-info-border: #5b9be6;
  --lk-code-bg: #1b1d23; --lk-code-fg: #f8f8f2;
"""

_CSS = """
.lk-player {
  --lk-fg: #1f2328; --lk-muted: #57606a; --lk-bg: #ffffff; --lk-panel: #ffffff;
  --lk-subtle: #eef1f4; --lk-border: #6e7781; --lk-accent: #1565c0; --lk-on-accent: #ffffff;
  --lk-focus: #0b57d0;
  --lk-ok-fg: #0f5d26; --lk-ok-bg: #dcf5e3; --lk-ok-border: #2f8f4e;
  --lk-bad-fg: #8a1020; --lk-bad-bg: #fde8e8; --lk-bad-border: #c2413b;
  --lk-info-fg: #0b4a8b; --lk-info-bg: #e3efff; --lk-info-border: #4a86d6;
  max-width: 46rem; margin: 0 auto; color: var(--lk-fg); background: var(--lk-bg);
  font-family: var(--jp-content-font-family, system-ui, -apple-system, "Segoe UI", Roboto,
    Arial, sans-serif);
  font-size: 1rem; line-height: 1.6; padding: .25rem .5rem 1rem; box-sizing: border-box;
  overflow-wrap: anywhere;
}
body.theme-dark .lk-player, body[data-jp-theme-light="false"] .lk-player { %(dark)s }
@media (prefers-color-scheme: dark) { body.lk-auto .lk-player { %(dark)s } }
.lk-player *, .lk-player *::before, .lk-player *::after { box-sizing: border-box; }
.lk-player .lk-header { border-bottom: 1px solid var(--lk-subtle); padding-bottom: .5rem; }
.lk-player .lk-lesson-title { font-size: .85rem; letter-spacing: .04em; text-transform: uppercase;
  color: var(--lk-muted); margin: 0; font-weight: 600; line-height: 1.4; }
.lk-player .lk-position { font-size: .85rem; color: var(--lk-muted); }
.lk-player .lk-track { display: flex; gap: 4px; margin: .35rem 0 0; }
.lk-player .lk-track span { flex: 1; height: 6px; border-radius: 3px;
  background: var(--lk-subtle); }
.lk-player .lk-track span.lk-done { background: var(--lk-accent); }
.lk-player .lk-track span.lk-now { background: var(--lk-accent); opacity: .55; }
.lk-player .lk-step-title { font-size: 1.5rem; line-height: 1.25; margin: 1rem 0 .5rem;
  color: var(--lk-fg); }
.lk-player .lk-subhead { font-size: 1.05rem; margin: .25rem 0 .5rem; }
.lk-player .lk-route { color: var(--lk-muted); font-size: .9rem; margin: .5rem 0 0; }
.lk-player .lk-body p { margin: .6rem 0; }
.lk-player .lk-body table { border-collapse: collapse; margin: .75rem 0; display: block;
  overflow-x: auto; }
.lk-player .lk-body th, .lk-player .lk-body td { border: 1px solid var(--lk-border);
  padding: .3rem .7rem; text-align: start; }
.lk-player .lk-body th { background: var(--lk-subtle); }
.lk-player img { max-width: 100%; height: auto; }
.lk-player code, .lk-player .lk-code { direction: ltr; unicode-bidi: isolate; }
.lk-player .lk-code { text-align: left; }
.lk-player code { font-family: var(--jp-code-font-family, ui-monospace, monospace);
  font-size: .92em; background: var(--lk-subtle); color: inherit; padding: .05em .3em;
  border-radius: 4px; overflow-wrap: anywhere; }
.lk-player .lk-code { background: var(--lk-code-bg, #eef1f4); color: var(--lk-code-fg, inherit);
  border-radius: 6px; margin: .75rem 0; }
.lk-player .lk-code pre { margin: 0; padding: .75rem 1rem; line-height: 1.45; }
.lk-player .lk-code code, .lk-player .lk-code pre { background: transparent; }
.lk-player .lk-code pre { padding: .75rem 1rem; white-space: pre-wrap; overflow: visible;
  overflow-wrap: anywhere; }
.lk-player .lk-notice { border: 2px solid var(--lk-info-border); background: var(--lk-info-bg);
  color: var(--lk-info-fg); border-radius: 6px; padding: .6rem .9rem; margin: .75rem 0; }
.lk-player .lk-notice p { margin: 0 0 .5rem; }
.lk-player .lk-notice a { color: inherit; }
.lk-player .lk-options { display: flex; flex-direction: column; gap: .5rem; margin: .75rem 0; }
.lk-player .lk-btn { font: inherit; font-size: .95rem; line-height: 1.3; min-height: 2.75rem;
  padding: .45rem 1rem; border-radius: 6px; border: 1px solid var(--lk-border);
  background: var(--lk-panel); color: var(--lk-fg); cursor: pointer; }
.lk-player .lk-btn:hover:not(:disabled) { background: var(--lk-subtle); }
.lk-player .lk-btn-primary { background: var(--lk-accent); border-color: var(--lk-accent);
  color: var(--lk-on-accent); font-weight: 600; }
.lk-player .lk-btn-primary:hover:not(:disabled) { background: var(--lk-accent);
  filter: brightness(1.1); }
.lk-player .lk-btn:disabled { cursor: default; opacity: .6; }
.lk-player .lk-btn-link { border-color: transparent; background: transparent;
  text-decoration: underline; padding-inline: .25rem; }
.lk-player .lk-option { width: 100%; text-align: start; }
.lk-player .lk-option[aria-pressed="true"] { border-width: 2px; border-color: var(--lk-accent); }
.lk-player .lk-option code { background: transparent; }
.lk-player .lk-answer { margin: .75rem 0; border: 0; padding: 0; }
.lk-player .lk-answer legend, .lk-player .lk-label { display: block; font-weight: 600;
  margin: 0 0 .35rem; padding: 0; }
.lk-player .lk-field { display: block; width: 100%; max-width: 28rem; font: inherit;
  font-size: 1rem; padding: .5rem .65rem; min-height: 2.75rem; color: var(--lk-fg);
  background: var(--lk-bg); border: 1px solid var(--lk-border); border-radius: 6px; }
.lk-player textarea.lk-field { max-width: none; min-height: 10rem; line-height: 1.45;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: .92rem;
  tab-size: 4; }
.lk-player textarea.lk-field.lk-free { font-family: inherit; font-size: 1rem; min-height: 6rem; }
.lk-player .lk-field[readonly], .lk-player .lk-field:disabled { background: var(--lk-subtle); }
.lk-player .lk-choice { display: flex; align-items: flex-start; gap: .6rem; padding: .35rem 0; }
.lk-player .lk-choice input { width: 1.25rem; height: 1.25rem; margin: .2rem 0 0; flex: none;
  accent-color: var(--lk-accent); }
.lk-player .lk-choice label { flex: 1; }
.lk-player .lk-order { list-style: none; margin: 0; padding: 0; }
.lk-player .lk-order li { display: flex; align-items: center; gap: .5rem; padding: .35rem .5rem;
  border: 1px solid var(--lk-subtle); border-radius: 6px; margin: 0 0 .35rem; }
.lk-player .lk-order .lk-item { flex: 1; }
.lk-player .lk-order .lk-btn { min-height: 2.5rem; padding: .25rem .6rem; }
.lk-player .lk-row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center;
  margin: .6rem 0 0; }
.lk-player .lk-status { color: var(--lk-muted); font-size: .9rem; margin: .35rem 0; }
.lk-player .lk-feedback:empty { display: none; }
.lk-player .lk-msg { display: block; width: 100%; border-inline-start: 4px solid;
  border-radius: 6px;
  padding: .6rem .9rem; margin: .75rem 0; }
.lk-player .lk-msg > strong:first-child { display: block; }
.lk-player .lk-msg p { margin: .35rem 0; }
.lk-player .lk-msg ul { margin: .35rem 0; padding-inline-start: 1.2rem; }
.lk-player .lk-correct { color: var(--lk-ok-fg); background: var(--lk-ok-bg);
  border-color: var(--lk-ok-border); }
.lk-player .lk-incorrect { color: var(--lk-bad-fg); background: var(--lk-bad-bg);
  border-color: var(--lk-bad-border); }
.lk-player .lk-info { color: var(--lk-info-fg); background: var(--lk-info-bg);
  border-color: var(--lk-info-border); }
.lk-player .lk-msg code { background: transparent; color: inherit; padding: 0; }
.lk-player .lk-hints ol { margin: .5rem 0; padding-inline-start: 1.4rem; }
.lk-player .lk-hints li { margin: .25rem 0; }
/* Feedback and hints mix lessonkit's words with the author's, maybe in another language: each
   paragraph takes the direction of its own text. */
.lk-player .lk-msg-body p, .lk-player .lk-hints li { unicode-bidi: plaintext; }
.lk-player .lk-nav { display: flex; flex-wrap: wrap; gap: .5rem; margin: 1rem 0;
  align-items: center; }
.lk-player .lk-nav .lk-next { margin-inline-start: auto; }
.lk-player .lk-solution { border: 1px dashed var(--lk-border); border-radius: 6px;
  padding: .25rem 1rem; margin: .75rem 0; }
.lk-player .lk-mastery { margin: 1rem 0 .5rem; border-top: 1px solid var(--lk-subtle);
  padding-top: .5rem; }
.lk-player .lk-bar-label { display: flex; justify-content: space-between; gap: .5rem;
  font-size: .9rem; }
.lk-player .lk-bar { height: 8px; border-radius: 4px; background: var(--lk-subtle);
  overflow: hidden; margin: .15rem 0 .35rem; }
.lk-player .lk-bar > span { display: block; height: 100%; background: var(--lk-accent); }
.lk-player .lk-bar.lk-mastered > span { background: var(--lk-ok-border); }
.lk-player .lk-why { font-size: .85rem; color: var(--lk-muted); margin: 0 0 .5rem; }
.lk-player .lk-summary { border: 1px solid var(--lk-border); border-radius: 8px;
  padding: .75rem 1.25rem; margin: 1rem 0; background: var(--lk-panel); }
.lk-player .lk-score { font-size: 2rem; font-weight: 600; margin: .25rem 0; }
.lk-player .lk-footer { margin: 1.5rem 0 0; padding-top: .75rem;
  border-top: 1px solid var(--lk-subtle); }
.lk-player .lk-confirm { border: 2px solid var(--lk-bad-border); border-radius: 6px;
  padding: .6rem .9rem; background: var(--lk-panel); }
.lk-player .lk-confirm p { margin: 0 0 .5rem; }
.lk-player .lk-language { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center;
  margin: 1rem 0 0; font-size: .9rem; }
.lk-player .lk-language .lk-label { display: inline; margin: 0; font-weight: 400; }
.lk-player .lk-language .lk-field { width: auto; min-height: 2.75rem; padding: .25rem .5rem; }
.lk-player[dir="rtl"] .lk-route-mark { display: inline-block; transform: scaleX(-1); }
.lk-player :focus-visible, .lk-player .lk-field:focus { outline: 3px solid var(--lk-focus);
  outline-offset: 2px; }
.lk-player .lk-sr { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }
@media (max-width: 480px) {
  .lk-player { padding: .25rem 0 1rem; }
  .lk-player .lk-step-title { font-size: 1.3rem; }
  .lk-player .lk-nav .lk-btn, .lk-player .lk-row .lk-btn { flex: 1 1 auto; }
  .lk-player .lk-nav .lk-next { margin-inline-start: 0; flex-basis: 100%; order: -1; }
  .lk-player .lk-summary { padding: .5rem .75rem; }
}
@media (forced-colors: active) {
  .lk-player .lk-btn, .lk-player .lk-field, .lk-player .lk-msg, .lk-player .lk-notice,
  .lk-player .lk-summary { border: 1px solid CanvasText; }
  .lk-player .lk-btn-primary { border-width: 3px; }
  .lk-player :focus-visible, .lk-player .lk-field:focus { outline: 3px solid Highlight; }
  .lk-player .lk-bar, .lk-player .lk-track span { border: 1px solid CanvasText; }
  .lk-player .lk-bar > span, .lk-player .lk-track span.lk-done,
  .lk-player .lk-track span.lk-now { forced-color-adjust: none; background: Highlight; }
}
"""


def stylesheet() -> str:
    """The player's stylesheet (player rules plus Pygments colours), as CSS text."""
    return player_css()[len("<style>") : -len("</style>")]


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
