"""What a run of learner code produced, read strictly from the child's result channel.

The child's records are believed only as far as they go: "the function returned these values
for these inputs". The stream must be exactly one ``defined`` record, then (if the code
defined the name) one ``call`` record per call in order, then one ``end`` record, and the
process must exit cleanly right after. A missing record is a crash or a timeout; an extra,
repeated, misplaced or malformed one — which only learner code writing to the channel can
produce — makes the whole run :data:`UNTRUSTED`.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from typing import Any

from . import plain
from .plain import DROP_FAILED, OUT_OF_MEMORY
from .process import Collected

__all__ = ["UNTRUSTED", "CallOutcome", "LearnerRun", "interpret"]

UNTRUSTED = "untrusted"
_DEFINED = {"ok", "syntax", "error", "timeout", "memory", "missing"}
_CALLS = {"returned", "uncomparable", "error", "timeout", "memory", "not run"}
_TEXT_LIMIT = 2_000


@dataclass(frozen=True, slots=True, kw_only=True)
class CallOutcome:
    """What one call of the learner's function did."""

    status: str
    """``returned``, ``uncomparable``, ``error``, ``timeout``, ``memory`` or ``not run``."""
    value: Any = None
    """The returned value as plain builtin data (``returned`` only)."""
    shown: str = ""
    """``repr`` of what was returned, for feedback (learner-controlled text)."""
    error: str = ""
    """The exception, or what kind of object could not be compared."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LearnerRun:
    """The outcome of :func:`lessonkit.isolation.run_learner_code`."""

    status: str
    """``ran`` (see :attr:`calls`), ``syntax``, ``error``, ``missing``, ``timeout``,
    ``memory``, ``crashed``, ``untrusted`` or ``unavailable`` (nothing was run)."""
    calls: tuple[CallOutcome, ...] = ()
    """One outcome per call, in order (also when the run timed out or crashed part way)."""
    error: str = ""
    """Why, for ``syntax``, ``error``, ``crashed``, ``untrusted`` and ``unavailable``."""
    output: str = ""
    """What the learner's code printed (truncated)."""
    elapsed: float = 0.0
    """Wall-clock seconds the run took."""
    isolation: str = ""
    """``bubblewrap``, or ``none`` when isolation was turned off."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Diagnostics for operators (exit status, the untrusted record)."""


def _text(value: Any) -> str:
    return value[:_TEXT_LIMIT] if isinstance(value, str) else ""


def _call(record: dict[str, Any], index: int) -> CallOutcome:
    """One ``call`` record, checked; ``ValueError`` if it is not what the child writes."""
    allowed = {"kind", "index", "status", "value", "shown", "error"}
    if set(record) - allowed or record.get("index") != index or record.get("status") not in _CALLS:
        raise ValueError(f"unexpected call record for call {index}")
    status = str(record["status"])
    if (status == "returned") != ("value" in record):
        raise ValueError(f"call {index}: a value must come with 'returned' and only with it")
    value = plain.decode(record["value"]) if status == "returned" else None
    return CallOutcome(
        status=status,
        value=value,
        shown=_text(record.get("shown")),
        error=_text(record.get("error")),
    )


@dataclass(slots=True)
class _Stream:
    defined: dict[str, Any] | None = None
    calls: list[CallOutcome] = field(default_factory=list)
    end: dict[str, Any] | None = None


def _read(records: list[dict[str, Any]], expected: int) -> _Stream:
    """Walk the records in the one order the child writes them; ``ValueError`` otherwise."""
    stream = _Stream()
    for record in records:
        kind = record.get("kind")
        if stream.end is not None:
            raise ValueError("records after the end")
        if stream.defined is None:
            if kind != "defined" or record.get("status") not in _DEFINED:
                raise ValueError("the first record is not the definition")
            if set(record) - {"kind", "status", "error"}:
                raise ValueError("unexpected fields in the definition record")
            stream.defined = record
        elif kind == "call":
            if stream.defined["status"] != "ok" or len(stream.calls) >= expected:
                raise ValueError("a call record that was not asked for")
            stream.calls.append(_call(record, len(stream.calls)))
        elif kind == "end":
            calls_due = expected if stream.defined["status"] == "ok" else 0
            if len(stream.calls) != calls_due or set(record) != {"kind", "output"}:
                raise ValueError("the end record came early or is malformed")
            stream.end = record
        else:
            raise ValueError(f"unexpected record {kind!r}")
    return stream


