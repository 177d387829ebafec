"""The service's LMS side without a hub: a real platform, the service in a thread.

Launches are recorded as the hub's login records them (:func:`lessonkit.lti.store.
record_launch` with claims the platform signed); the learner's evidence goes through the
service's API; grades go to the platform's AGS endpoint through the spool.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from lessonkit.cli import main
from lessonkit.hub.config import load_config
from lessonkit.lti import store
from lessonkit.lti.claims import read_launch
from tests.hub.harness import LESSON, NOTES, ThreadedService, write_config
from tests.hub.test_service_api import KEY, learner_session, sum_answer

from .platform import LEARNER, Lms, PlatformServer


def lms_for(base: str) -> Lms:
    lms = Lms(
        base=base, tool_login="http://tool/login", tool_redirect="http://tool/hub/cb", tool_jwks=""
    )
    lms.contexts["c-1"] = {"title": "Algebra", "members": {"alice": [LEARNER], "bob": [LEARNER]}}
    return lms


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[ThreadedService, PlatformServer, Path]]:
    platform = PlatformServer(lms_for)
    service_port = __import__("tests.hub.harness", fromlist=["free_port"]).free_port()
    platform.lms.tool_jwks = f"http://127.0.0.1:{service_port}/services/lessonkit/lti/jwks"
    base = platform.base
    lti = {
        "hub_url": "http://hub.invalid/",
        "keys": str(tmp_path / "keys"),
        "interval": 0.2,
        "roster_minutes": 60,
        "platforms": [
            {
                "issuer": base,
                "client_id": platform.lms.client_id,
                "deployment_ids": [platform.lms.deployment_id],
                "login_url": base + "/authorize",
                "token_url": base + "/token",
                "jwks_url": base + "/jwks",
                "contexts": {"c-1": "algebra"},
            }
        ],
    }
    config = write_config(
        tmp_path,
        f"sqlite:///{tmp_path / 'course.db'}",
        lti=lti,
        courses={"algebra": {"lessons": [str(LESSON), str(NOTES)]}},
    )
    platform.start()
    service = ThreadedService.from_file(config, port=service_port).start()
    try:
        yield service, platform, config
    finally:
        service.stop()
        platform.stop()


def signed_launch(lms: Lms, user: str, link: str) -> dict[str, Any]:
    """The claims of a launch the platform signed (as the hub's login checked them)."""
    from tests.lti.platform import Launch

    class Req:
        def __init__(self) -> None:
            self.query_params = {"nonce": "n", "state": "s", "client_id": lms.client_id}

    message = Launch(Req(), __import__("tests.lti.platform", fromlist=["Conf"]).Conf(lms=lms))
    message._registration = lms.registration()
    message.set_user_data(user, lms.contexts["c-1"]["members"][user])
    message.set_launch_context_claim("c-1", context_title="Algebra")
    message.set_resource_link_claim(link)
    message.set_custom_parameters_claim(lms.links[link]["custom"])
    base = f"{lms.base}/ags/c-1/lineitems"
    message.set_ags(base, f"{base}/{lms.links[link]['lineitem']}")
    message.set_nrps(f"{lms.base}/nrps/c-1/memberships")
    token = message.generate_launch_request()["id_token"]
    return jwt.decode(token, lms.public_key, algorithms=["RS256"], audience=lms.client_id)


def test_grades_reach_the_platform_once(
    setup: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service, platform, config_path = setup
    lms = platform.lms
    link = lms.add_link("c-1", "Fractions", {"lessonkit_item": f"lesson:{KEY.id}"}, points=4)
    engine = service.service.ledger.engine  # type: ignore[union-attr]
    for user in ("alice", "bob"):
        store.record_launch(
            engine,
            read_launch(signed_launch(lms, user, link)),
            course="algebra",
            username=user,
            item=f"lesson:{KEY.id}",
            now="2026-01-01T00:00:00Z",
        )
    s = learner_session(service, monkeypatch, tmp_path, "alice")
    s.advance()
    s.submit("4")
    s.advance()
    s.submit("42")
    s.advance()
    s.submit(str(sum_answer("alice")))
    s.advance()
    assert s.finished and s.store.flush(10)
    lid = lms.links[link]["lineitem"]
    deadline = time.monotonic() + 30
    while not lms.scores_for(lid, "alice") and time.monotonic() < deadline:
        time.sleep(0.2)
    scores = lms.scores_for(lid, "alice")
    assert len(scores) == 1 and scores[0]["scoreGiven"] == pytest.approx(4), scores
    assert lms.scores_for(lid, "bob") == []  # not finished: nothing on completion
    # The instructor pushes: bob's grade goes as it stands; alice's is not sent again.
    capsys.readouterr()
    assert (
        main(["hub", "lti", "push-grades", "--course", "algebra", "--config", str(config_path)])
        == 0
    )
    assert len(lms.scores_for(lid, "alice")) == 1
    bob = lms.scores_for(lid, "bob")
    assert len(bob) == 1 and bob[0]["scoreGiven"] == 0
    assert (
        bob[0]["activityProgress"] == "Initialized" and bob[0]["gradingProgress"] == "FullyGraded"
    )
    # Nobody outside the LMS course gets a score pushed.
    assert (
        main(
            [
                "hub",
                "lti",
                "push-grades",
                "--course",
                "algebra",
                "--learner",
                "mallory",
                "--config",
                str(config_path),
            ]
        )
        == 1
    )
    assert "mallory is not a learner" in capsys.readouterr().err
    assert all(s.get("userId") != "mallory" for _, s in lms.scores)
    assert load_config(config_path).lti is not None
