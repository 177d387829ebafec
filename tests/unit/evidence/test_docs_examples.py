"""The statement examples in docs/evidence.md are what the code produces, and valid xAPI."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ralph.models.xapi.base.statements import BaseXapiStatement

from lessonkit.evidence import event_to_statement
from lessonkit.evidence.events import EVENT_KINDS

from .samples import make_event

DOC = Path(__file__).resolve().parents[3] / "docs" / "evidence.md"
EXAMPLE = re.compile(r"^### `(\w+)`\n\n```json\n(.*?)\n```", re.M | re.S)


def test_every_kind_has_a_current_example() -> None:
    examples = EXAMPLE.findall(DOC.read_text(encoding="utf-8"))
    assert {kind for kind, _ in examples} == EVENT_KINDS
    for seq, (kind, text) in enumerate(examples):
        shown = json.loads(text)
        BaseXapiStatement.model_validate(shown)
        assert shown == event_to_statement(make_event(kind, seq=seq)), kind
