"""QTI 1.2 items (``questestinterop``), the dialect Canvas exports and text2qti writes.

The type comes from Canvas's ``question_type`` metadata when present, else from the item's
shape (choice ``response_lid``, text or number ``response_str``). Right answers and credit
come from ``resprocessing``: each ``respcondition`` that sets ``SCORE`` says which responses
earn what; ``displayfeedback`` links name the feedback shown (``general_fb`` is shown after
any answer, ``correct_fb`` and ``general_incorrect_fb`` on right and wrong answers,
``<answer>_fb`` for one answer).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from xml.etree.ElementTree import Element

from .bank import BankAnswer, BankItem, Where
from .htmltext import TextContext, html_to_markdown, html_to_text, plain_to_markdown
from .qti_xml import children, find, findall, local, text_of

__all__ = ["read_items"]

_SKIP = {
    "file_upload_question": "file-upload questions collect a file",
    "calculated_question": "formula questions draw values from variables",
    "fill_in_multiple_blanks_question": "several blanks in one question",
    "multiple_dropdowns_question": "several drop-downs in one question",
}
_KINDS = {
    "multiple_choice_question": "choice",
    "true_false_question": "truefalse",
    "multiple_answers_question": "choice",
    "short_answer_question": "shortanswer",
    "numerical_question": "numerical",
    "essay_question": "essay",
    "matching_question": "matching",
    "text_only_question": "text",
}


_ITEM_FEEDBACK = frozenset({"general_fb", "correct_fb", "general_incorrect_fb"})


@dataclass
class _Condition:
    equal: list[tuple[str, str, bool]] = field(default_factory=list)  # respident, value, case
    negated: list[str] = field(default_factory=list)
    bounds: list[tuple[str, float]] = field(default_factory=list)  # (gte|lte|gt|lt, value)
    other: bool = False
    score: float | None = None
    add: bool = False
    feedback: list[str] = field(default_factory=list)


def _float(text: str | None, default: float = 0.0) -> float:
    try:
        return float((text or "").strip())
    except ValueError:
        return default


def _conditions(item: Element) -> list[_Condition]:
    found = []
    for rc in findall(item, "respcondition"):
        cond = _Condition(
            feedback=[d.get("linkrefid", "") for d in children(rc, "displayfeedback")]
        )
        for setvar in children(rc, "setvar"):
            if setvar.get("varname", "SCORE").upper() == "SCORE":
                cond.score = _float(setvar.text)
                cond.add = setvar.get("action", "Set").lower() == "add"
        _walk(find(rc, "conditionvar"), cond, negated=False)
        found.append(cond)
    return found


def _walk(node: Element | None, cond: _Condition, negated: bool) -> None:
    if node is None:
        return
    for child in node:
        name = local(child)
        if name == "not":
            _walk(child, cond, negated=True)
        elif name in ("and", "or"):
            _walk(child, cond, negated)
        elif name == "other":
            cond.other = True
        elif name == "varequal":
            if negated:
                cond.negated.append((child.text or "").strip())
            else:
                case = child.get("case", "No").lower() == "yes"
                cond.equal.append((child.get("respident", ""), (child.text or "").strip(), case))
        elif name in ("vargte", "varlte", "vargt", "varlt"):
            cond.bounds.append((name[3:], _float(child.text)))


class _Item:
    def __init__(self, item: Element, where: Where, ctx: TextContext) -> None:
        self.item = item
        self.where = where
        self.ctx = ctx
        self.meta = {
            text_of(find(f, "fieldlabel")): text_of(find(f, "fieldentry"))
            for f in findall(item, "qtimetadatafield")
        }
        self.conditions = _conditions(item)
        self.feedback = {
            fb.get("ident", ""): self._materials(fb) for fb in findall(item, "itemfeedback")
        }

    def _mattext(self, mattext: Element) -> str:
        raw = mattext.text or ""
        if "html" in mattext.get("texttype", "text/plain").lower() or "<" in raw:
            return html_to_markdown(raw, self.ctx)
        return plain_to_markdown(raw, self.ctx)

    def _materials(self, element: Element, skip_responses: bool = False) -> str:
        parts: list[str] = []
        stack = [element]
        while stack:  # depth first, document order, not into responses when asked
            node = stack.pop()
            name = local(node)
            if skip_responses and node is not element and name.startswith("response_"):
                continue
            if name == "mattext":
                parts.append(self._mattext(node))
            elif name == "matimage" and node.get("uri"):
                parts.append(html_to_markdown(f'<img src="{node.get("uri")}">', self.ctx))
            stack.extend(reversed(list(node)))
        return "\n\n".join(p for p in parts if p)

    def _labels(self, lid: Element) -> list[tuple[str, str]]:
        return [
            (lab.get("ident", ""), self._materials(lab)) for lab in findall(lid, "response_label")
        ]

    def _fb(self, cond: _Condition) -> str:
        """The condition's own feedback (not the item-wide right/wrong/general ones)."""
        own = [r for r in cond.feedback if r and r not in _ITEM_FEEDBACK]
        return "\n\n".join(self.feedback.get(ref, "") for ref in own)

    def read(self) -> BankItem:
        qtype = self.meta.get("question_type", "")
        presentation = find(self.item, "presentation")
        common: dict[str, object] = {
            "where": self.where,
            "name": self.item.get("title", ""),
            "ident": self.item.get("ident", ""),
            "prompt": self._materials(presentation, skip_responses=True)
            if presentation is not None
            else "",
            "points": max(0.0, _float(self.meta.get("points_possible"), 1.0)),
        }
        for cond in self.conditions:
            if cond.other and "general_fb" in cond.feedback:
                common["general_feedback"] = self.feedback.get("general_fb", "")
            elif "correct_fb" in cond.feedback:
                common["correct_feedback"] = self.feedback.get("correct_fb", "")
            elif "general_incorrect_fb" in cond.feedback:
                common["incorrect_feedback"] = self.feedback.get("general_incorrect_fb", "")
        if qtype in _SKIP:
            reason = f"lessonkit has no equivalent: {_SKIP[qtype]}"
            return self._done(kind="unsupported", source_type=qtype, skip_reason=reason, **common)
        lids = findall(presentation, "response_lid")
        strs = findall(presentation, "response_str") + findall(presentation, "response_num")
        kind = _KINDS.get(qtype) or self._shape(lids, strs)
        source_type = qtype or f"QTI {kind}"
        reader = self._readers().get(kind)
        if reader is None:
            reason = f"lessonkit has no equivalent of QTI {qtype or 'items of this shape'}"
            return self._done(
                kind="unsupported", source_type=source_type, skip_reason=reason, **common
            )
        return self._done(kind=kind, source_type=source_type, **common, **reader(lids, strs))

    def _done(self, **fields: object) -> BankItem:
        return BankItem(notes=self.ctx.take_notes(), **fields)  # type: ignore[arg-type]

    def _shape(self, lids: list[Element], strs: list[Element]) -> str:
        if len(lids) == 1 and not strs:
            return "choice"
        if len(lids) > 1 and not strs:
            return "matching"
        if len(strs) == 1 and not lids:
            fib = find(strs[0], "render_fib")
            numeric = fib is not None and fib.get("fibtype", "") in ("Decimal", "Integer")
            return "numerical" if numeric or local(strs[0]) == "response_num" else "shortanswer"
        if not lids and not strs:
            return "text"
        return "unsupported"

    def _readers(self) -> dict[str, Callable[[list[Element], list[Element]], dict[str, object]]]:
        return {
            "choice": self._choice,
            "truefalse": self._choice,
            "shortanswer": self._short,
            "numerical": self._numerical,
            "essay": lambda lids, strs: {},
            "text": lambda lids, strs: {},
            "matching": self._matching,
        }

    def _scores(self) -> tuple[dict[str, float], float]:
        """Credit per response ident, and the full score."""
        credit: dict[str, float] = {}
        for cond in self.conditions:
            if cond.score is None or cond.score <= 0:
                continue
            for _, value, _ in cond.equal:
                credit[value] = credit.get(value, 0.0) + cond.score if cond.add else cond.score
        full = max(
            [c.score or 0.0 for c in self.conditions if not c.add] + [sum(credit.values()) or 0.0]
        )
        return credit, full or 100.0

    def _choice(self, lids: list[Element], strs: list[Element]) -> dict[str, object]:
        lid = lids[0] if lids else None
        labels = self._labels(lid) if lid is not None else []
        credit, full = self._scores()
        feedback = {
            c.equal[0][1]: self._fb(c)
            for c in self.conditions
            if len(c.equal) == 1 and c.score is None
        }
        multiple = lid is not None and lid.get("rcardinality", "Single").lower() == "multiple"
        if self.meta.get("question_type") == "multiple_answers_question":
            multiple = True
        if multiple:
            top = max((c.score or 0.0 for c in self.conditions if not c.add), default=0.0)
            right = [c for c in self.conditions if top > 0 and c.score == top and not c.add]
            if right:  # Canvas: <and> of the right picks and <not> of the others
                picks = {v for _, v, _ in right[0].equal}
                n = len(picks) or 1  # Canvas scores (right picks - wrong picks) / right options
                credit = {ident: (1 / n if ident in picks else -1 / n) for ident, _ in labels}
                full = 1.0
        answers = tuple(
            BankAnswer(
                text=text, fraction=credit.get(ident, 0.0) / full, feedback=feedback.get(ident, "")
            )
            for ident, text in labels
        )
        render = find(lid, "render_choice")
        shuffle = render is not None and render.get("shuffle", "No").lower() == "yes"
        return {"answers": answers, "multiple": multiple, "shuffle": shuffle}

    def _short(self, lids: list[Element], strs: list[Element]) -> dict[str, object]:
        answers = []
        case = False
        for cond in self.conditions:
            if cond.score is None or cond.score <= 0:
                continue
            for _, value, sensitive in cond.equal:
                case = case or sensitive
                answers.append(BankAnswer(text=value, fraction=1.0, feedback=self._fb(cond)))
        return {"answers": tuple(answers), "case_sensitive": case}

    def _numerical(self, lids: list[Element], strs: list[Element]) -> dict[str, object]:
        answers = []
        for cond in self.conditions:
            if cond.score is None or cond.score <= 0:
                continue
            bounds = dict(cond.bounds)
            low = bounds.get("gte", bounds.get("gt"))
            high = bounds.get("lte", bounds.get("lt"))
            exact = [v for _, v, _ in cond.equal]
            fb = self._fb(cond)
            if exact and low is not None and high is not None:
                value = _float(exact[0])
                tol = float(f"{max(abs(value - low), abs(high - value)):.12g}")
                answers.append(BankAnswer(text=exact[0], tolerance=tol, fraction=1.0, feedback=fb))
            elif exact:
                answers.append(BankAnswer(text=exact[0], fraction=1.0, feedback=fb))
            elif low is not None and high is not None:
                answers.append(
                    BankAnswer(text=str(low), range=(low, high), fraction=1.0, feedback=fb)
                )
        return {"answers": tuple(answers)}

    def _matching(self, lids: list[Element], strs: list[Element]) -> dict[str, object]:
        pairs = []
        right: dict[str, str] = {}
        for cond in self.conditions:
            if (cond.score or 0) > 0:
                for respident, value, _ in cond.equal:
                    right.setdefault(respident, value)
        every: list[str] = []
        for lid in lids:
            material = children(lid, "material")
            left = (
                "\n\n".join(self._mattext(m) for m in findall(material[0], "mattext"))
                if material
                else ""
            )
            labels = {ident: html_to_text(text) for ident, text in self._labels(lid)}
            every.extend(t for t in labels.values() if t not in every)
            match = labels.get(right.get(lid.get("ident", ""), ""), "")
            pairs.append(BankAnswer(text=left, match=match, fraction=1.0))
        matched = {p.match for p in pairs}
        pairs.extend(BankAnswer(match=t) for t in every if t not in matched)  # distractors
        return {"answers": tuple(pairs)}


def read_items(
    root: Element, where: Callable[[Element, str], Where], ctx: TextContext
) -> list[BankItem]:
    """Every ``item`` of a ``questestinterop`` document (question groups included)."""
    groups: dict[int, str] = {}
    for section in findall(root, "section"):  # Canvas question groups: pick N of the items
        number = text_of(find(find(section, "selection_ordering"), "selection_number"))
        inside = children(section, "item")
        if number and inside:
            note = f"from a question group that asks {number} of {len(inside)}; the lesson asks all"
            groups.update({id(i): note for i in inside})
    items = []
    for item in findall(root, "item"):
        found = _Item(item, where(item, item.get("ident", "")), ctx).read()
        if id(item) in groups:
            found = replace(found, notes=(*found.notes, groups[id(item)]))
        items.append(found)
    return items
