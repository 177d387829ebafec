"""An attacker holds a pseudonymised export and the class list: can they put a name on a row?

The attacker recomputes every derivation of a learner id that needs no secret — the id in
every spelling, plain hashes of it, the store's folder names, pseudonyms under an empty salt,
registrations and statement ids of seeded sessions, unkeyed variant seeds and the very numbers
those variants would show (and so the answers a learner would type) — and looks for any of
them in every value and every word of the export. Nothing must match. Two controls show the
attack works where it should: on the raw evidence, and on evidence whose variants were drawn
without a secret (deterministic play).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import lessonkit as lk
from lessonkit.cli import main
from lessonkit.evidence import statement_id
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.privacy import pseudo_registration, pseudo_seed, pseudonym
from lessonkit.evidence.stores import JsonlStore
from lessonkit.evidence.stores.jsonl_format import learner_key, slug
from lessonkit.lesson.variants import draw, variant_seed

from .lessons import right_answer, variant_lesson

HOME = "https://hub.example.org/"
LEARNERS = ["ada", "bob", "chen.wei", "dana_k", "eve"]
CLASS_LIST = [*LEARNERS, "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar"]
LESSON = variant_lesson(3)
QUESTIONS = [q.id for q in LESSON.questions()]
OLD_REGISTRATION_NS = uuid.UUID("6f1c2a52-93a4-4b6e-9d43-6c1d1f1b6a10")
WORD = re.compile(r"[A-Za-z0-9_.@-]+")


def derivations(learner: str) -> set[str]:
    """Everything an attacker can compute from a candidate id without a secret."""
    found: set[str] = set()
    ref = LearnerRef(id=learner, home_page=HOME)
    for text in (learner, f"{HOME}\0{learner}", f"{HOME}{learner}"):
        for algorithm in ("md5", "sha1", "sha256", "sha512", "blake2b"):
            digest = hashlib.new(algorithm, text.encode()).hexdigest()
            found.update({digest, digest[:16], digest[:32]})
    found.update({learner, learner.lower(), slug(learner), learner_key(ref)})
    found.add(pseudonym(b"", HOME, learner))
    for seed in range(100):  # registrations of seeded sessions, and their statement ids
        registration = str(uuid.uuid5(OLD_REGISTRATION_NS, f"{LESSON.id}|{learner}|{seed}"))
        found.update({registration, pseudo_registration(b"", registration)})
        found.update(statement_id(registration, seq) for seq in range(40))
    for namespace in (uuid.NAMESPACE_URL, uuid.NAMESPACE_DNS, uuid.NAMESPACE_OID):
        found.add(str(uuid.uuid5(namespace, learner)))
    for question in LESSON.questions():
        for variant in range(6):
            seed = variant_seed(learner, LESSON.id, question.id, variant)
            found.update({str(seed), str(pseudo_seed(b"", seed))})
            values = draw(question, seed)  # the numbers the variant shows, and its answer
            for value in values.values():
                found.update({str(value), f"{float(value):g}", str(float(value))})
    return found


def leaves(value: Any) -> Iterator[str]:
    """Every key, value and word of a JSON document, as text."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    elif value is not None:
        text = str(value)
        yield text
        yield from WORD.findall(text)


def identified(document: Any) -> dict[str, set[str]]:
    """Candidate -> the derivations of it found in ``document``."""
    seen = set(leaves(document))
    return {c: hits for c in CLASS_LIST if (hits := derivations(c) & seen)}


def record_class(store_url: str, **session_options: Any) -> None:
    """Every learner of the class works through the lesson: a hint, a wrong then a right
    answer on each question."""
    with JsonlStore(store_url) as store:
        for learner in LEARNERS:
            ref = LearnerRef(id=learner, home_page=HOME, name=learner.title() + " Example")
            session = lk.LessonSession(LESSON, learner=ref, store=store, **session_options)
            session.start()
            while not session.finished:
                view = session.current
                if view.question is not None and not view.record.correct:
                    session.hint()
                    session.submit(right_answer(session) + 1000)
                    session.submit(right_answer(session))
                else:
                    session.advance()


def export(store: str, *options: str) -> tuple[list[dict[str, Any]], str]:
    out = Path(store).with_suffix(".export")
    assert main(["export", store, "-o", str(out), *options]) == 0
    text = out.read_text()
    return (json.loads(text) if "--format" not in options else []), text


@pytest.fixture(scope="module")
def live_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A class's live sessions under a course secret."""
    root = tmp_path_factory.mktemp("live")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LESSONKIT_SECRET", "the course secret, never exported")
        patch.setenv("LESSONKIT_HOME", str(root / "data"))
        record_class(str(root / "evidence"))
    return str(root / "evidence")


def test_the_attacker_finds_every_learner_in_the_raw_evidence(live_store: str) -> None:
    statements, _ = export(live_store)
    assert set(identified(statements)) == set(LEARNERS)


def test_no_row_of_a_pseudonymised_export_matches_any_candidate(live_store: str) -> None:
    statements, text = export(live_store, "--pseudonymise", "--salt", "salt for one recipient")
    # started, experienced; per question hint, 2 answers, mastery, navigated, experienced; completed
    assert len(statements) == len(LEARNERS) * (2 + 3 * 6 + 1)
    assert identified(statements) == {}
    assert all(name not in text for name in ("Example", HOME))
    _, csv_text = export(live_store, "--pseudonymise", "--salt", "x" * 20, "--format", "csv")
    assert identified([line.split(",") for line in csv_text.splitlines()]) == {}


def test_the_export_stays_useful_for_analysis(live_store: str) -> None:
    statements, _ = export(live_store, "--pseudonymise", "--salt", "salt for one recipient")
    actors = {s["actor"]["account"]["name"] for s in statements}
    registrations = {s["context"]["registration"] for s in statements}
    assert len(actors) == len(registrations) == len(LEARNERS)
    assert len({s["id"] for s in statements}) == len(statements)
    ext = "https://lessonkit.org/xapi/ext/"
    seeds = [
        (
            s["actor"]["account"]["name"],
            s["object"]["id"],
            s["context"]["extensions"][ext + "variant-seed"],
        )
        for s in statements
        if ext + "variant-seed" in s["context"]["extensions"]
    ]
    assert len(seeds) == len(LEARNERS) * 3 * 2
    # both attempts at one question show the same variant: the same re-keyed seed
    assert len(set(seeds)) == len(LEARNERS) * 3
    for statement in statements:
        data = statement["context"]["extensions"][ext + "event"]["data"]
        if "variant_seed" in data:
            assert data["variant_seed"] == statement["context"]["extensions"][ext + "variant-seed"]


def test_control_unkeyed_variants_give_learners_away_even_when_pseudonymised(
    tmp_path: Path,
) -> None:
    """Evidence whose variants were drawn without a secret (deterministic, seeded play): the
    answers a learner typed are the numbers the attacker predicts for them."""
    store = str(tmp_path / "evidence")
    record_class(store, seed=1)
    statements, _ = export(store, "--pseudonymise", "--salt", "salt for one recipient")
    matches = identified(statements)
    assert set(matches) == set(LEARNERS)
    # and the match names the right pseudonym: each learner's own predicted answers are in
    # their own rows
    for learner in LEARNERS:
        pseudo = pseudonym(b"salt for one recipient", HOME, learner)
        rows = [s for s in statements if s["actor"]["account"]["name"] == pseudo]
        assert derivations(learner) & set(leaves(rows))
