"""QTI packages made by two tools instructors use: text2qti (from the example quizzes of its
own README, in its sdist on PyPI) and qti-package-maker (Canvas QTI 1.2 and Blackboard QTI
2.1). Right answers come from the tools' inputs, never from lessonkit's reader."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.interop.banks import feedback_for, imported, play_right, steps_of, valid
from tests.interop.conftest import import_cli


def _text2qti_examples(readme: Path) -> list[str]:
    text = readme.read_text(encoding="utf-8")
    section = text[text.index("## Examples") : text.index("## File format")]
    return re.findall(r"^```\n(.*?)^```", section, re.S | re.M)


def _text2qti_key(quiz: str) -> list[tuple[Any, list[tuple[str, str]]]]:
    """Per question: the right answer, and (wrong choice, its feedback) pairs."""
    keys: list[tuple[Any, list[tuple[str, str]]]] = []
    for block in re.split(r"(?m)^(?=\d+\.\s)", quiz)[1:]:
        lines = block.splitlines()
        right = [
            m.group(1).strip() for m in (re.match(r"\*[a-z]\)\s+(.*)", ln) for ln in lines) if m
        ]
        multi = [m.group(1).strip() for m in (re.match(r"\[\*\]\s+(.*)", ln) for ln in lines) if m]
        number = [m.group(1).strip() for m in (re.match(r"=\s+(.*)", ln) for ln in lines) if m]
        short = [m.group(1).strip() for m in (re.match(r"\*\s+(.*)", ln) for ln in lines) if m]
        wrong = []
        for i, line in enumerate(lines):
            m = re.match(r"[a-z]\)\s+(.*)", line)
            if m and i + 1 < len(lines) and lines[i + 1].startswith("..."):
                wrong.append((m.group(1).strip(), lines[i + 1][3:].strip()))
        if right:
            keys.append((right[0], wrong))
        elif multi:
            keys.append((multi, wrong))
        elif number:
            spec = number[0]
            if spec.startswith("["):
                low, high = (float(v) for v in spec.strip("[]").split(","))
                keys.append((str((low + high) / 2), []))
            else:
                keys.append((spec.split("+-")[0].strip(), []))
        elif short:
            keys.append((short[0], []))
        elif re.search(r"(?m)^_{3,}", block):
            keys.append(("An essay of enough words to count as an answer. " * 3, []))
        else:
            keys.append((None, []))  # a file upload: skipped by the import
    return keys


def test_text2qti_readme_quizzes_import_validate_and_play(sdist: Any, tmp_path: Path) -> None:
    examples = _text2qti_examples(sdist("text2qti") / "README.md")
    assert len(examples) >= 6
    played = 0
    for n, quiz in enumerate(examples):
        source = tmp_path / f"quiz{n}.md"
        source.write_text(quiz, encoding="utf-8")
        made = subprocess.run(
            [str(Path(sys.executable).with_name("text2qti")), source.name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert made.returncode == 0, made.stderr
        out = tmp_path / f"quiz{n}.lesson.yaml"
        done = import_cli(tmp_path / f"quiz{n}.zip", "-o", out, "--json", "--allow-partial")
        keys = [k for k in _text2qti_key(quiz) if k[0] is not None]
        if "^^^" in quiz:  # a file-upload question: reported as skipped, nothing written
            assert "file_upload_question" in done.stdout and not out.exists()
            continue
        assert done.returncode == 0, done.stderr + done.stdout
        valid(out)
        findings = [f for f in imported(done.stdout) if "text_only" not in f["message"]]
        assert len(findings) == len(keys)
        script = {steps_of(f)[0]: [key] for f, (key, _) in zip(findings, keys, strict=True)}
        play_right(out, script)
        for finding, (_, wrong) in zip(findings, keys, strict=True):
            for answer, message in wrong:
                assert message in feedback_for(out, steps_of(finding)[0], answer)
        played += 1
    assert played >= 6


ITEMS = [
    ("MC", ("What color is a clear sky?", ["blue", "green", "red"], "blue"), ["blue"]),
    ("MA", ("Which are primes?", ["2", "3", "4", "9"], ["2", "3"]), [["2", "3"]]),
    ("NUM", ("What is 2.5 times 2?", 5.0, 0.1), ["5.05"]),
    ("FIB", ("The capital of France is ____.", ["Paris"]), ["paris"]),
    (
        "MATCH",
        (
            "Match each country to its capital.",
            ["France", "Italy", "Japan"],
            ["Paris", "Rome", "Tokyo"],
        ),
        ["Paris", "Rome", "Tokyo"],
    ),
]


@pytest.mark.parametrize("engine", ["canvas_qti_v1_2", "blackboard_qti_v2_1"])
def test_qti_package_maker_packages_import_validate_and_play(engine: str, tmp_path: Path) -> None:
    from qti_package_maker import package_interface

    bank = package_interface.QTIPackageInterface("lessonkit-test", allow_mixed=True)
    items = list(ITEMS)
    if engine == "blackboard_qti_v2_1":
        items.append(
            ("ORDER", ("Smallest first.", ["one", "two", "three"]), [["one", "two", "three"]])
        )
    for kind, spec, _ in items:
        bank.add_item(kind, spec)
    package = Path(bank.save_package(engine, str(tmp_path / f"{engine}.zip")))
    out = tmp_path / "bank.lesson.yaml"
    done = import_cli(package, "-o", out, "--json")
    assert done.returncode == 0, done.stderr + done.stdout
    valid(out)
    findings = imported(done.stdout)
    assert len(findings) == len(items)
    script: dict[str, list[Any]] = {}
    for finding, (kind, _, right) in zip(findings, items, strict=True):
        steps = steps_of(finding)
        if kind == "MATCH":
            script.update({s: [r] for s, r in zip(steps, right, strict=True)})
        else:
            script[steps[0]] = right
    play_right(out, script)


def test_a_text2qti_question_group_is_imported_and_reported(sdist: Any, tmp_path: Path) -> None:
    readme = (sdist("text2qti") / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Question groups") :]
    (group,) = re.findall(r"^```\n(GROUP\n.*?)^```", section, re.S | re.M)[:1]
    (tmp_path / "group.md").write_text(group, encoding="utf-8")
    made = subprocess.run(
        [str(Path(sys.executable).with_name("text2qti")), "group.md"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    out = tmp_path / "group.lesson.yaml"
    done = import_cli(tmp_path / "group.zip", "-o", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("from a question group that asks 1 of 2") == 2
    valid(out)
    play_right(out, {"question": ["true"], "question-2": ["true"]})
