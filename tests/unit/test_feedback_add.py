"""``lessonkit feedback add``: a minimal edit of a lesson file, checked by the real checker."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from lessonkit import LessonSession
from lessonkit.cli import main
from lessonkit.lesson.edit import EditError, add_wrong_answer
from lessonkit.lesson.loader import check_file, load_lesson, loads_lesson

ROOT = Path(__file__).resolve().parents[2]
LOOPS = ROOT / "lessons" / "loops" / "loops.lesson.yaml"
CENTER = ROOT / "lessons" / "center-spread" / "center-spread.lesson.yaml"


def copy(tmp_path: Path, source: Path = LOOPS) -> Path:
    target = tmp_path / source.name
    shutil.copy(source, target)
    return target


def added_lines(before: str, after: str) -> list[str]:
    """The lines ``after`` has beyond ``before``; fails unless every old line is unchanged and
    in order (the edit only inserted)."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    extra, i = [], 0
    for line in new:
        if i < len(old) and line == old[i]:
            i += 1
        else:
            extra.append(line)
    assert i == len(old), "an original line was changed or lost"
    return extra


def play_q_range(lesson_file: Path, answer: str) -> str:
    """The feedback the real engine gives ``answer`` to ``q-range`` of the loops lesson."""
    session = LessonSession(load_lesson(lesson_file), learner="tester", seed=3)
    session.start()
    session.advance()  # welcome -> confidence
    session.choose("new")  # -> for-intro
    session.advance()  # -> q-range
    assert session.current.step.id == "q-range"
    result = session.submit(answer).result
    assert result is not None and not result.correct
    return result.feedback


def test_add_to_an_existing_list_and_play_it(tmp_path: Path) -> None:
    lesson_file = copy(tmp_path)
    before = lesson_file.read_text(encoding="utf-8")
    message = "10 is `stop` itself: `range` stops *before* it."
    assert "stops *before* it" not in play_q_range(lesson_file, "10")
    code = main(["feedback", "add", str(lesson_file), "-q", "q-range", "-a", "10", "-m", message])
    assert code == 0
    after = lesson_file.read_text(encoding="utf-8")
    assert added_lines(before, after) == [
        '        - {answer: 10, message: "10 is `stop` itself: `range` stops *before* it."}\n'
    ]
    assert check_file(lesson_file) == []
    assert message in play_q_range(lesson_file, "10")
    assert message in play_q_range(lesson_file, " 10.0 ")  # the checker matches, not the text


def test_a_question_without_feedback_gets_a_block_before_its_limits(tmp_path: Path) -> None:
    lesson_file = copy(tmp_path, CENTER)
    before = lesson_file.read_text(encoding="utf-8")
    args = ["feedback", "add", str(lesson_file), "-q", "q-outlier", "-a", "median"]
    assert main([*args, "-m", "x"]) == 1  # the option already has feedback
    args = ["feedback", "add", str(lesson_file), "-q", "pretest", "-a", "median"]
    assert main([*args, "-m", "The IQR stays too."]) == 0
    after = lesson_file.read_text(encoding="utf-8")
    assert added_lines(before, after) == [
        "    feedback:\n",
        "      wrong:\n",
        '        - {answer: ["median"], message: "The IQR stays too."}\n',
    ]
    lines = after.splitlines()
    assert lines[lines.index("    feedback:") + 3] == "    max_attempts: 1"
    pretest = load_lesson(lesson_file).step("pretest")
    assert pretest.feedback.wrong[0].answer == ["median"]  # type: ignore[attr-defined]


def test_a_feedback_mapping_without_wrong_gets_one(tmp_path: Path) -> None:
    text = LOOPS.read_text(encoding="utf-8")
    block = text[text.index("    feedback:\n      wrong:\n        - {answer: continue") :]
    block = block[: block.index("    next: practice")]
    text = text.replace(block, "    feedback:\n      incorrect: Think of the loop.\n")
    assert loads_lesson(text).step("q-break").feedback.wrong == ()  # type: ignore[attr-defined]
    edited = add_wrong_answer(text, "q-break", "exit", "`exit` is not a Python keyword.")
    assert added_lines(text, edited) == [
        "      wrong:\n",
        '        - {answer: "exit", message: "`exit` is not a Python keyword."}\n',
    ]
    assert "incorrect: Think of the loop.\n      wrong:\n" in edited
    assert loads_lesson(edited).step("q-break").feedback.wrong[0].answer == "exit"  # type: ignore[attr-defined]


