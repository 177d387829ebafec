"""Keyed derivations: where the secret comes from, variant seeds and registrations keyed with
it, and a grader still re-rendering every variant from the recorded seed."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

import lessonkit as lk
from lessonkit.errors import StorageError
from lessonkit.evidence import statement_to_event
from lessonkit.evidence.secret import derive_key, keyed_registration, resolve_secret
from lessonkit.evidence.stores import MemoryStore
from lessonkit.grading.regrade import regrade
from lessonkit.lesson.variants import variant_seed

from .lessons import right_answer, variant_lesson

SECRET = "a course secret of 32 characters"


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"HOME": str(tmp_path / "home"), "LESSONKIT_HOME": str(tmp_path / "data"), **extra}


def test_secret_sources_in_order(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "keys").mkdir(parents=True)
    (project / "keys" / "course").write_text("from the course file, 1234567890\n")
    (tmp_path / "env-file").write_text("  from the env file 1234567890 \n")
    config = tmp_path / "home" / ".config" / "lessonkit"
    config.mkdir(parents=True)
    (config / "course-secret").write_text("from the user config 1234567890")
    (config / "config.toml").write_text('secret_file = "course-secret"\n')

    env = env_for(tmp_path)
    assert resolve_secret(env, cwd=project) == b"from the user config 1234567890"
    (project / "lessonkit.toml").write_text('store = "evidence"\nsecret_file = "keys/course"\n')
    assert resolve_secret(env, cwd=project) == b"from the course file, 1234567890"
    env["LESSONKIT_SECRET_FILE"] = str(tmp_path / "env-file")
    assert resolve_secret(env, cwd=project) == b"from the env file 1234567890"
    env["LESSONKIT_SECRET"] = SECRET
    assert resolve_secret(env, cwd=project) == SECRET.encode()
    assert not (tmp_path / "data").exists()  # no per-install secret was needed


def test_the_per_install_secret_is_made_once_and_kept(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    first = resolve_secret(env, cwd=tmp_path)
    assert len(first) == 64 and int(first, 16) > 0
    assert resolve_secret(env, cwd=tmp_path) == first
    other = resolve_secret(env_for(tmp_path / "elsewhere"), cwd=tmp_path)
    assert other != first


def test_bad_secrets_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"too short .*token_hex"):
        resolve_secret(env_for(tmp_path, LESSONKIT_SECRET="short"), cwd=tmp_path)
    with pytest.raises(
        StorageError, match=r"cannot read the lessonkit secret .*LESSONKIT_SECRET_FILE"
    ):
        resolve_secret(env_for(tmp_path, LESSONKIT_SECRET_FILE="/no/such/file"), cwd=tmp_path)
    (tmp_path / "lessonkit.toml").write_text("secret_file = 3\n")
    with pytest.raises(StorageError, match="secret_file must be a path"):
        resolve_secret(env_for(tmp_path), cwd=tmp_path)
    with pytest.raises(StorageError, match="too short"):
        lk.LessonSession(variant_lesson(), learner="ada", secret="tiny")


def test_variant_seeds_are_keyed_and_reproducible() -> None:
    plain = variant_seed("ada", "l", "q0", 0)
    key = derive_key(SECRET.encode(), "variant-seed")
    keyed = variant_seed("ada", "l", "q0", 0, key=key)
    assert keyed == variant_seed("ada", "l", "q0", 0, key=key)
    assert keyed != plain and 0 <= keyed < 2**63
    assert keyed != variant_seed("ada", "l", "q0", 0, key=derive_key(b"x" * 32, "variant-seed"))


def recorded_seeds(session: lk.LessonSession) -> list[int]:
    return [e.data["variant_seed"] for e in session.events if e.kind == "answered"]


def play_through(session: lk.LessonSession) -> None:
    session.start()
    while not session.finished:
        if session.current.question is not None and not session.current.record.correct:
            session.submit(right_answer(session) + 1000)  # wrong first
            session.submit(right_answer(session))
        else:
            session.advance()


def test_live_sessions_key_variant_seeds_with_the_configured_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LESSONKIT_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("LESSONKIT_SECRET", SECRET)
    lesson = variant_lesson(2)
    first = lk.LessonSession(lesson, learner="ada")
    play_through(first)
    again = lk.LessonSession(lesson, learner="ada")  # same secret: same variants
    play_through(again)
    assert recorded_seeds(first) == recorded_seeds(again)
    assert first.registration != again.registration  # live registrations are random
    unkeyed = {variant_seed("ada", lesson.id, q, v) for q in ("q0", "q1") for v in range(3)}
    assert not unkeyed & set(recorded_seeds(first))
    monkeypatch.setenv("LESSONKIT_SECRET", "another course secret, 32 chars")
    other = lk.LessonSession(lesson, learner="ada")
    play_through(other)
    assert set(recorded_seeds(other)).isdisjoint(recorded_seeds(first))


def test_without_a_course_secret_the_per_install_secret_keys_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LESSONKIT_SECRET", raising=False)
    monkeypatch.delenv("LESSONKIT_SECRET_FILE", raising=False)
    monkeypatch.setenv("LESSONKIT_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    session = lk.LessonSession(variant_lesson(1), learner="ada")
    play_through(session)
    installed = (tmp_path / "data" / "secret").read_text().strip().encode()
    key = derive_key(installed, "variant-seed")
    assert recorded_seeds(session)[0] == variant_seed("ada", "keyed-sums", "q0", 0, key=key)


def test_lessons_without_variants_never_touch_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LESSONKIT_HOME", str(tmp_path / "data"))
    lesson = lk.load_lesson(Path(__file__).parents[2] / "data" / "valid" / "graded.lesson.yaml")
    assert not any(q.params or q.derived for q in lesson.questions())
    lk.LessonSession(lesson, learner="ada").start()
    assert not (tmp_path / "data").exists()


def test_registrations_seeded_with_a_secret_are_keyed() -> None:
    lesson = variant_lesson(1)
    old_style = str(
        uuid.uuid5(uuid.UUID("6f1c2a52-93a4-4b6e-9d43-6c1d1f1b6a10"), "keyed-sums|ada|7")
    )
    headless = lk.LessonSession(lesson, learner="ada", seed=7)
    assert headless.registration == old_style  # deterministic play: reproducible by design
    keyed = lk.LessonSession(lesson, learner="ada", seed=7, secret=SECRET)
    expected = keyed_registration(
        derive_key(SECRET.encode(), "registration"), "keyed-sums", "ada", 7
    )
    assert keyed.registration == expected != old_style
    assert lk.LessonSession(lesson, learner="ada", seed=7, secret=SECRET).registration == expected


def test_the_grader_re_renders_each_variant_from_the_recorded_seed() -> None:
    """Regrade knows no secret: it re-renders the variant from the seed in the evidence."""
    store = MemoryStore()
    lesson = variant_lesson(3)
    session = lk.LessonSession(lesson, learner="ada", store=store, secret=SECRET)
    play_through(session)
    report = regrade(lesson, store.read())
    assert report.discrepancies == [] and report.problems == []
    assert report.answers == 6
    assert [a.correct for q in report.questions.values() for a in q.attempts] == [
        False,
        True,
    ] * 3
    # a recorded seed that is not the learner's gives another variant: the answers fail
    forged = list(store.read())
    for statement in forged:
        data = statement["context"]["extensions"]["https://lessonkit.org/xapi/ext/event"]["data"]
        if "variant_seed" in data:
            data["variant_seed"] += 1
    report = regrade(lesson, forged)
    assert not any(a.correct for q in report.questions.values() for a in q.attempts)
    assert len(report.discrepancies) == 3


def test_a_resumed_session_shows_the_same_variant(tmp_path: Path) -> None:
    store = MemoryStore()
    lesson = variant_lesson(2)
    session = lk.LessonSession(lesson, learner="ada", store=store, secret=SECRET)
    session.start()
    prompt = session.current.question.prompt  # type: ignore[union-attr]
    events = [statement_to_event(s) for s in store.read()]
    again = lk.LessonSession.resume(lesson, events, store=store, secret=SECRET)
    assert again.current.question.prompt == prompt  # type: ignore[union-attr]
    again.submit(right_answer(again))
    assert again.current.record.correct
