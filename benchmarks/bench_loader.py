"""Loading and validating lessons of 500 to 20,000 steps, against plain YAML parsing.

For each size, ``check_source`` (decode, YAML with positions, JSON Schema, semantic checks,
building the model) and the baseline ``yaml.load`` with libyaml's ``CSafeLoader`` (what a
tool that only parses would do) run in turns on the same text. The per-step cost at the
largest size over the per-step cost at the smallest shows whether validation is linear. CPU
seconds are recorded next to wall-clock ones: on a shared machine they show the work itself.
"""

from __future__ import annotations

from statistics import median
from typing import Any

import yaml
from timing import compared, interleaved, row

from lessonkit.lesson.loader import check_source


def big_lesson_text(steps: int = 500) -> str:
    """A valid lesson with ``steps`` steps of mixed kinds and branching rules."""
    lines = ["lessonkit: 1", "id: big", "title: A big lesson", "competencies:"]
    lines += [f"  - id: c{i}\n    title: Competency {i}" for i in range(10)]
    lines.append("steps:")
    for i in range(steps - 1):
        nxt = f"s{i + 1}" if i + 2 < steps else "end"
        if i % 3 == 0:
            lines.append(
                f"  - id: s{i}\n    kind: content\n    body: |\n      Text for step {i}"
                f" with $x^{i}$ math.\n    next: {nxt}"
            )
        elif i % 3 == 1:
            lines.append(
                f"  - id: s{i}\n    kind: question\n    prompt: What is {i} + 1?\n"
                f"    check: {{type: numeric, answer: {i + 1}, tolerance: 0.5}}\n"
                f"    competencies: [c{i % 10}]\n    hints: [Add one.]\n"
                f'    next:\n      rules:\n        - when: "attempts >= 2 and not correct"\n'
                f"          goto: {nxt}\n      default: {nxt}"
            )
        else:
            lines.append(
                f"  - id: s{i}\n    kind: question\n    prompt: Pick b\n"
                f"    check: {{type: choice, options: [a, b, c], answer: b}}\n"
                f"    competencies: [c{i % 10}]\n    next: {nxt}"
            )
    lines.append("  - id: end\n    kind: end")
    return "\n".join(lines) + "\n"


def run(quick: bool) -> list[dict[str, Any]]:
    sizes = (500, 2000) if quick else (500, 5000, 20_000)
    repeats = {500: 15, 2000: 5, 5000: 7, 20_000: 5}
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    rows: list[dict[str, Any]] = []
    per_step: dict[int, float] = {}
    for steps in sizes:
        text = big_lesson_text(steps)
        lesson, problems = check_source(text, "big.lesson.yaml")
        assert lesson is not None and not problems, problems[:3]
        cpu: list[list[float]] = []
        ours, base = interleaved(
            [
                lambda text=text: check_source(text, "big.lesson.yaml"),
                lambda text=text: yaml.load(text, Loader=loader),
            ],
            repeat=3 if quick else repeats[steps],
            collect=True,
            cpu=cpu,
        )
        size = f"{steps}-step lesson ({len(text) / 1e6:.1f} MB)"
        rows.append(
            row(f"yaml.load (libyaml) {size} [baseline]", base, cpu_median_s=median(cpu[1]))
        )
        target = 5.0 if steps >= 20_000 else 1.0 if steps <= 500 else None
        result = compared(f"load + validate {size}", ours, base, "yaml.load (libyaml)")
        result["cpu_median_s"] = median(cpu[0])
        # judged on CPU time: on a shared machine the wall clock also counts other work
        if target is not None:
            result["target"] = f"< {target:g} s median (CPU)"
            result["ok"] = result["cpu_median_s"] < target
        per_step[steps] = result["cpu_median_s"] / steps
        result["note"] = f"{per_step[steps] * 1e6:.0f} us CPU per step"
        rows.append(result)
    small, large = min(sizes), max(sizes)
    growth = per_step[large] / per_step[small]
    rows.append(
        {
            "name": f"validation CPU time per step, {large} vs {small} steps",
            "value": growth,
            "unit": "x",
            "target": "<= 1.5 (linear)",
            "ok": growth <= 1.5,
        }
    )
    return rows
