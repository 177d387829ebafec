"""JupyterQuiz questions kept in a notebook: hidden HTML elements and the JSON files it shows.

JupyterQuiz reads questions from a hidden element of a Markdown cell
(``<span style="display:none" id="quiz1">[...]</span>``, the JSON as it is or base64-encoded,
so learners do not read the answers), or from a JSON file named in
``display_quiz("questions.json")``. Both are found here; the notebook's code is never run.
A question is named by its cell and element, ``notebook.ipynb[cell 9 #quiz1 1]``, and
questions from a JSON file by that file's line.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from typing import Any

from .bank import BankItem, Where
from .htmltext import TextContext
from .jupyterquiz import decode, questions_of, read_jupyterquiz, reader_for
from .untrusted import BankFileError

__all__ = ["read_notebook", "read_quiz_file"]

_HIDDEN = re.compile(r"<(span|div)\b([^>]*)>(.*?)</\1\s*>", re.S | re.I)
_SHOWN = re.compile(r"""display_quiz\(\s*(?:ref\s*=\s*)?["']([^"'#][^"']*\.json)["']""")


def _hidden_questions(content: str) -> list[Any] | None:
    """The questions in a hidden element's content (JSON, or base64 of JSON), if any."""
    text = html.unescape(content).strip()
    try:
        decoded = base64.b64decode("".join(text.split()), validate=True).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        decoded = ""
    for candidate in (text, decoded):
        try:
            data = json.loads(candidate)
        except (ValueError, RecursionError):
            continue
        if isinstance(data, dict):
            data = [data]
        if isinstance(data, list) and all(isinstance(q, dict) and "type" in q for q in data):
            return data
    return None


def read_quiz_file(data: bytes, source: str, ctx: TextContext) -> list[BankItem]:
    """The questions of a JupyterQuiz file: a notebook's (``.ipynb``) or plain JSON's."""
    if source.lower().endswith(".ipynb"):
        return read_notebook(decode(data), source, ctx)
    return read_jupyterquiz(data, source, ctx)


def read_notebook(text: str, source: str, ctx: TextContext) -> list[BankItem]:
    """The JupyterQuiz questions of a notebook, in cell order."""
    try:
        cells = json.loads(text).get("cells", [])
    except (ValueError, RecursionError, AttributeError) as exc:
        raise BankFileError(f"not a notebook: {exc}") from exc
    reader = reader_for(source, ctx)
    items: list[BankItem] = []
    for n, cell in enumerate(cells if isinstance(cells, list) else [], 1):
        if not isinstance(cell, dict):
            continue
        body = cell.get("source", "")
        body = "".join(body) if isinstance(body, list) else str(body)
        if cell.get("cell_type") == "markdown":
            for match in _HIDDEN.finditer(body):
                attrs = match.group(2)
                if not re.search(r"display\s*:\s*none", attrs, re.I):
                    continue
                found = _hidden_questions(match.group(3))
                if found is None:
                    continue
                ident = re.search(r"""\bid\s*=\s*["']([^"']+)""", attrs)
                label = f"cell {n}" + (f" #{ident.group(1)}" if ident else "")
                for k, question in enumerate(found, 1):
                    where = Where(source, item=f"{label} {k}" if len(found) > 1 else label)
                    items.append(reader.item(where, question))
        elif cell.get("cell_type") == "code":
            for ref in _SHOWN.findall(body):
                items.extend(_from_file(ref, source, ctx))
    return items


def _from_file(ref: str, source: str, ctx: TextContext) -> list[BankItem]:
    """Questions of a JSON file the notebook shows (found beside it, never outside)."""
    found = ctx.resolve(ref)
    label = f"{source}->{ref}"
    if found is None:
        where = Where(label)
        reason = "the notebook shows questions from this file, which is not beside it"
        return [BankItem(where=where, kind="unsupported", source_type="file", skip_reason=reason)]
    reader = reader_for(label, ctx)
    try:
        text = found[1].decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BankFileError(f"{ref}: not UTF-8 text") from exc
    return [reader.item(Where(label, line=line), q) for line, q in questions_of(text)]
