"""LMS integration end to end: a real LTI 1.3 platform, a real JupyterHub, the service.

One hub and one platform for the module. Learners and an instructor launch from the
platform (OIDC login, a signed id_token checked against the platform's JWKS), do a lesson in
their own servers, and their scores arrive at the platform's AGS endpoint; an instructor
deep-links a lesson; the platform goes down during a grade push and the score arrives once
when it is back.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
import sqlalchemy as sa

from lessonkit.errors import StorageError
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.stores import open_store
from lessonkit.hub.remote_check import fetch_roster
from lessonkit.lti.store import DELIVERED, contexts, deeplinks, scores
from lessonkit.widgets.class_plan import ClassPlan
from tests.hub.test_hub_integration import CLOSE, KEY, last_json, lesson_cell, sum_answer

from .lms_hub import COURSE_FILE, Browser, LmsHub, form_of
from .platform import INSTRUCTOR, LEARNER, new_key

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE, ROLES = LTI + "message_type", LTI + "roles"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
ELSEWHERE = "http://127.0.0.2:9"  # not the platform's host: its tokens must never go there


def all_correct(user: str) -> list[Any]:
    return [
        ["advance"],
        ["submit", "4"],
        ["advance"],
        ["submit", "42"],
        ["advance"],
        ["submit", str(sum_answer(user))],
        ["advance"],
    ]


@pytest.fixture(scope="module")
def lesson_link(env: LmsHub) -> str:
    """A graded link to the lesson in the LMS course, opening in Voilà."""
    custom = {"lessonkit_item": f"lesson:{KEY.id}", "lessonkit_view": "voila"}
    return env.lms.add_link("course-101", "Fractions", custom, points=4)


@pytest.fixture(scope="module")
def milestone_link(env: LmsHub) -> str:
    """A graded link to the course file's milestone (its one graded lesson: 4 points)."""
    custom = {"lessonkit_item": "milestone:warm-up"}
    return env.lms.add_link("course-101", "Warm-up", custom, points=4)


@pytest.fixture(scope="module")
def database(env: LmsHub) -> Iterator[sa.Engine]:
    """The service's database, to look at the grade spool."""
    engine = sa.create_engine(env.database)
    yield engine
    engine.dispose()


def spool(database: sa.Engine, user: str, lineitem_url: str, state: int) -> Any:
    """The learner's spooled score for a line item, if it is in ``state``."""
    query = sa.select(scores).where(
        scores.c.username == user,
        scores.c.lineitem_url == lineitem_url,
        scores.c.state == state,
    )
    with database.connect() as conn:
        return conn.execute(query).first()


def tried(database: sa.Engine, user: str, lineitem_url: str) -> Any:
    """The learner's pending score once a delivery of it was tried."""
    row = spool(database, user, lineitem_url, 1)
    return row if row is not None and row.attempts >= 1 else None


