"""``lessonkit feedback add LESSON --question Q --answer A``: targeted feedback for a wrong answer.

The lesson file is edited in place with a minimal text edit (:mod:`lessonkit.lesson.edit`):
comments, key order and quoting stay as they were. The command refuses when the lesson already
answers ``A`` with a message of its own, or accepts it as right (both decided by the real
checker), and when the edited file would not validate; the file is then left untouched. The
message comes from ``--message``, or is asked for (read from standard input when it is not a
terminal).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import LessonkitError

_NUMBER = re.compile(r"^-?(?:0|[1-9]\d{0,15})(?:\.\d{1,15})?$")
_MAX_ANSWER = 500
_MAX_MESSAGE = 4_000


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``feedback`` sub-command."""
    parser = sub.add_parser(
        "feedback",
        help="add targeted feedback for a wrong answer to a lesson file",
        description="Edit a lesson file in place, keeping its comments and layout.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add",
        help="add a `feedback.wrong` entry to a question",
        description="Add targeted feedback for one wrong answer to a question's "
        "`feedback.wrong` list (created if needed). Refused when the lesson already gives that "
        "answer a message of its own or accepts it as right. `lessonkit report STORE --items` "
        "prints this command for common wrong answers that have no feedback yet.",
    )
    add.add_argument("lesson", metavar="LESSON", help="lesson file (*.lesson.yaml)")
    add.add_argument("--question", "-q", required=True, metavar="ID", help="question id")
    add.add_argument("--answer", "-a", required=True, metavar="TEXT", help="the wrong answer")
    add.add_argument(
        "--message", "-m", metavar="TEXT", help="what to tell the learner (asked when omitted)"
    )
    add.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="variant seed to judge the answer in (questions with randomized variants)",
    )
    add.set_defaults(func=run)


def _fail(message: str, code: int = 1) -> int:
    print(f"lessonkit: error: {message}", file=sys.stderr)
    return code


def _read_message(answer: str) -> str | None:
    if sys.stdin is None:
        return None
    if sys.stdin.isatty():
        try:
            return input(f"Message for learners who answer {answer!r}: ")
        except EOFError:
            return None
    return sys.stdin.read(_MAX_MESSAGE + 1)


def run(args: argparse.Namespace) -> int:
    """Add the feedback; 0 done, 1 refused (nothing written), 2 usage error."""
    from ..analytics.coverage import COVERAGE_KINDS, coverage, response_value
    from ..lesson.edit import add_wrong_answer
    from ..lesson.loader import check_source
    from ..lesson.source import decode_source
    from ..lesson.specs import Numeric

    path = Path(args.lesson)
    answer = args.answer.strip()
    if not answer or len(answer) > _MAX_ANSWER:
        return _fail(f"--answer must be 1 to {_MAX_ANSWER} characters", 2)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return _fail(f"cannot read {path}: {exc.strerror or exc}")
    if raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return _fail(f"{path}: only UTF-8 files without a byte-order mark are edited")
    text, problems = decode_source(raw, str(path))
    if text is None:
        return _fail(_lines(problems))
    lesson, problems = check_source(text, str(path))
    if lesson is None:
        return _fail("the lesson does not validate; fix it first:\n" + _lines(problems))
    question = next((q for q in lesson.questions() if q.id == args.question), None)
    if question is None:
        ids = ", ".join(q.id for q in lesson.questions())
        return _fail(f"{path}: no question {args.question!r} (questions: {ids})")
    varies = bool(question.params or question.derived)
    if varies and args.seed is None:
        return _fail(
            f"question {question.id!r} has randomized variants: a wrong answer depends on the "
            "variant. Give --seed N to judge it in one learner's variant, or write a "
            '`feedback.wrong` entry with placeholders (e.g. answer: "{{a}} + {{b}}") by hand'
        )
    before = coverage(question, answer, args.seed)
    if before == "n/a":
        return _fail(f"question {question.id!r} ({question.check.type}) takes no targeted feedback")
    if before != "none":
        return _fail(f"{answer!r} is not a wrong answer without feedback: {COVERAGE_KINDS[before]}")
    message = args.message if args.message is not None else _read_message(answer)
    message = (message or "").strip()
    if not message:
        return _fail("give the message with --message (or type it when asked)", 2)
    if len(message) > _MAX_MESSAGE:
        return _fail(f"the message is longer than {_MAX_MESSAGE} characters", 2)
    value: object = response_value(question, answer)
    if isinstance(question.check, Numeric) and _NUMBER.match(answer):
        value = float(answer) if "." in answer else int(answer)
    try:
        edited = add_wrong_answer(text, question.id, value, message)
    except LessonkitError as exc:
        return _fail(f"{path}: {exc}")
    changed, problems = check_source(edited, str(path))
    if changed is None:
        return _fail(
            "the edit would leave the lesson invalid (nothing written):\n" + _lines(problems)
        )
    now = next(q for q in changed.questions() if q.id == question.id)
    if coverage(now, answer, args.seed) != "targeted":  # pragma: no cover - a defect guard
        return _fail(f"the new entry does not match {answer!r}; nothing written")
    try:
        _write(path, edited)
    except OSError as exc:
        return _fail(f"cannot write {path}: {exc.strerror or exc} (the file is unchanged)")
    print(f"{path}: {question.id}: learners who answer {answer!r} now see: {message}")
    return 0


def _lines(problems: Sequence[object]) -> str:
    return "\n".join(str(p) for p in problems)


def _write(path: Path, text: str) -> None:
    """Replace ``path`` atomically, keeping its permissions."""
    mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
