"""Lesson loading and validation speed, against plain YAML parsing of the same text."""

from __future__ import annotations

from typing import Any

import yaml
from timing import per_call

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
    text = big_lesson_text(500)
    lesson, problems = check_source(text, "big.lesson.yaml")
    assert lesson is not None and not problems, problems[:3]
    repeat = 3 if quick else 15
    ours = per_call(lambda: check_source(text, "big.lesson.yaml"), repeat=repeat, warmup=1)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    base = per_call(lambda: yaml.load(text, Loader=loader), repeat=repeat, warmup=1)
    return [
        {"name": "yaml.load (C) 500-step lesson [baseline]", **base},
        {
            "name": "load + validate 500-step lesson",
            **ours,
            "baseline": "yaml.load (C)",
            "ratio": ours["median_s"] / base["median_s"],
            "target": "< 1 s median",
            "ok": ours["median_s"] < 1.0,
        },
    ]
