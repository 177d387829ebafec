"""The tool side's pieces on their own: keys, scores, roles, configuration."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import jwt
import pytest

from lessonkit.lti.claims import INSTRUCTOR, LEARNER, course_role
from lessonkit.lti.config import LtiConfigError, parse_lti
from lessonkit.lti.keys import ToolKeyError, ToolKeys
from lessonkit.lti.scores import Grade, comment, fingerprint, score_body, stamp

M = "http://purl.imsglobal.org/vocab/lis/v2/membership"


def test_the_key_pair_is_made_once_private_and_rotates_with_a_grace_period(tmp_path: Path) -> None:
    keys = ToolKeys(tmp_path / "keys", grace_days=1)
    first = keys.ensure()
    assert keys.ensure().kid == first.kid  # made on first start only
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "keys" / f"{first.kid}.pem").stat().st_mode) == 0o600
    public = keys.jwks()["keys"][0]
    assert public["kid"] == first.kid and "d" not in public  # no private part published
    token = jwt.encode({"x": 1}, first.pem, algorithm="RS256", headers={"kid": first.kid})
    key = jwt.PyJWK(public).key
    assert jwt.decode(token, key, algorithms=["RS256"]) == {"x": 1}
    old, new = keys.rotate()
    assert old == first.kid and keys.ensure().kid == new
    assert [k["kid"] for k in keys.jwks()["keys"]] == [new, old]  # the old one in its grace
    keys.grace = 0.0
    time.sleep(0.01)
    assert keys.prune() == [old]
    assert [k["kid"] for k in keys.jwks()["keys"]] == [new]


def test_a_key_others_can_read_is_refused(tmp_path: Path) -> None:
    keys = ToolKeys(tmp_path / "keys")
    kid = keys.ensure().kid
    os.chmod(tmp_path / "keys" / f"{kid}.pem", 0o644)
    with pytest.raises(ToolKeyError, match="readable by others"):
        keys.ensure()


def test_score_timestamps_always_increase_and_fingerprints_ignore_them() -> None:
    assert stamp("2027-01-01T10:00:00Z", None) == "2027-01-01T10:00:00.000Z"
    assert stamp("2027-01-01T10:00:00Z", "2027-01-01T10:00:00.000Z") == "2027-01-01T10:00:00.001Z"
    assert stamp("2027-01-01T09:00:00Z", "2027-01-01T10:00:00.000Z") == "2027-01-01T10:00:00.001Z"
    grade = Grade(
        given=2,
        maximum=4,
        completed=False,
        started=True,
        mastered=["adds"],
        missing=["simplifies"],
        evidence_time="2027-01-01T10:00:00Z",
    )
    body = score_body("sub-1", grade, final=False)
    assert body["gradingProgress"] == "Pending" and body["activityProgress"] == "InProgress"
    assert score_body("sub-1", grade, final=True)["gradingProgress"] == "FullyGraded"
    same = fingerprint({**body, "timestamp": "x"}, grade.evidence_time)
    assert same == fingerprint(body, grade.evidence_time)
    assert fingerprint(body, "2027-01-02T00:00:00Z") != same  # newer evidence: a new score
    assert comment(grade) == (
        "lessonkit: 2 of 4 points; lesson not finished; mastered: adds; not yet mastered: "
        "simplifies."
    )


def test_only_context_roles_count() -> None:
    assert course_role([M + "#Instructor"]) == INSTRUCTOR
    assert course_role([M + "/Instructor#TeachingAssistant"]) == INSTRUCTOR
    assert course_role([M + "#Learner"]) == LEARNER
    institution = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"
    assert course_role([institution]) is None
    assert course_role("Instructor") is None


def platform(**changes: object) -> dict[str, object]:
    return {
        "issuer": "https://lms.example.org",
        "client_id": "tool",
        "deployment_ids": ["d1"],
        "login_url": "https://lms.example.org/auth",
        "token_url": "https://lms.example.org/token",
        "jwks_url": "https://lms.example.org/jwks",
        "contexts": {"ctx-1": "algebra"},
        **changes,
    }


def test_the_configuration_names_what_is_wrong(tmp_path: Path) -> None:
    courses = {"algebra": ["fractions"]}
    good = {"hub_url": "https://hub.example.org", "platforms": [platform()]}
    config = parse_lti(good, tmp_path, courses)
    assert config is not None and config.hub_url == "https://hub.example.org/"
    assert config.platform("https://lms.example.org") is not None
    assert config.platforms[0].course_of("ctx-1") == "algebra"
    assert config.platforms[0].course_of("ctx-unknown") is None  # never guessed
    with pytest.raises(LtiConfigError, match="names course 'geometry', which is not"):
        parse_lti({**good, "platforms": [platform(contexts={"c": "geometry"})]}, tmp_path, courses)
    with pytest.raises(LtiConfigError, match="push: one of completion, due, command"):
        parse_lti({**good, "push": "often"}, tmp_path, courses)
    with pytest.raises(LtiConfigError, match="`push: due` needs `due:`"):
        parse_lti({**good, "courses": {"algebra": {"push": "due"}}}, tmp_path, courses)
    with pytest.raises(LtiConfigError, match="token_url"):
        parse_lti({**good, "platforms": [platform(token_url="ftp://x")]}, tmp_path, courses)


def test_user_names_are_escaped_so_that_two_lms_users_never_share_one(tmp_path: Path) -> None:
    config = parse_lti(
        {"hub_url": "https://hub/", "platforms": [platform()]}, tmp_path, {"algebra": []}
    )
    assert config is not None
    p = config.platforms[0]
    names = {p.username({"sub": s}) for s in ("Ada", "ada", "a/da", "a_2fda", "ada ")}
    assert len(names) == 5 and p.username({"sub": "ada"}) == "ada"
    assert all(n == n.lower() and "/" not in n for n in names)
