"""The tool side's pieces on their own: keys, scores, roles, configuration."""

from __future__ import annotations

import os
import socket
import stat
import time
from pathlib import Path

import jwt
import pytest

from lessonkit.hub.config import load_config
from lessonkit.hub.lti_items import course_items, find_item
from lessonkit.lti.claims import INSTRUCTOR, LEARNER, course_role
from lessonkit.lti.config import LtiConfigError, parse_lti
from lessonkit.lti.keys import ToolKeyError, ToolKeys
from lessonkit.lti.scores import Grade, comment, fingerprint, score_body, stamp
from lessonkit.lti.services import MISDIRECTED, LmsClient

M = "http://purl.imsglobal.org/vocab/lis/v2/membership"
ROOT = Path(__file__).resolve().parents[2]


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
    same = fingerprint({**body, "timestamp": "x"})
    assert same == fingerprint(body)  # later evidence, the same grade: the same score
    assert fingerprint({**body, "scoreGiven": 3}) != same  # a new grade: a new score
    assert fingerprint(score_body("sub-1", grade, final=True)) != same  # graded at the due time
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


def test_service_urls_must_be_on_the_platforms_hosts(tmp_path: Path) -> None:
    courses = {"algebra": ["fractions"]}
    config = parse_lti({"hub_url": "https://hub/", "platforms": [platform()]}, tmp_path, courses)
    assert config is not None
    p = config.platforms[0]  # default: the hosts of the issuer and of the token URL
    assert p.allows("https://lms.example.org/api/lti/courses/7/line_items")
    assert p.allows("https://LMS.example.org:443/nrps")
    for url in (
        "http://lms.example.org/line_items",  # not HTTPS
        "https://lms.example.org:8443/line_items",  # another port
        "https://lms.example.org.evil.org/line_items",
        "https://user@lms.example.org/line_items",
        "https://169.254.169.254/latest/meta-data",
        "https://lms.example.org:99999/x",
        "file:///etc/passwd",
        "",
    ):
        assert not p.allows(url), url
    school = platform(service_hosts=["school.instructure.com", "files.example.org:8443"])
    config = parse_lti({"hub_url": "https://hub/", "platforms": [school]}, tmp_path, courses)
    assert config is not None
    p = config.platforms[0]
    assert p.allows("https://school.instructure.com/api/lti/courses/1/line_items")
    assert p.allows("https://files.example.org:8443/x")
    assert not p.allows("https://lms.example.org/x")  # given hosts replace the default
    with pytest.raises(LtiConfigError, match="service_hosts: 'https://x/' is not a host name"):
        parse_lti(
            {"hub_url": "https://h/", "platforms": [platform(service_hosts=["https://x/"])]},
            tmp_path,
            courses,
        )


def test_the_client_never_sends_a_token_off_the_platforms_hosts(tmp_path: Path) -> None:
    """Neither the token endpoint nor the foreign host hears from the client."""
    listeners = [socket.create_server(("127.0.0.1", 0)) for _ in range(2)]
    token_port, foreign_port = (s.getsockname()[1] for s in listeners)
    courses = {"algebra": ["fractions"]}
    data = platform(
        issuer=f"http://127.0.0.1:{token_port}",
        token_url=f"http://127.0.0.1:{token_port}/token",
    )
    config = parse_lti({"hub_url": "https://hub/", "platforms": [data]}, tmp_path, courses)
    assert config is not None
    client = LmsClient(config.platforms[0], ToolKeys(tmp_path / "keys"))
    foreign = f"http://127.0.0.2:{foreign_port}/lineitems/1"
    answer = client.post_score(foreign, {"userId": "u", "scoreGiven": 1})
    assert answer.status == MISDIRECTED and "service_hosts" in answer.text
    assert not answer.retry  # refused for good: the spool keeps it with the reason
    with pytest.raises(ConnectionError, match="421"):
        list(client.members(f"http://127.0.0.2:{foreign_port}/members"))
    for listener in listeners:
        listener.settimeout(0.2)
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody connected
        listener.close()


def test_a_course_file_offers_its_lessons_milestones_and_plan(tmp_path: Path) -> None:
    course = ROOT / "lessons" / "python-basics" / "python-basics.course.yaml"
    path = tmp_path / "hub.yaml"
    path.write_text(
        f"database: sqlite:///x.db\ncourses: {{python: {{course_file: {course}}}}}\n",
        encoding="utf-8",
    )
    settings = load_config(path).courses["python"]
    items = {i.key: i for i in course_items(settings)}
    assert items["lesson:python-lists"].points == 4 and items["lesson:python-loops"].points == 7
    assert items["lesson:loops-practice"].points is None  # nothing in it is scored
    loops = items["milestone:loops"]  # lists and loops, and the practice; not the placement
    assert loops.lessons == ("python-lists", "python-loops", "loops-practice")
    assert (
        loops.points == 11
        and loops.due is not None
        and loops.due.isoformat().startswith("2027-02-12T23:59:59")
    )
    assert items["plan"].points is None and list(items)[-1] == "plan"
    assert find_item(settings, "milestone:nope") is None


def test_later_evidence_that_leaves_the_grade_as_it_was_sends_nothing() -> None:
    """The spool, on a real database: a score delivered, then the same grade from later
    evidence (the learner's session closed after the grade went), queues nothing; a changed
    grade is queued with a timestamp after the one sent."""
    import sqlalchemy as sa

    from lessonkit.lti import spool, store
    from lessonkit.lti.services import HttpResult

    engine = sa.create_engine("sqlite://")
    store.metadata.create_all(engine)  # the migrations' tables, made directly for the spool
    place = {"issuer": "https://lms.example", "lineitem_url": "https://lms.example/li/1"}
    sent: list[dict[str, object]] = []

    def post(issuer: str, url: str, score: dict[str, object]) -> HttpResult:
        sent.append(score)
        return HttpResult(200, "", {})

    def queue(given: float, evidence: str) -> bool:
        grade = Grade(given=given, maximum=4, completed=True, started=True, mastered=["adds"],
                      missing=[], evidence_time=evidence)  # fmt: skip
        return spool.queue(
            engine, **place, sub="u-ada", course="algebra", item="milestone:m1",
            username="ada", body=score_body("u-ada", grade, final=False),
            evidence_time=evidence, now=evidence,
        )  # fmt: skip

    assert queue(4, "2027-01-01T10:00:00Z")
    spool.deliver(engine, post)
    assert not queue(4, "2027-01-01T10:05:00Z")  # later evidence, the same grade
    assert spool.deliver(engine, post).delivered == 0 and len(sent) == 1
    assert queue(3, "2027-01-01T10:06:00Z")  # a new grade
    spool.deliver(engine, post)
    assert [s["scoreGiven"] for s in sent] == [4, 3]
    assert str(sent[1]["timestamp"]) > str(sent[0]["timestamp"])
