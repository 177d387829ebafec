"""QTI 2.1 items (``assessmentItem``), as Blackboard and qti-package-maker write them.

An item has one interaction the lesson can take: ``choiceInteraction`` (single or multiple,
credit from ``mapping``), one ``textEntryInteraction`` (a number when the response is a
``float``/``integer``, with ``equal``'s tolerance; otherwise text), ``extendedTextInteraction``
(essay), ``orderInteraction`` or ``matchInteraction``. The prompt is the item body without
its interactions. ``modalFeedback`` whose identifier names a choice becomes that choice's
feedback; ``correct``/``incorrect`` ones the feedback for right and wrong answers.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.etree.ElementTree import Element

from .bank import BankAnswer, BankItem, Where
from .htmltext import TextContext, html_to_markdown, html_to_text
from .qti_xml import children, find, findall, inner_html, local, text_of

__all__ = ["read_item"]

_INTERACTIONS = frozenset(
    {
        "choiceInteraction",
        "textEntryInteraction",
        "extendedTextInteraction",
        "orderInteraction",
        "matchInteraction",
        "inlineChoiceInteraction",
        "gapMatchInteraction",
        "hotspotInteraction",
        "hottextInteraction",
        "associateInteraction",
        "sliderInteraction",
        "uploadInteraction",
        "graphicGapMatchInteraction",
        "selectPointInteraction",
        "drawingInteraction",
        "mediaInteraction",
        "customInteraction",
        "graphicOrderInteraction",
        "graphicAssociateInteraction",
        "positionObjectInteraction",
    }
)
_KNOWN = {
    "choiceInteraction": "choice",
    "textEntryInteraction": "text-entry",
    "extendedTextInteraction": "essay",
    "orderInteraction": "ordering",
    "matchInteraction": "matching",
}


def _float(text: str | None, default: float = 0.0) -> float:
    try:
        return float((text or "").strip())
    except ValueError:
        return default


class _Item:
    def __init__(self, item: Element, where: Where, ctx: TextContext) -> None:
        self.item = item
        self.where = where
        self.ctx = ctx
        self.declarations = {
            d.get("identifier", ""): d for d in children(item, "responseDeclaration")
        }
        self.feedback = {
            f.get("identifier", ""): self._html(f) for f in findall(item, "modalFeedback")
        }

    def _html(self, element: Element, skip: frozenset[str] = frozenset()) -> str:
        return html_to_markdown(inner_html(element, skip), self.ctx)

    def _correct(self, ident: str) -> list[str]:
        decl = self.declarations.get(ident)
        return [text_of(v) for v in findall(find(decl, "correctResponse"), "value")]

    def _mapping(self, ident: str) -> dict[str, float]:
        decl = self.declarations.get(ident)
        return {
            e.get("mapKey", ""): _float(e.get("mappedValue"))
            for e in findall(find(decl, "mapping"), "mapEntry")
        }

    def read(self) -> BankItem:
        body = find(self.item, "itemBody")
        interactions = [
            e for e in (body.iter() if body is not None else ()) if local(e) in _INTERACTIONS
        ]
        kinds = [local(e) for e in interactions]
        prompt_parts = [self._html(body, _INTERACTIONS)] if body is not None else []
        prompt_parts += [self._html(p) for e in interactions for p in children(e, "prompt")]
        prompt = "\n\n".join(dict.fromkeys(p for p in prompt_parts if p))
        common: dict[str, object] = {
            "where": self.where,
            "name": self.item.get("title", ""),
            "ident": self.item.get("identifier", ""),
            "prompt": prompt,
            "correct_feedback": self.feedback.get("correct", ""),
            "incorrect_feedback": self.feedback.get("incorrect", ""),
        }
        if not interactions:
            return self._done(kind="text", source_type="QTI item without interaction", **common)
        if len(interactions) > 1 or kinds[0] not in _KNOWN:
            reason = f"lessonkit has no equivalent of {' + '.join(kinds)} in one item"
            return self._done(
                kind="unsupported", source_type=kinds[0], skip_reason=reason, **common
            )
        interaction = interactions[0]
        readers: dict[str, Callable[[Element], dict[str, object]]] = {
            "choice": self._choice,
            "text-entry": self._text_entry,
            "essay": lambda e: {"kind": "essay"},
            "ordering": self._ordering,
            "matching": self._matching,
        }
        fields = readers[_KNOWN[kinds[0]]](interaction)
        fields.setdefault("kind", _KNOWN[kinds[0]])
        return self._done(source_type=kinds[0], **common, **fields)

    def _done(self, **fields: object) -> BankItem:
        return BankItem(notes=self.ctx.take_notes(), **fields)  # type: ignore[arg-type]

    def _choice(self, interaction: Element) -> dict[str, object]:
        ident = interaction.get("responseIdentifier", "RESPONSE")
        right = set(self._correct(ident))
        mapping = self._mapping(ident)
        multiple = interaction.get("maxChoices", "1") != "1"
        full = (
            sum(v for v in mapping.values() if v > 0)
            if multiple
            else max(mapping.values(), default=0)
        )
        answers = []
        for choice in findall(interaction, "simpleChoice"):
            cid = choice.get("identifier", "")
            if mapping and full > 0:
                fraction = mapping.get(cid, 0.0) / full
            elif multiple:  # match_correct: all or nothing
                fraction = 1 / len(right) if cid in right else 0.0
            else:
                fraction = 1.0 if cid in right else 0.0
            feedback = self.feedback.get(cid, "")
            answers.append(
                BankAnswer(text=self._html(choice), fraction=fraction, feedback=feedback)
            )
        shuffle = interaction.get("shuffle", "false") == "true"
        return {
            "answers": tuple(answers),
            "multiple": multiple,
            "all_or_nothing": multiple and not mapping,
            "shuffle": shuffle,
        }

    def _text_entry(self, interaction: Element) -> dict[str, object]:
        ident = interaction.get("responseIdentifier", "RESPONSE")
        decl = self.declarations.get(ident)
        base = decl.get("baseType", "string") if decl is not None else "string"
        values = self._correct(ident)
        if base in ("float", "integer"):
            tolerance = 0.0
            for equal in findall(find(self.item, "responseProcessing"), "equal"):
                if equal.get("toleranceMode", "exact") == "absolute":
                    tolerance = max(_float(t) for t in equal.get("tolerance", "0").split() or ["0"])
            answers = tuple(
                BankAnswer(text=v, tolerance=tolerance, fraction=1.0) for v in values[:1]
            )
            return {"kind": "numerical", "answers": answers}
        mapping = {
            e.get("mapKey", ""): (_float(e.get("mappedValue")), e.get("caseSensitive", "true"))
            for e in findall(find(decl, "mapping"), "mapEntry")
        }
        top = max((v for v, _ in mapping.values()), default=1.0) or 1.0
        answers = tuple(BankAnswer(text=v, fraction=1.0) for v in values)
        answers += tuple(
            BankAnswer(text=k, fraction=v / top) for k, (v, _) in mapping.items() if k not in values
        )
        case = any(c == "true" for _, c in mapping.values()) if mapping else True
        return {"kind": "shortanswer", "answers": answers, "case_sensitive": case}

    def _ordering(self, interaction: Element) -> dict[str, object]:
        texts = {
            c.get("identifier", ""): html_to_text(inner_html(c))
            for c in findall(interaction, "simpleChoice")
        }
        order = self._correct(interaction.get("responseIdentifier", "RESPONSE"))
        answers = tuple(BankAnswer(text=texts.get(i, i), fraction=1.0) for i in order)
        return {"answers": answers}

    def _matching(self, interaction: Element) -> dict[str, object]:
        sets = children(interaction, "simpleMatchSet")
        if len(sets) != 2:
            return {"kind": "unsupported", "skip_reason": "a match needs two sets of items"}
        left = {
            c.get("identifier", ""): self._html(c)
            for c in children(sets[0], "simpleAssociableChoice")
        }
        right = {
            c.get("identifier", ""): html_to_text(inner_html(c))
            for c in children(sets[1], "simpleAssociableChoice")
        }
        pairs = dict(
            v.split()[:2]
            for v in self._correct(interaction.get("responseIdentifier", "RESPONSE"))
            if len(v.split()) == 2
        )
        answers = [
            BankAnswer(text=text, match=right.get(pairs.get(lid, ""), ""), fraction=1.0)
            for lid, text in left.items()
        ]
        matched = {a.match for a in answers}
        answers += [BankAnswer(match=t) for t in right.values() if t not in matched]
        return {"answers": tuple(answers)}


def read_item(root: Element, where: Callable[[Element, str], Where], ctx: TextContext) -> BankItem:
    """The question of an ``assessmentItem`` document."""
    return _Item(root, where(root, root.get("identifier", "")), ctx).read()
