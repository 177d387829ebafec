"""A course lesson in the learner's language through the service: the copy a learner's server
fetches is translated (and still keyless), and the service checks an answer against the
accepted answers of the language the learner saw."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from lessonkit.cli import main
from lessonkit.evidence.stores.service import request_json

from .harness import ThreadedService, write_config

LESSON = """\
lessonkit: 1
id: pets
title: Pets
version: "1.0"
competencies:
  - id: animals
    title: Knows animals
steps:
  - id: q-meow
    kind: question
    title: Meow
    prompt: Which animal says meow?
    check: {type: text, answer: cat}
    competencies: [animals]
    next: done
  - id: done
    kind: end
    title: Done
"""


def _translated(folder: Path) -> Path:
    """The lesson and its Spanish translation (``gato`` accepted in Spanish only)."""
    lesson = folder / "pets.lesson.yaml"
    lesson.write_text(LESSON, encoding="utf-8")
    assert main(["translate", "init", str(lesson), "--lang", "es"]) == 0
    sidecar = folder / "pets.es.yaml"
    data = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
    step = data["steps"]["q-meow"]
    step["title"]["text"] = "Miau"
    step["prompt"]["text"] = "¿Qué animal maúlla?"
    step["check"]["answer"]["text"] = ["gato"]
    for unit in ("title", "description"):
        if unit in data and isinstance(data[unit], dict):
            data[unit]["text"] = "Mascotas"
    sidecar.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["validate", "-q", str(lesson)]) == 0
    return lesson


def test_a_learner_gets_the_lesson_and_its_checks_in_their_language(tmp_path: Path) -> None:
    lesson = _translated(tmp_path)
    courses = {"algebra": {"lessons": [str(lesson)]}}
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'c.db'}", courses=courses)
    running = ThreadedService.from_file(config).start()
    try:

        def call(method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
            return request_json(method, running.base + path, token, body)

        status, english = call("GET", "api/lessons/pets", "tok-alice")
        assert status == 200 and "Which animal says meow?" in english["yaml"]
        status, spanish = call("GET", "api/lessons/pets?lang=es-MX", "tok-alice")
        assert status == 200 and "¿Qué animal maúlla?" in spanish["yaml"], spanish
        # the copy keeps no key in any language: neither the answer nor its translation
        assert "gato" not in spanish["yaml"] and "cat" not in spanish["yaml"].replace("check", "")
        assert call("GET", "api/lessons/pets?lang=../../x", "tok-alice")[0] == 400

        def check(token: str, response: str, language: str | None) -> dict[str, Any]:
            body = {"lesson": "pets", "question": "q-meow", "response": response}
            body.update({"language": language} if language else {})
            status, verdict = call("POST", "api/check", token, body)
            assert status == 200, verdict
            return dict(verdict)

        assert check("tok-alice", "gato", "es")["correct"] is True
        assert check("tok-bob", "gato", None)["correct"] is False  # not an English answer
        assert check("tok-bob", "gato", "de")["correct"] is False  # no German file: as written
        assert check("tok-bob", "cat", "x" * 30)["correct"] is True  # not a tag: as written
    finally:
        running.stop()
