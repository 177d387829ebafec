"""A real JupyterHub logging users in from a real LTI 1.3 platform, for tests/lti.

The hub is :class:`tests.hub.hubrun.TestHub` (configurable-http-proxy, local spawner, the
course service from the shipped snippet) with the LMS login snippet loaded on top
(``extensions/jupyterhub/lti_jupyterhub_config.py``); the LMS is
:class:`tests.lti.platform.PlatformServer` (``lti1p3platform``). :class:`Browser` follows the
launch as a browser without JavaScript would: redirects, then the auto-submitted form.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import requests

from tests.hub.harness import NOTES, write_config
from tests.hub.hubrun import TestHub

from .platform import INSTRUCTOR, LEARNER, Lms, PlatformServer

EXTRA_CONFIG = """
# LMS login: groups come from launches, so none are loaded.
c.JupyterHub.load_groups = {}
load_subconfig(os.path.join(os.path.dirname(env["LESSONKIT_TEST_SNIPPET"]),  # noqa: F821
                            "lti_jupyterhub_config.py"))
"""

USERS = {
    "u-ada": {"name": "Ada Learner", "email": "ada@example.org"},
    "u-bob": {"name": "Bob Learner", "email": "bob@example.org"},
    "u-carol": {"name": "Carol Absent", "email": "carol@example.org"},
    "u-dora": {"name": "Dora Browser", "email": "dora@example.org"},
    "u-teacher": {"name": "Tess Teacher", "email": "tess@example.org"},
    "u-mallory": {"name": "Mallory", "email": "mallory@example.org"},
}


def make_lms(base: str, hub: str, service: str) -> Lms:
    lms = Lms(
        base=base,
        tool_login=hub + "/hub/lti13/oauth_login",
        tool_redirect=hub + "/hub/lti13/oauth_callback",
        tool_jwks=service + "lti/jwks",
    )
    lms.users.update(USERS)
    lms.contexts["course-101"] = {
        "title": "Algebra 101",
        "members": {
            "u-ada": [LEARNER],
            "u-bob": [LEARNER],
            "u-carol": [LEARNER],
            "u-dora": [LEARNER],
            "u-mallory": [LEARNER],
            "u-teacher": [INSTRUCTOR],
        },
    }
    # Mallory teaches elsewhere: a course connected to `geometry`, and her own sandbox.
    lms.contexts["course-202"] = {"title": "Geometry", "members": {"u-mallory": [INSTRUCTOR]}}
    lms.contexts["sandbox-999"] = {"title": "Sandbox", "members": {"u-mallory": [INSTRUCTOR]}}
    return lms


COURSE_FILE = Path(__file__).with_name("data") / "arithmetic.course.yaml"
"""The course file of `algebra`: its two lessons and the milestone `warm-up`."""


class LmsHub:
    """The hub, the platform and the service configuration of one test module.

    Ports are picked free, then bound by the hub, the proxy and the service a moment later: on
    a busy machine another process may take one meanwhile (an outgoing connection's port).
    :meth:`start` then starts the hub again on other ports, up to three times.
    """

    def __init__(self, folder: Path, database: str, extra_config: str = "") -> None:
        self.folder = folder
        self.database = database
        self.extra_config = EXTRA_CONFIG + extra_config
        self.config = folder / "lessonkit-hub.yaml"
        self.attempt = 0
        self.hub = self._new_hub()
        # The LMS on another site than the hub (localhost vs 127.0.0.1), as in real life.
        self.platform = PlatformServer(
            lambda base: make_lms(base, self.hub.public, self.service), host="localhost"
        )
        self.lms = self.platform.lms

    @property
    def service(self) -> str:
        return self.hub.public + "/services/lessonkit/"

    def _new_hub(self) -> TestHub:
        self.attempt += 1
        folder = self.folder / f"hub{self.attempt}"
        folder.mkdir()
        # no external second service: these tests do not use it, and the hub waits about 30 s
        # at start for an external service that is not up
        return TestHub(folder, self.config, extra_config=self.extra_config, external=False)

    def _write_config(self) -> None:
        """The service configuration, and the tool's URLs at the platform, for this hub."""
        self.lms.tool_login = self.hub.public + "/hub/lti13/oauth_login"
        self.lms.tool_redirect = self.hub.public + "/hub/lti13/oauth_callback"
        self.lms.tool_jwks = self.service + "lti/jwks"
        base = self.platform.base
        lti = {
            "hub_url": self.hub.public + "/",
            "keys": str(self.folder / "lti-keys"),
            "interval": 1,
            "roster_minutes": 0.02,
            "platforms": [
                {
                    "issuer": base,
                    "client_id": self.lms.client_id,
                    "deployment_ids": [self.lms.deployment_id],
                    "login_url": base + "/authorize",
                    "token_url": base + "/token",
                    "jwks_url": base + "/jwks",
                    "contexts": {"course-101": "algebra", "course-202": "geometry"},
                }
            ],
        }
        courses = {
            "algebra": {"course_file": str(COURSE_FILE)},
            "geometry": {"lessons": [str(NOTES)]},
        }
        write_config(self.folder, self.database, lti=lti, courses=courses)

    def start(self, chp: str) -> LmsHub:
        self.platform.start()
        for attempt in range(3):
            self._write_config()
            try:
                self.hub.start(chp)
                return self
            except (RuntimeError, TimeoutError):
                self.hub.stop()
                taken = "Address already in use" in self.hub.log.read_text(errors="replace")
                if not taken or attempt == 2:
                    raise
                self.hub = self._new_hub()
        return self

    def stop(self) -> None:
        self.hub.stop()
        self.platform.stop()


class Browser:
    """A cookie jar following redirects and auto-submitted forms."""

    def __init__(self) -> None:
        self.session = requests.Session()
        # as a browser navigating: the service sends it through the hub's OAuth login
        self.session.headers["Accept"] = "text/html,application/xhtml+xml,*/*;q=0.8"

    def launch(self, url: str) -> requests.Response:
        """Start at the LMS; the tool's answer to the platform's form post (not followed)."""
        page = self.session.get(url, timeout=60)
        assert page.status_code == 200, (page.status_code, page.text[:300])
        action, fields = form_of(page.text)
        return self.session.post(action, data=fields, allow_redirects=False, timeout=60)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.session.get(url, timeout=60, **kwargs)


def form_of(text: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the first form in a page."""
    action = re.search(r'<form[^>]*action="([^"]+)"', text)
    assert action, text[:500]
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', text)
    return html.unescape(action.group(1)), {k: html.unescape(v) for k, v in fields}
