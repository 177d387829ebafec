"""Live checking in a student copy: hashed keys, and answers recorded for grading.

One semantics for live checking and grading: a response is first read by the *same checker
the grader uses* (with a stand-in spec built from what the copy shows), so text is normalised,
option texts and comma-separated picks are mapped to option values, fractions, decimal commas
and units are read exactly as at grading, and a response the grader would not understand is
not understood live either (no attempt). Only then is its canonical form hashed. A hashed
live check therefore says "right" exactly when the grader accepts the answer as correct.

Numbers: the key is hashed at 9 significant digits (a key that needs more is not hashed). A
response is compared with every 9-digit number within the grader's own tolerance of it (at
most a few); when one of them hashes to the key, the answer is now known and the grader's
numeric checker itself decides. Messages that would give the answer away (the "correct"
message, targeted messages for known wrong answers) are sealed with the answer they belong to
and opened only when that answer is given.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from typing import Any

from ..checks.result import CheckResult, jsonable, make_result
from ..lesson import specs

__all__ = [
    "RECORDED_MESSAGE",
    "canonical_number",
    "check_hashed",
    "check_recorded",
    "digest",
    "seal",
    "unseal",
]

RECORDED_MESSAGE = (
    "Your answer has been recorded for grading. It is not checked now: it will be checked "
    "when your work is graded. You can change it until you move on; the last answer counts."
)
SEP = "\x1f"
ITEM_SEP = "\x1e"
_EPS = 1e-9  # the numeric checker's relative slack (lessonkit.checks.numeric)


def digest(salt: str, canonical: str) -> str:
    """The salted hash of a canonical answer (32 hex digits of SHA-256)."""
    return hashlib.sha256(f"{salt}{SEP}{canonical}".encode()).hexdigest()[:32]


def _stream(salt: str, canonical: str, size: int) -> bytes:
    return hashlib.shake_256(f"seal{SEP}{salt}{SEP}{canonical}".encode()).digest(size)


def seal(salt: str, canonical: str, message: str) -> str:
    """``message`` encrypted with a key derived from the answer it belongs to."""
    data = message.encode()
    mixed = bytes(a ^ b for a, b in zip(data, _stream(salt, canonical, len(data)), strict=True))
    return base64.b64encode(mixed).decode("ascii")


def unseal(salt: str, canonical: str, sealed: str) -> str:
    """The message :func:`seal` sealed, given the same answer ("" if it does not open)."""
    try:
        data = base64.b64decode(sealed.encode("ascii"), validate=True)
        plain = bytes(a ^ b for a, b in zip(data, _stream(salt, canonical, len(data)), strict=True))
        return plain.decode()
    except (ValueError, UnicodeError):
        return ""


def canonical_number(value: float | Decimal) -> str | None:
    """A finite number at 9 significant digits, as hashed (``None`` for inf/nan)."""
    number = float(value)
    if not math.isfinite(number):
        return None
    text = format(number + 0.0, ".9g")
    return "0" if text in ("0", "-0") else text


def _grid(value: Decimal, rounding: str) -> Decimal:
    """``value`` rounded to 9 significant digits in the direction ``rounding``."""
    if value == 0:
        return Decimal(0)
    exponent = value.copy_abs().adjusted() - 8
    return value.quantize(Decimal(1).scaleb(exponent), rounding=rounding)


def number_candidates(value: float) -> list[str]:
    """Canonical forms of every 9-digit number near enough to ``value`` that the grader's
    tolerance (``|value - c| <= 1e-9 |c|``, in floating point) might accept it: a few at most.

    The interval is taken twice as wide as the tolerance, so floating-point rounding at its
    edge cannot drop the key; the grader's own checker then decides (see :func:`_right`).
    """
    if value == 0:
        return ["0"]
    with localcontext() as ctx:
        ctx.prec = 40
        exact = Decimal(value)
        width = exact.copy_abs() * Decimal(2 * _EPS)
        low, high = exact - width, exact + width
        near = exact.copy_abs() * Decimal(_EPS) * Decimal("1.0001")
        points = {exact}
        for x in (low, exact - near, exact, exact + near, high):
            points |= {_grid(x, ROUND_FLOOR), _grid(x, ROUND_CEILING)}
        found = [c for c in sorted(points) if low <= c <= high and _grid(c, ROUND_FLOOR) == c]
    return list(dict.fromkeys(t for c in found if (t := canonical_number(c)) is not None))


def _read(
    kind: str, key: Mapping[str, Any], response: Any, language: str | None = None
) -> CheckResult:
    """The grader's checker run on ``response`` with a stand-in spec (reading, not judging)."""
    from ..checks import check

    stand_in: specs.CheckSpec
    if kind == "choice":
        options = tuple(
            specs.Option(value=str(o["value"]), text=str(o.get("text") or ""))
            for o in key.get("options") or ()
        )
        first = options[0].value if options else ""
        stand_in = specs.Choice(options=options, answer=(first,) if key.get("multiple") else first)
    elif kind in ("number", "sigfigs"):
        stand_in = specs.Numeric(
            answer=0.0,
            units=str(key.get("units") or ""),
            require_units=bool(key.get("require_units")),
        )
    elif kind == "text":
        stand_in = specs.Text(
            answer="\x00",
            case_sensitive=bool(key.get("case_sensitive")),
            ignore_accents=bool(key.get("ignore_accents", True)),
        )
    elif kind == "ordering":
        stand_in = specs.Ordering(
            items=tuple(str(i) for i in key.get("items") or ()), partial_credit=False
        )
    elif kind == "expression":
        stand_in = specs.Expression(
            answer="0", variables=tuple(str(v) for v in key.get("variables") or ())
        )
    else:
        return make_result(response, correct=False)
    return check(stand_in, response, language=language)


