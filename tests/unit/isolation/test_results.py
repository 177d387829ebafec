"""Reading the child's result channel strictly: one order, one count, a clean exit."""

from __future__ import annotations

from typing import Any

import pytest

from lessonkit.isolation import plain
from lessonkit.isolation.process import Collected
from lessonkit.isolation.results import interpret

DEFINED = {"kind": "defined", "status": "ok"}
END = {"kind": "end", "output": "hi\n"}


def call(index: int, value: Any = 1, **extra: Any) -> dict[str, Any]:
    return {"kind": "call", "index": index, "status": "returned", "value": value, "shown": "1"}


def run(*records: dict[str, Any], code: int | None = 0, killed: bool = False, **more: Any) -> Any:
    data = b"".join(plain.frame(r) for r in records) + more.pop("tail", b"")
    collected = Collected(
        results=data,
        overflow=more.pop("overflow", False),
        output=more.pop("output", b""),
        returncode=code,
        killed=killed,
        elapsed=0.1,
    )
    return interpret(collected, 2, "bubblewrap")


def test_a_complete_stream_and_a_clean_exit() -> None:
    result = run(DEFINED, call(0, {"t": "tuple", "v": [1, 2]}), call(1), END)
    assert result.status == "ran" and result.output == "hi\n"
    assert [c.value for c in result.calls] == [(1, 2), 1]


def test_a_definition_that_failed_has_no_calls() -> None:
    result = run({"kind": "defined", "status": "syntax", "error": "SyntaxError: x"}, END)
    assert result.status == "syntax" and result.error == "SyntaxError: x" and result.calls == ()


@pytest.mark.parametrize(
    "records",
    [
        [call(0), DEFINED, call(1), END],
        [DEFINED, DEFINED, call(0), call(1), END],
        [DEFINED, call(0), call(0), call(1), END],
        [DEFINED, call(1), call(0), END],
        [DEFINED, call(0), call(1), call(2), END],
        [DEFINED, call(0), END],
        [DEFINED, call(0), call(1), END, END],
        [DEFINED, call(0), {**call(1), "passed": True}, END],
        [DEFINED, call(0), {**call(1), "status": "passed"}, END],
        [DEFINED, call(0), {**call(1), "value": {"t": "exec", "v": []}}, END],
        [{"kind": "defined", "status": "syntax"}, call(0), END],
        [DEFINED, call(0), call(1), {"kind": "end", "output": "", "passed": 2}],
        [{"kind": "verdict", "passed": True}],
    ],
)
def test_any_other_stream_is_untrusted(records: list[dict[str, Any]]) -> None:
    result = run(*records)
    assert result.status == "untrusted" and result.calls == ()


def test_a_complete_stream_from_a_process_that_then_misbehaved_is_untrusted() -> None:
    complete = (DEFINED, call(0), call(1), END)
    assert run(*complete, code=1).status == "untrusted"
    assert run(*complete, killed=True, code=None).status == "untrusted"
    assert run(*complete, tail=b"\x00\x00").status == "untrusted"
    assert run(*complete, overflow=True).status == "untrusted"


def test_a_stream_cut_short_by_the_deadline_is_a_timeout_from_that_call() -> None:
    result = run(DEFINED, call(0), killed=True, code=-9)
    assert result.status == "timeout"
    assert [c.status for c in result.calls] == ["returned", "timeout"]
    assert run(DEFINED, code=128 + 24).status == "timeout"  # CPU limit, as bwrap reports it
    assert run(code=-9, killed=True).calls == ()


def test_a_stream_cut_short_by_an_exit_is_a_crash() -> None:
    result = run(DEFINED, call(0), code=0)
    assert result.status == "crashed" and "before reporting" in result.error
    assert [c.status for c in result.calls] == ["returned", "error"]
    assert "status 3" in run(code=3).error
    assert "SIGSEGV" in run(DEFINED, code=128 + 11).error
    assert run(DEFINED, code=plain.OUT_OF_MEMORY).status == "memory"
    assert run(code=1, output=b"Traceback...\nMemoryError\n").status == "memory"


def test_a_sandbox_that_could_not_be_set_up_says_why() -> None:
    said = b"lessonkit sandbox: cannot limit the scratch directory: Operation not permitted\n"
    result = run(code=plain.DROP_FAILED, output=said)
    assert result.status == "crashed"
    assert result.error == f"the sandbox could not be set up ({said.decode().strip()})"
    assert run(code=plain.DROP_FAILED).error == "the sandbox could not be set up"
