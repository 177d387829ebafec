"""The tornado application: the routes of the course service.

Every request but ``api/health`` is authenticated by JupyterHub (``HubOAuth``: a token in the
``Authorization`` header, or the service's OAuth cookie in a browser) and must hold the scope
``access:services!service=<name>``. The user is whoever the hub says the token or cookie
belongs to. State-changing requests are accepted with a token only (never on a cookie alone),
so a page elsewhere cannot make a browser post on the learner's behalf.

Routes below the service prefix (``/services/lessonkit/``):

=======================================  ==========================================
``GET  api/health``                      liveness and readiness (no authentication)
``GET  api/whoami``                      the user and their role in each course
``POST api/statements``                  a learner's statements (JSON array)
``GET  api/statements``                  statements (own; an instructor: their learners')
``POST api/check``                       check an answer against the key
``GET  api/lessons/<id>``                the learner's copy of a lesson (no keys)
``GET  api/grades/<course>/<lesson>``    grades from server-side evidence (instructor)
``DELETE api/learners/<name>``           delete a learner's data in a course (instructor)
``GET  class/<course>/``                 the live class view (instructor, observer)
``GET  class/<course>/items``            item analysis (instructor, observer)
``GET  class/<course>/export``           CSV or xAPI export (instructor, observer)
``…    lti/…``, ``api/lti/…``            the LMS connection (:mod:`.lti_views`)
=======================================  ==========================================
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

from tornado import web

from .base import Service

__all__ = ["make_app"]


def make_app(service: Service, prefix: str | None = None) -> web.Application:
    """The application serving below ``prefix`` (default ``$JUPYTERHUB_SERVICE_PREFIX``)."""
    from . import handlers, views

    prefix = prefix or os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/lessonkit/")
    prefix = prefix if prefix.endswith("/") else prefix + "/"
    routes: list[tuple[str, type, dict[str, Any]]] = [
        (route, cls, {"service": service})
        for route, cls in (
            ("api/health", handlers.Health),
            ("api/whoami", handlers.WhoAmI),
            ("api/statements", handlers.Statements),
            ("api/check", handlers.Check),
            (r"api/lessons/([A-Za-z0-9_-]+)", handlers.LessonCopy),
            (r"api/grades/([A-Za-z0-9_-]+)/([A-Za-z0-9_-]+)", handlers.Grades),
            (r"api/learners/([^/]+)", handlers.Learner),
            (r"class/([A-Za-z0-9_-]+)/", views.ClassView),
            (r"class/([A-Za-z0-9_-]+)/items", views.ItemsView),
            (r"class/([A-Za-z0-9_-]+)/export", views.Export),
            ("", views.Index),
        )
    ]
    if service.config.lti is not None:  # the LMS connection (docs/lms.md)
        from .lti_runtime import runtime
        from .lti_views import lti_routes

        runtime(service)
        routes += [(route, cls, {"service": service}) for route, cls in lti_routes()]
    full: list[Any] = [(prefix + route + "$", cls, kw) for route, cls, kw in routes]
    from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler

    if isinstance(service.auth, HubOAuth):  # browsers log in through the hub
        full.append((prefix + "oauth_callback", HubOAuthCallbackHandler))
    # OAuth state and login cookies are signed: every replica must use the same key.
    secret = hmac.new(service.ledger.salt, b"lessonkit-cookies", hashlib.sha256).hexdigest()
    return web.Application(full, cookie_secret=secret, xsrf_cookies=False)