def canonical(kind: str, key: Mapping[str, Any], read: CheckResult) -> list[str]:
    """Canonical forms of a response the grader's checker has read (several for a number)."""
    details = read.details
    if kind == "choice":
        picks = details.get("picks")
        values = [str(p) for p in picks] if isinstance(picks, list) else [read.response_text]
        return [SEP.join(sorted(set(values)))]
    if kind == "text":
        from ..checks.text import normalise

        raw = details.get("raw")
        text = str(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else raw
        if not isinstance(text, str):
            return []
        opts = {
            "case_sensitive": bool(key.get("case_sensitive")),
            "ignore_accents": bool(key.get("ignore_accents", True)),
        }
        return [normalise(text, **opts)]
    if kind == "ordering":
        items = [str(i) for i in key.get("items") or ()]
        order = details.get("order")
        return [ITEM_SEP.join(items[i] for i in order)] if isinstance(order, list) else []
    if kind == "sigfigs":
        from ..checks.numeric import _round_sig

        value = details.get("value")
        if not isinstance(value, float) or not math.isfinite(value):
            return []
        text = canonical_number(_round_sig(value, int(key.get("figures", 1))))
        return [text] if text else []
    value = details.get("value")
    return number_candidates(value) if isinstance(value, float) and math.isfinite(value) else []


def check_hashed(
    response: Any, answer: Any = None, *, language: str | None = None, **_: Any
) -> CheckResult:
    """Live check against a hashed key (the ``lessonkit.hashed`` checker); numbers are read
    as learners of ``language`` write them."""
    if not isinstance(answer, Mapping) or "salt" not in answer:
        return check_recorded(response, answer, language=language)
    kind, salt = str(answer.get("kind")), str(answer["salt"])
    read = _read(kind, answer, response, language)
    if not read.understood:
        return read
    if kind in ("number", "sigfigs") and read.details.get("unit") not in (None, _unit(answer)):
        return read  # a wrong unit: the grader says so whatever the number
    hashes = set(answer.get("hashes") or ())
    for form in canonical(kind, answer, read):
        if digest(salt, form) in hashes:
            return _right(kind, answer, response, read, form, language=language)
    feedback = _wrong_message(kind, answer, read)
    if not feedback and kind == "number" and _negated_matches(answer, read):
        feedback = "Check the sign of your answer."
    return make_result(
        response, correct=False, feedback=feedback, text=read.response_text, hashed=True
    )


def _unit(answer: Mapping[str, Any]) -> str:
    from ..checks.numeric import _unit

    return _unit(str(answer.get("units") or ""))


def _right(
    kind: str,
    answer: Mapping[str, Any],
    response: Any,
    read: CheckResult,
    form: str,
    *,
    language: str | None = None,
) -> CheckResult:
    message = unseal(
        str(answer["salt"]),
        form,
        str((answer.get("sealed") or {}).get(digest(str(answer["salt"]), form), "")),
    )
    if kind == "number":  # the key is known now: the grader's own checker decides
        from ..checks.numeric import check_spec

        spec = specs.Numeric(
            answer=float(form),
            units=str(answer.get("units") or ""),
            require_units=bool(answer.get("require_units")),
        )
        result = check_spec(spec, response, language=language)
        if not result.correct:
            return make_result(
                response,
                correct=False,
                feedback=result.feedback,
                text=read.response_text,
                hashed=True,
            )
    return make_result(
        response, correct=True, feedback=message, text=read.response_text, hashed=True
    )


def _wrong_message(kind: str, answer: Mapping[str, Any], read: CheckResult) -> str:
    """The sealed message of a known wrong answer the response matches, else ``""``."""
    salt = str(answer["salt"])
    forms = canonical(kind, answer, read)
    for wrong in answer.get("wrong") or ():
        hashes = set(wrong.get("hashes") or ())
        for form in forms:
            if digest(salt, form) in hashes:
                return unseal(salt, form, str(wrong.get("message", "")))
    return ""


def _negated_matches(answer: Mapping[str, Any], read: CheckResult) -> bool:
    value = read.details.get("value")
    if not isinstance(value, float) or not value:
        return False
    hashes = set(answer.get("hashes") or ())
    return any(digest(str(answer["salt"]), f) in hashes for f in number_candidates(-value))


def check_recorded(
    response: Any, answer: Any = None, *, language: str | None = None, **_: Any
) -> CheckResult:
    """Record without judging (the ``lessonkit.recorded`` checker): checked at grading.

    A response the grader could not read (no number, a syntax error...) is "not understood"
    here too, so the learner can fix it; anything else is kept with ``details["recorded"]``,
    which the session treats as neither right nor wrong.
    """
    shown = answer if isinstance(answer, Mapping) else {}
    kind = {"numeric": "number"}.get(str(shown.get("input")), str(shown.get("input")))
    if kind in ("choice", "number", "text", "ordering", "expression"):
        read = _read(kind, shown, response, language)
        if not read.understood:
            return read
    elif kind == "code":
        problem = _code_problem(response, str(shown.get("name") or ""))
        if problem:
            return make_result(response, correct=False, feedback=problem, understood=False)
    elif response is None or (isinstance(response, str) and not response.strip()):
        return make_result(
            response, correct=False, feedback="Please give an answer.", understood=False
        )
    raw = jsonable(response)
    return CheckResult(
        correct=False,
        score=0.0,
        feedback=RECORDED_MESSAGE,
        details={"raw": raw, "recorded": True, "graded": False},
        response_text=raw if isinstance(raw, str) else str(raw),
    )


def _code_problem(response: Any, name: str) -> str:
    """Why source text cannot be graded (a syntax error, ``name`` never defined), or ``""``.

    The code is parsed, never run: running it is the grader's job, in its sandbox.
    """
    import ast

    if not isinstance(response, str) or not response.strip():
        return "Please write some code."
    if len(response) > 100_000:
        return "Your code is too long to be checked."
    try:
        tree = ast.parse(response)
    except SyntaxError as exc:
        return f"Your code has a syntax error: {exc.msg} (line {exc.lineno})."
    except (ValueError, RecursionError, MemoryError):
        return "Your code could not be read."
    if name and name not in _top_level_names(tree.body):
        return f"Please define `{name}` in your code."
    return ""


def _top_level_names(body: Sequence[Any]) -> set[str]:
    import ast

    names: set[str] = set()
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.If | ast.Try | ast.With | ast.For | ast.While):
            for part in ("body", "orelse", "finalbody", "handlers"):
                names |= _top_level_names(getattr(node, part, []) or [])
        elif isinstance(node, ast.ExceptHandler):
            names |= _top_level_names(node.body)
    return names