def wait(what: str, ready: Any, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = ready()
        if value:
            return value
        time.sleep(0.5)
    raise TimeoutError(f"{what} after {timeout}s")


def launch(env: LmsHub, link: str, user: str) -> tuple[Browser, str]:
    browser = Browser()
    answer = browser.launch(f"{env.platform.base}/launch/{link}?user={user}")
    assert answer.status_code == 302, (answer.status_code, answer.text[:400])
    return browser, answer.headers["Location"]


def groups_of(env: LmsHub, user: str) -> set[str]:
    status, model = env.hub.api("GET", f"/hub/api/users/{user}")
    return set(model["groups"]) if status == 200 else set()


def do_lesson(env: LmsHub, user: str) -> None:
    if not env.hub.api("GET", f"/hub/api/users/{user}")[1].get("servers"):
        env.hub.spawn(user)
    kernel = env.hub.kernel(user, env.hub.token(user))
    out = last_json(kernel.run(lesson_cell(KEY.id, all_correct(user))))
    assert out["finished"] and out["learner"] == user, out
    assert last_json(kernel.run(CLOSE))["flushed"]
    kernel.shutdown()


def test_a_learner_launches_works_and_the_score_arrives(
    env: LmsHub, lesson_link: str, milestone_link: str
) -> None:
    _, target = launch(env, milestone_link, "u-ada")  # a milestone opens the learning plan
    assert target == "/hub/user-redirect/lab/tree/algebra/plan.ipynb"
    _, target = launch(env, lesson_link, "u-ada")
    assert target == f"/hub/user-redirect/voila/render/algebra/{KEY.id}.ipynb"
    assert groups_of(env, "u-ada") == {"lessonkit-algebra"}
    do_lesson(env, "u-ada")
    lineitem = env.lms.links[lesson_link]["lineitem"]
    scores = wait("the score at the platform", lambda: env.lms.scores_for(lineitem, "u-ada"))
    score = scores[-1]
    assert score["scoreGiven"] == pytest.approx(4) and score["scoreMaximum"] == pytest.approx(4)
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    assert "4 of 4 points" in score["comment"] and "mastered:" in score["comment"]
    assert score["timestamp"].endswith("Z") and env.lms.tokens_issued >= 1
    milestone = env.lms.links[milestone_link]["lineitem"]
    scores = wait("the milestone's score", lambda: env.lms.scores_for(milestone, "u-ada"))
    assert scores[-1]["scoreGiven"] == pytest.approx(4) and scores[-1]["scoreMaximum"] == 4
    assert "mastered: Multiplies and adds small numbers" in scores[-1]["comment"], scores
    time.sleep(3)  # more rounds of the worker: the same grades are not sent again
    assert len(env.lms.scores_for(lineitem, "u-ada")) == 1
    assert len(env.lms.scores_for(milestone, "u-ada")) == 1


def test_the_instructor_sees_the_roster_including_who_has_not_started(
    env: LmsHub, lesson_link: str
) -> None:
    _, target = launch(env, lesson_link, "u-teacher")
    assert target == f"/services/lessonkit/class/algebra/?lesson={KEY.id}"
    assert groups_of(env, "u-teacher") == {"lessonkit-algebra-instructors"}
    token = env.hub.token("u-teacher")

    def roster() -> Any:
        status, body = env.hub.api("GET", "/services/lessonkit/api/lti/roster/algebra", token)
        names = {m["username"] for m in body["members"]} if status == 200 else set()
        return body if "u-carol" in names else None

    members = {m["username"]: m for m in wait("the NRPS roster", roster)["members"]}
    assert members["u-carol"]["lessons_started"] == [] and members["u-carol"]["source"] == "nrps"
    assert members["u-teacher"]["role"] == "instructor"
    page = env.hub.api("GET", f"/services/lessonkit/class/algebra/?lesson={KEY.id}", token)
    assert page[0] == 200 and "u-carol" in page[1]  # the class view lists her, not started
    # The teacher's view of the course (a notebook with the instructor's token) too.
    service = {"LESSONKIT_SERVICE_URL": env.service}
    roster = fetch_roster("algebra", env={**service, "LESSONKIT_HUB_TOKEN": token})
    assert LearnerRef(id="u-carol", name="Carol Absent") in roster
    assert all(r.id != "u-teacher" for r in roster)  # instructors are not learners
    with open_store("memory://") as store:
        view = ClassPlan(COURSE_FILE, store=store, teacher="u-teacher", roster=roster)
    assert "<li data-learner='u-carol'>Carol Absent (u-carol)</li>" in view.overview.value
    launch(env, lesson_link, "u-ada")
    learner = {**service, "LESSONKIT_HUB_TOKEN": env.hub.token("u-ada")}
    with pytest.raises(StorageError, match="HTTP 403"):  # a learner's token reads no roster
        fetch_roster("algebra", env=learner)


def test_the_platform_down_during_a_push_then_up_the_score_arrives_once(
    env: LmsHub, lesson_link: str, database: sa.Engine
) -> None:
    launch(env, lesson_link, "u-bob")
    env.hub.spawn("u-bob")
    lineitem = env.lms.links[lesson_link]["lineitem"]
    url = env.lms.lineitems[lineitem]["id"]
    env.platform.stop()
    try:
        do_lesson(env, "u-bob")
        # the worker queued her grade and tried to post it: it waits in the spool
        # (queued and tried are two commits of one round: wait for the second)
        row = wait("a delivery tried in the outage", lambda: tried(database, "u-bob", url))
        assert row.attempts >= 1 and row.error.startswith("HTTP 0"), row
        assert env.lms.scores_for(lineitem, "u-bob") == []
    finally:
        env.platform.start()
    scores = wait("the score after the outage", lambda: env.lms.scores_for(lineitem, "u-bob"))
    assert scores[0]["scoreGiven"] == 4 and scores[0]["activityProgress"] == "Completed"
    row = wait("the delivery recorded", lambda: spool(database, "u-bob", url, DELIVERED))
    assert row.deliveries == 1
    teacher = env.hub.token("u-teacher")
    status, pushed = env.hub.api(
        "POST",
        "/services/lessonkit/api/lti/grades/algebra",
        teacher,
        {"lesson": KEY.id, "learner": "u-bob"},
    )
    assert status == 200 and pushed["queued"] == 0, pushed  # the same grade: nothing new
    time.sleep(3)
    assert len(env.lms.scores_for(lineitem, "u-bob")) == 1
    assert spool(database, "u-bob", url, DELIVERED).deliveries == 1


def test_an_instructor_deep_links_a_lesson(env: LmsHub) -> None:
    browser = Browser()
    answer = browser.launch(f"{env.platform.base}/deep_link/course-101?user=u-teacher")
    assert answer.status_code == 302, answer.text[:300]
    picker = browser.get(env.hub.public + answer.headers["Location"])
    assert picker.status_code == 200 and "Add lessonkit content" in picker.text, picker.text[:300]
    assert KEY.title in picker.text
    done = browser.get(picker.url.rstrip("/") + f"/done?item=lesson:{KEY.id}&view=lab")
    assert done.status_code == 200, done.text[:300]
    action, fields = form_of(done.text)
    assert action == env.platform.base + "/deep_link_return"
    added = browser.session.post(action, data=fields, timeout=60)
    assert added.status_code == 200 and "Added 1" in added.text, added.text[:300]
    link = added.text.split("Added 1: ")[1].split("<")[0]
    made = env.lms.links[link]
    assert made["custom"] == {"lessonkit_item": f"lesson:{KEY.id}", "lessonkit_view": "lab"}
    item = env.lms.lineitems[made["lineitem"]]
    assert item["label"] == KEY.title and item["scoreMaximum"] == pytest.approx(4)
    assert item["resourceId"] == f"lessonkit:algebra:lesson:{KEY.id}"
    again = browser.get(picker.url.rstrip("/") + f"/done?item=lesson:{KEY.id}&view=lab")
    assert again.status_code == 410  # a deep-linking request answers once
    _, target = launch(env, link, "u-ada")  # the new link launches into the lesson
    assert target == f"/hub/user-redirect/lab/tree/algebra/{KEY.id}.ipynb"


def forged(env: LmsHub, nonce: str, **changes: Any) -> str:
    """An id_token for Mallory as Instructor of course-101, as the platform would sign it,
    with ``changes`` (``key=`` another private key)."""
    lms = env.lms
    key = changes.pop("key", lms.private_key)
    if changes.get(DL_SETTINGS) == "platform":  # the platform's own return URL
        changes[DL_SETTINGS] = {"deep_link_return_url": lms.base + "/deep_link_return"}
    now = int(time.time())
    claims = {
        "iss": lms.base,
        "aud": lms.client_id,
        "sub": "u-mallory",
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": lms.deployment_id,
        "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": env.hub.public + "/hub/",
        "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "forged"},
        "https://purl.imsglobal.org/spec/lti/claim/context": {"id": "course-101", "label": "A"},
        "https://purl.imsglobal.org/spec/lti/claim/roles": [INSTRUCTOR],
        "https://purl.imsglobal.org/spec/lti/claim/custom": {"lessonkit_item": "plan"},
        **changes,
    }
    kid = lms.registration().get_kid()
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def login_started(env: LmsHub) -> tuple[Browser, str, str]:
    """A browser that started an OIDC login at the hub: its state and nonce."""
    browser = Browser()
    query = (
        f"iss={env.lms.base}&login_hint=u-mallory&target_link_uri={env.hub.public}/hub/"
        f"&client_id={env.lms.client_id}"
    )
    answer = browser.get(f"{env.hub.public}/hub/lti13/oauth_login?{query}", allow_redirects=False)
    assert answer.status_code == 302, answer.text[:300]
    params = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
    return browser, params["state"], params["nonce"]


def post_token(env: LmsHub, browser: Browser, state: str, token: str) -> int:
    url = env.hub.public + "/hub/lti13/oauth_callback"
    answer = browser.session.post(
        url, data={"id_token": token, "state": state}, allow_redirects=False, timeout=60
    )
    return answer.status_code


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"key": new_key()[0]}, id="wrong-key"),
        pytest.param({"aud": "another-tool"}, id="wrong-audience"),
        pytest.param(
            {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 4000}, id="expired"
        ),
        pytest.param(
            {"iat": int(time.time()) + 3600, "exp": int(time.time()) + 4000},
            id="issued-in-the-future",
        ),
        pytest.param(
            {"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "other"},
            id="unknown-deployment",
        ),
        pytest.param(
            {AGS: {"scope": [], "lineitems": ELSEWHERE + "/lineitems"}},
            id="grades-service-on-another-host",
        ),
        pytest.param(
            {NRPS: {"context_memberships_url": ELSEWHERE + "/members", "service_versions": []}},
            id="roster-service-on-another-host",
        ),
        pytest.param(
            {MESSAGE_TYPE: "LtiDeepLinkingRequest", DL_SETTINGS: {}},
            id="deep-linking-without-a-return-url",
        ),
        pytest.param(
            {
                MESSAGE_TYPE: "LtiDeepLinkingRequest",
                DL_SETTINGS: {"deep_link_return_url": ELSEWHERE},
            },
            id="deep-linking-return-to-another-host",
        ),
        pytest.param(
            {MESSAGE_TYPE: "LtiDeepLinkingRequest", ROLES: [LEARNER], DL_SETTINGS: "platform"},
            id="deep-linking-by-a-learner",
        ),
    ],
)
def test_forged_id_tokens_are_refused(
    env: LmsHub, database: sa.Engine, change: dict[str, Any]
) -> None:
    before = groups_of(env, "u-mallory")
    browser, state, nonce = login_started(env)
    assert post_token(env, browser, state, forged(env, nonce, **change)) in (400, 401, 403)
    assert groups_of(env, "u-mallory") == before  # nothing changed
    assert "lessonkit-algebra-instructors" not in before
    with database.connect() as conn:  # no URL from it was kept
        urls = list(conn.execute(sa.select(contexts.c.lineitems_url, contexts.c.memberships_url)))
        picks = list(conn.execute(sa.select(deeplinks.c.return_url)))
    assert not any(ELSEWHERE in u for row in [*urls, *picks] for u in row)


