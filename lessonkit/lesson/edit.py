"""Small edits of a lesson file's text that keep everything else as the author wrote it.

A lesson saved through the model (:func:`~lessonkit.lesson.loader.save_lesson`) loses its
comments, key order and quoting. Here the file is parsed only to find where things are (PyYAML
node marks); the change is a few inserted lines at that place, in the file's own indentation
and line endings, and every other byte stays the same. What cannot be changed that way (a
question written as a one-line ``{...}`` mapping, a ``wrong: [...]`` list) is refused with a
message saying what to add by hand.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import LessonkitError

__all__ = ["EditError", "add_wrong_answer", "yaml_scalar"]

_BEFORE = ("max_attempts", "attempt_scores", "solution", "show_solution_after", "next")
"""Keys a new ``feedback:`` goes in front of (the order the lesson format docs use)."""


class EditError(LessonkitError, ValueError):
    """The lesson file cannot be edited as asked; the message says why and what to do."""


def yaml_scalar(value: Any) -> str:
    """``value`` as YAML for one line of a flow mapping: numbers plain, text double-quoted
    (escaped by the YAML emitter), lists as ``[...]``."""
    if isinstance(value, bool) or value is None:
        raise EditError(f"cannot write {value!r} as an answer")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(yaml_scalar(str(v)) for v in value) + "]"
    text = yaml.dump(
        str(value),
        Dumper=yaml.SafeDumper,
        default_style='"',
        allow_unicode=True,
        width=10**9,
    )
    return text.strip()


def _key(node: yaml.MappingNode, name: str) -> tuple[yaml.Node, yaml.Node] | None:
    return next(
        ((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == name),
        None,
    )


def _find_question(root: yaml.Node, question_id: str) -> yaml.MappingNode:
    steps = _key(root, "steps") if isinstance(root, yaml.MappingNode) else None
    if steps is None or not isinstance(steps[1], yaml.SequenceNode):
        raise EditError("the file has no `steps:` list")
    for step in steps[1].value:
        if not isinstance(step, yaml.MappingNode):
            continue
        found = _key(step, "id")
        if found is not None and found[1].value == question_id:
            return step
        items = _key(step, "items")
        if items is not None and isinstance(items[1], yaml.SequenceNode):
            for item in items[1].value:
                if isinstance(item, yaml.MappingNode):
                    own = _key(item, "id")
                    if own is not None and own[1].value == question_id:
                        return item
    raise EditError(f"no step or practice item {question_id!r} in the file")


def _last_leaf(node: yaml.Node) -> yaml.Node:
    """The last node written inside ``node`` (block collections end where the next token
    starts, which may be after comments that belong to what follows)."""
    while not getattr(node, "flow_style", True) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return node


def _line_after(node: yaml.Node) -> int:
    """0-based index of the first line after ``node``'s text."""
    mark = _last_leaf(node).end_mark
    return mark.line if mark.column == 0 else mark.line + 1


def _comments_above(lines: list[str], at: int, indent: int) -> int:
    """Move ``at`` up over comment lines at ``indent`` that introduce the line at ``at``."""
    while at > 0 and lines[at - 1].strip().startswith("#"):
        if len(lines[at - 1]) - len(lines[at - 1].lstrip(" ")) != indent:
            break
        at -= 1
    return at


def _block(node: yaml.Node, what: str, hint: str) -> None:
    if getattr(node, "flow_style", False):
        raise EditError(f"{what} is written in flow style ({{...}} or [...]) on one line; {hint}")


def add_wrong_answer(text: str, question_id: str, answer: Any, message: str) -> str:
    """``text`` with ``{answer: ..., message: ...}`` appended to the question's
    ``feedback.wrong`` list (created as needed). Raises :class:`EditError`."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise EditError(f"the file is not valid YAML: {exc}") from exc
    if root is None:
        raise EditError("the file is empty")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    entry = f"{{answer: {yaml_scalar(answer)}, message: {yaml_scalar(message)}}}"
    snippet = f"feedback: {{wrong: [{entry}]}}"
    question = _find_question(root, question_id)
    _block(question, f"question {question_id!r}", f"add `{snippet}` to it by hand")
    feedback = _key(question, "feedback")
    if feedback is None:
        indent = question.value[0][0].start_mark.column
        # in front of a later key only: a first key shares its line with the item's "- "
        later = question.value[1:]
        at = next((k.start_mark.line for k, _ in later if k.value in _BEFORE), None)
        at = _line_after(question) if at is None else _comments_above(lines, at, indent)
        pad = " " * indent
        new = [f"{pad}feedback:", f"{pad}  wrong:", f"{pad}    - {entry}"]
    else:
        _block(feedback[1], "its `feedback:`", f"add `{entry}` to its `wrong:` list by hand")
        if not isinstance(feedback[1], yaml.MappingNode) or not feedback[1].value:
            raise EditError(f"question {question_id!r}: `feedback:` is not a mapping")
        wrong = _key(feedback[1], "wrong")
        if wrong is None:
            pad = " " * feedback[1].value[0][0].start_mark.column
            at = _line_after(feedback[1])
            new = [f"{pad}wrong:", f"{pad}  - {entry}"]
        else:
            _block(wrong[1], "its `feedback.wrong:` list", f"add `{entry}` to it by hand")
            if not isinstance(wrong[1], yaml.SequenceNode) or not wrong[1].value:
                raise EditError(f"question {question_id!r}: `feedback.wrong:` is not a list")
            first = wrong[1].value[0]
            dash = _dash_column(lines, first)
            at = _line_after(wrong[1])
            new = [f"{' ' * dash}- {entry}"]
    lines[at:at] = [line + newline for line in new]
    return "".join(lines)


def _dash_column(lines: list[str], item: yaml.Node) -> int:
    """The column of the ``-`` that starts a block sequence item."""
    line = lines[item.start_mark.line]
    dash = line.rfind("-", 0, item.start_mark.column)
    if dash < 0:
        raise EditError("cannot find the list's indentation")
    return dash
