"""``lessonkit new``: a lesson folder (lesson file + launcher notebook) that validates."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import LessonDefinitionError
from .schema import SCHEMA_URL

__all__ = ["launcher_notebook", "new_lesson", "slug"]

_TEMPLATE = """\
# yaml-language-server: $schema={schema}
# {title}: a lessonkit lesson. Check it with `lessonkit validate {folder}`;
# open it with `lessonkit serve {folder}` or the launcher notebook beside this file.
# The format is described in docs/lesson-format.md; the line above lets an editor with the
# YAML language server (e.g. VS Code's YAML extension) complete and check it as you type.
lessonkit: 1
id: {ident}
title: {title_yaml}
version: "0.1"
description: What learners will be able to do after this lesson.
competencies:
  - id: first-skill
    title: The first thing learners practise
steps:
  - id: welcome
    kind: content
    title: Welcome
    body: |
      Say what this lesson is about and why it matters. Markdown, $\\LaTeX$ math and
      code blocks all work.
    next: confidence

  - id: confidence
    kind: choice
    prompt: How confident do you feel about this topic?
    field: confidence
    options:
      - {{value: low, label: "Not yet"}}
      - {{value: high, label: "Quite confident"}}
    next:
      rules:
        - when: profile.confidence == 'high'
          goto: check
      default: explain

  - id: explain
    kind: content
    title: The idea
    body: |
      Explain the idea with a short example.
    next: check

  - id: check
    kind: question
    prompt: What is $6 \\times 7$?
    check: {{type: numeric, answer: 42}}
    competencies: [first-skill]
    hints:
      - Six sevens are the same as seven sixes.
    feedback:
      wrong:
        - {{answer: 13, message: "That is $6 + 7$; we want the product."}}
    max_attempts: 3
    next:
      rules:
        - when: not correct
          goto: explain-again
      default: done

  - id: explain-again
    kind: content
    body: $6 \\times 7 = 42$ — seven groups of six.
    next: done

  - id: done
    kind: end
    body: Well done! Say what to do next.
"""


def launcher_notebook(lesson_file: str, title: str) -> dict[str, object]:
    """A minimal nbformat-4 notebook that shows ``lesson_file`` with one line."""
    return {
        "cells": [
            {
                "cell_type": "markdown",
                "id": "title",
                "metadata": {},
                "source": [f"# {title}\n", "\n", "Run the cell below to start the lesson."],
            },
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "launch",
                "metadata": {"lessonkit": {"launcher": True}},
                "outputs": [],
                "source": ["import lessonkit\n", "\n", f'lessonkit.show("{lesson_file}")'],
            },
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def slug(name: str, what: str = "lesson") -> tuple[str, str]:
    """An id (``Fractions intro`` -> ``fractions-intro``) and a title for ``name``."""
    ident = re.sub(r"[^A-Za-z0-9_-]+", "-", name.strip()).strip("-").lower()
    if not ident:
        raise LessonDefinitionError(f"{name!r} is not a usable {what} name")
    return ident, name.strip().replace("-", " ").replace("_", " ").capitalize()


def new_lesson(name: str, parent: Path = Path(".")) -> Path:
    """Create ``parent/name/`` with ``name.lesson.yaml`` and ``name.ipynb``; return the folder."""
    ident, title = slug(name)
    folder = parent / ident
    if folder.exists():
        raise LessonDefinitionError(f"{folder} already exists; choose another name")
    folder.mkdir(parents=True)
    lesson_file = f"{ident}.lesson.yaml"
    (folder / lesson_file).write_text(
        _TEMPLATE.format(
            ident=ident,
            title=title,
            title_yaml=json.dumps(title, ensure_ascii=False),
            folder=folder,
            schema=SCHEMA_URL,
        ),
        encoding="utf-8",
    )
    notebook = launcher_notebook(lesson_file, title)
    (folder / f"{ident}.ipynb").write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")
    return folder