def test_a_replayed_launch_is_refused(env: LmsHub) -> None:
    """A captured id_token with the victim's cookies: accepted once, never twice."""
    browser, state, nonce = login_started(env)
    cookies = browser.session.cookies.copy()
    token = forged(
        env,
        nonce,
        **{
            "https://purl.imsglobal.org/spec/lti/claim/roles": [LEARNER],
        },
    )
    assert post_token(env, browser, state, token) == 302
    browser.session.cookies = cookies  # the attacker replays both
    assert post_token(env, browser, state, token) == 400


def test_a_learner_gets_no_instructor_role_from_another_context(
    env: LmsHub, lesson_link: str
) -> None:
    launch(env, lesson_link, "u-mallory")  # a learner of algebra (course-101)
    assert groups_of(env, "u-mallory") == {"lessonkit-algebra"}
    sandbox = env.lms.add_link("sandbox-999", "mine", {"lessonkit_item": "plan"}, None)
    browser = Browser()
    refused = browser.launch(f"{env.platform.base}/launch/{sandbox}?user=u-mallory")
    assert refused.status_code == 403 and "not connected" in refused.text
    geometry = env.lms.add_link("course-202", "geo", {"lessonkit_item": "plan"}, None)
    _, target = launch(env, geometry, "u-mallory")  # Instructor there: of geometry only
    assert target == "/services/lessonkit/class/geometry/"
    assert groups_of(env, "u-mallory") == {"lessonkit-algebra", "lessonkit-geometry-instructors"}
    token = env.hub.token("u-mallory")
    assert env.hub.api("GET", "/services/lessonkit/class/algebra/", token)[0] == 403
    status, _ = env.hub.api("POST", "/services/lessonkit/api/lti/grades/algebra", token, {})
    assert status == 403


def test_no_score_for_a_learner_outside_the_lms_course(
    env: LmsHub, lesson_link: str, database: sa.Engine
) -> None:
    launch(env, lesson_link, "u-teacher")
    teacher = env.hub.token("u-teacher")
    status, body = env.hub.api(
        "POST", "/services/lessonkit/api/lti/grades/algebra", teacher, {"learner": "u-stranger"}
    )
    assert status == 409 and "not a learner" in body["error"], body
    assert all(score.get("userId") != "u-stranger" for _, score in env.lms.scores)
    with database.connect() as conn:  # nothing queued for her either
        queued = conn.execute(sa.select(scores).where(scores.c.username == "u-stranger"))
        assert queued.first() is None