def _unfinished(calls: list[CallOutcome], expected: int, status: str) -> tuple[CallOutcome, ...]:
    """The calls received, the one in progress marked ``status``, the rest ``not run``."""
    rest = [CallOutcome(status=status)] + [CallOutcome(status="not run")] * expected
    return tuple(calls + rest)[:expected]


def _signal_name(code: int) -> str:
    number = -code if code < 0 else code - 128  # bwrap reports 128 + signal
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _died_of(code: int, limit_signals: tuple[int, ...]) -> bool:
    return any(code in (-sig, 128 + sig) for sig in limit_signals)


def interpret(collected: Collected, expected: int, isolation: str) -> LearnerRun:
    """A :class:`LearnerRun` from what the child process left behind."""
    base: dict[str, Any] = {"elapsed": collected.elapsed, "isolation": isolation}
    code = collected.returncode
    base["extra"] = {"returncode": code}
    raw_output = collected.output.decode("utf-8", "replace")

    def untrusted(why: str) -> LearnerRun:
        base["extra"]["untrusted"] = why
        return LearnerRun(status=UNTRUSTED, error=why, **base)

    try:
        records, rest = plain.unframe(collected.results)
        stream = _read(records, expected)
    except (ValueError, RecursionError) as exc:
        return untrusted(str(exc))
    if collected.overflow:
        return untrusted("the result channel was flooded")
    base["output"] = _text(stream.end.get("output")) if stream.end else ""
    base["extra"]["stderr"] = raw_output[-_TEXT_LIMIT:]
    if stream.end is not None and (collected.killed or code != 0 or rest):
        return untrusted("the process went on after reporting its end")
    if stream.end is not None:
        defined = stream.defined or {}
        status = "ran" if defined.get("status") == "ok" else str(defined.get("status"))
        return LearnerRun(
            status=status, calls=tuple(stream.calls), error=_text(defined.get("error")), **base
        )
    # The stream stopped early: the deadline passed, a limit struck, or the process ended.
    ran = stream.defined is not None and stream.defined.get("status") == "ok"
    if collected.killed or (code is not None and _died_of(code, (signal.SIGXCPU, signal.SIGKILL))):
        return LearnerRun(
            status="timeout",
            calls=_unfinished(stream.calls, expected, "timeout") if ran else (),
            **base,
        )
    if code == OUT_OF_MEMORY or "MemoryError" in raw_output[-500:]:
        return LearnerRun(
            status="memory",
            calls=_unfinished(stream.calls, expected, "memory") if ran else (),
            **base,
        )
    if code == DROP_FAILED:  # the child's confine step said why on stderr
        said = [line for line in raw_output.splitlines() if line.startswith("lessonkit sandbox:")]
        why = f" ({said[-1][:200]})" if said else ""
        return LearnerRun(status="crashed", error=f"the sandbox could not be set up{why}", **base)
    if code is None:
        why = "the process could not be ended"
    elif code == 0:
        why = "the process ended before reporting its results"
    elif code < 0 or code > 128:
        why = f"the process was killed by {_signal_name(code)}"
    else:
        why = f"the process exited with status {code}"
    last = [line for line in raw_output.splitlines() if line.strip()][-1:]
    why += f" ({last[0][:200]})" if last else ""
    return LearnerRun(
        status="crashed",
        calls=_unfinished(stream.calls, expected, "error") if ran else (),
        error=why,
        **base,
    )