def test_hostile_text_stays_text_and_crlf_stays_crlf(tmp_path: Path) -> None:
    lesson_file = tmp_path / "loops.lesson.yaml"
    lesson_file.write_bytes(LOOPS.read_bytes().replace(b"\n", b"\r\n"))
    answer = 'bre"ak # not: a comment'
    message = '"}\n  - id: evil\n    kind: end\n{x: [1, 2 \u2028 caf\u00e9 \\ done'
    code = main(["feedback", "add", str(lesson_file), "-q", "q-break", "-a", answer, "-m", message])
    assert code == 0
    raw = lesson_file.read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    lesson = load_lesson(lesson_file)
    assert not lesson.has_step("evil")
    wrong = lesson.step("q-break").feedback.wrong[-1]  # type: ignore[attr-defined]
    assert (wrong.answer, wrong.message) == (answer, message.strip())


def test_refusals_leave_the_file_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lesson_file = copy(tmp_path)
    before = lesson_file.read_bytes()
    cases = [
        (["-q", "q-range", "-a", "5.0", "-m", "x"], 1, "a `feedback.wrong` entry"),
        (["-q", "q-range", "-a", "4", "-m", "x"], 1, "accepts this answer"),
        (["-q", "q-range", "-a", "four", "-m", "x"], 1, "can no longer read"),
        (["-q", "ex-sum", "-a", "x", "-m", "x"], 1, "takes no targeted feedback"),
        (["-q", "p-range-count", "-a", "3", "-m", "x"], 1, "randomized variants"),
        (["-q", "nope", "-a", "3", "-m", "x"], 1, "no question 'nope'"),
        (["-q", "q-range", "-a", "7", "-m", "  "], 2, "give the message"),
    ]
    for extra, code, words in cases:
        assert main(["feedback", "add", str(lesson_file), *extra]) == code, extra
        err = capsys.readouterr().err
        assert err.startswith("lessonkit: error:") and words in err, err
        assert lesson_file.read_bytes() == before


def test_flow_style_is_refused_with_what_to_add(tmp_path: Path) -> None:
    text = LOOPS.read_text(encoding="utf-8")
    one_line = (
        "  - {id: q-flow, kind: question, prompt: Two, check: {type: numeric, answer: 2}, "
        "next: done}\n"
    )
    text = text.replace("  - id: done\n", one_line + "\n  - id: done\n")  # found, not run
    with pytest.raises(EditError, match=r"flow style.*feedback: \{wrong: \[\{answer: 3"):
        add_wrong_answer(text, "q-flow", 3, "no")


def test_the_message_can_be_typed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lesson_file = copy(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("Count the values: 2, 4, 6, 8.\n"))
    assert main(["feedback", "add", str(lesson_file), "-q", "q-range", "-a", "3"]) == 0
    assert "Count the values: 2, 4, 6, 8." in play_q_range(lesson_file, "3")


def test_the_printed_command_runs_as_printed_whatever_the_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer that looks like an option, or holds quotes and spaces, survives the shell;
    one with control characters (terminal escapes) gets no command at all."""
    import shlex

    from lessonkit.analytics.items import feedback_command

    lesson_file = copy(tmp_path)
    for answer in ("-m", "it's `break`; rm -rf ~", "--question=q-range"):
        line = feedback_command(str(lesson_file), "q-break", answer)
        words = shlex.split(line)
        assert words[:3] == ["lessonkit", "feedback", "add"]
        monkeypatch.setattr("sys.stdin", io.StringIO(f"Not {answer}.\n"))
        assert main(words[1:]) == 0, line
        wrong = load_lesson(lesson_file).step("q-break").feedback.wrong  # type: ignore[attr-defined]
        assert (wrong[-1].answer, wrong[-1].message) == (answer, f"Not {answer}.")
    assert feedback_command(str(lesson_file), "q-break", "\x1b[2Jhi") == ""
    assert feedback_command(str(lesson_file), "q-break", "two\nlines") == ""


def test_a_question_whose_first_key_is_next_gets_feedback_at_its_end() -> None:
    text = (
        "lessonkit: 1\nid: t\ntitle: T\nsteps:\n"
        "  - next: done\n    id: q\n    kind: question\n    prompt: Two\n"
        "    check: {type: numeric, answer: 2}\n"
        "  # the end step\n  - id: done\n    kind: end\n"
    )
    edited = add_wrong_answer(text, "q", 3, "Count again.")
    assert "    check: {type: numeric, answer: 2}\n    feedback:\n" in edited
    assert '        - {answer: 3, message: "Count again."}\n  # the end step\n' in edited
    assert loads_lesson(edited).step("q").feedback.wrong[0].answer == 3  # type: ignore[attr-defined]
