"""The hub's LMS login: JupyterHub's ``ltiauthenticator`` (LTI 1.3), fitted to lessonkit.

``c.JupyterHub.authenticator_class = "lessonkit.hub.lti_auth.LessonkitLTIAuthenticator"``
(:func:`lessonkit.hub.hubconfig.add_lti_login` sets it up). ``ltiauthenticator`` does the OIDC
login and checks the id_token: signature against the platform's JWKS, issuer, audience,
``azp``, expiry, age, required claims, state (a cookie) and nonce (a cookie). On top, this
subclass:

- serves **several platforms** from the service configuration's ``lti:`` section (the one
  place they are configured), chosen by the launch's ``iss`` and ``aud``;
- requires ``exp``, bounds clock skew (``lti.leeway``), accepts only the configured
  **deployments**, and makes each **nonce single use** on the hub as well (a captured id_token
  and cookie cannot be replayed);
- maps the LMS course (context) to a lessonkit course **by configuration**: a launch from a
  context that is not listed is refused;
- accepts service URLs (AGS, NRPS, the deep-linking return) only on the platform's
  ``service_hosts``, so a launch cannot make the service send its tokens elsewhere;
- makes the hub user name from a configured claim (default ``sub``), escaped so that two LMS
  users never share one name; sets the course groups from the **context** role
  (``Instructor``/``TeachingAssistant`` → ``lessonkit-<course>-instructors``, ``Learner`` →
  ``lessonkit-<course>``), leaving the user's other groups as they are (``manage_groups``);
- writes what the launch says (context, link, line item URLs, NRPS URL, the member) into the
  service's database before the learner is redirected: the service never takes these from a
  request body (see docs/lms.md, "Why the hub writes launches to the database"). It never
  creates or changes tables: the service does (see :meth:`LessonkitLTIAuthenticator.engine`);
- sends a resource-link launch to its lesson, or to the learning plan for a milestone or the
  plan (JupyterLab or Voilà, as the link says), an instructor to the class view, and a
  deep-linking request to the service's picker.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import jwt
from ltiauthenticator.lti13.auth import LTI13Authenticator
from ltiauthenticator.lti13.constants import LTI13_GENERAL_REQUIRED_CLAIMS
from ltiauthenticator.lti13.error import MissingRequiredArgumentError
from ltiauthenticator.lti13.handlers import LTI13CallbackHandler, LTI13LoginInitHandler
from ltiauthenticator.lti13.validator import LTI13LaunchValidator
from ltiauthenticator.utils import convert_request_to_dict
from tornado import web
from tornado.httputil import url_concat
from traitlets import Float, Unicode, default

from ..lti.claims import (
    DEEP_LINKING,
    DL_SETTINGS,
    INSTRUCTOR,
    MESSAGE_TYPE,
    Launch,
    LaunchError,
    read_launch,
)
from ..lti.config import LtiConfig, LtiConfigError, Platform
from . import schema
from .config import HubConfig, load_config
from .lti_items import PLAN, find_item

__all__ = ["LessonkitLTIAuthenticator"]

REQUIRED = ["iss", "aud", "sub", "exp", "iat", "nonce"]
NOT_READY = (
    "lessonkit is being set up or upgraded on this hub and cannot take your launch yet. Go back "
    "to your course and open the link again in a minute. If this keeps happening, tell the "
    "hub's administrator (the hub's log says why)."
)
"""The page a launch gets while the service's database is not at this lessonkit's schema."""


class LoginInit(LTI13LoginInitHandler):  # type: ignore[misc]
    """Step 1 (OIDC login initiation): send the browser to the right platform."""

    def authorize_redirect(  # noqa: PLR0917 - the signature ltiauthenticator calls
        self,
        redirect_uri: str,
        login_hint: str,
        nonce: str,
        client_id: str | None,
        state: str,
        lti_message_hint: str | None = None,
    ) -> None:
        platform = self.authenticator.platform_for(self.get_argument("iss", ""), client_id)
        args = {
            "response_type": "id_token",
            "scope": "openid",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": platform.client_id,
            "redirect_uri": redirect_uri,
            "login_hint": login_hint,
            "nonce": nonce,
            "state": state,
        }
        if lti_message_hint is not None:
            args["lti_message_hint"] = lti_message_hint
        self.redirect(url_concat(platform.login_url, args))


class Validator(LTI13LaunchValidator):  # type: ignore[misc]
    """ltiauthenticator's checks, with deep-linking requests checked as Deep Linking 2.0 says.

    ltiauthenticator 1.6 requires every claim it lists as *optional* (``tool_platform``,
    ``launch_presentation``, ``azp``) in a deep-linking request, and refuses platforms that
    leave them out (lti1p3platform, for one). A deep-linking request gets the general checks
    (required claims, version, context label, age) and the deep-linking settings with a
    return URL that the spec requires; resource-link launches are checked unchanged.
    """

    def validate_id_token(self, id_token: dict[str, Any]) -> None:
        """Raise ltiauthenticator's ``ValidationError`` subclasses for a bad id_token."""
        if id_token.get(MESSAGE_TYPE) != DEEP_LINKING:
            super().validate_id_token(id_token)
            return
        self._check_arg_not_missing(id_token, LTI13_GENERAL_REQUIRED_CLAIMS.keys())
        self._check_lti_version(id_token)
        self._check_context_label(id_token)
        self._check_if_iat_is_too_old(id_token)
        settings = id_token.get(DL_SETTINGS)
        if not isinstance(settings, dict) or not settings.get("deep_link_return_url"):
            raise MissingRequiredArgumentError("deep_linking_settings.deep_link_return_url")


class Callback(LTI13CallbackHandler):  # type: ignore[misc]
    """Step 3 (the id_token): checked against the platform it names, then the user logs in."""

    lessonkit_next: str | None = None

    def decode_and_validate_launch_request(self) -> dict[str, Any]:
        auth: LessonkitLTIAuthenticator = self.authenticator
        settings = auth.lti()
        validator = Validator(parent=self.app, time_leeway=settings.leeway)
        args = convert_request_to_dict(self.request.arguments)
        validator.validate_auth_response(args)
        self.check_state()
        encoded = str(args.get("id_token"))
        try:  # only to choose the platform; everything is checked below
            unverified = jwt.decode(encoded, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise web.HTTPError(400, f"the id_token is not a JWT: {exc}") from exc
        aud = unverified.get("aud")
        client = unverified.get("azp") or (aud[0] if isinstance(aud, list) and aud else aud)
        platform = auth.platform_for(str(unverified.get("iss", "")), client)
        id_token: dict[str, Any] = validator.verify_and_decode_jwt(
            encoded_jwt=encoded,
            issuer=platform.issuer,
            audience=platform.client_id,
            jwks_endpoint=platform.jwks_url,
            jwks_algorithms=["RS256"],
            options={"require": REQUIRED},
        )
        validator.validate_id_token(id_token)
        validator.validate_azp_claim(id_token, {platform.client_id})
        self.check_nonce(id_token)
        auth.use_nonce(str(id_token["nonce"]), float(id_token["exp"]) + settings.leeway)
        return id_token

    def get_next_url(self, user: Any = None) -> str:
        return self.lessonkit_next or str(super().get_next_url(user))


class LessonkitLTIAuthenticator(LTI13Authenticator):  # type: ignore[misc]
    """LTI 1.3 login for a hub with the lessonkit course service (see the module doc)."""

    login_service = "your course in the LMS"
    login_handler = LoginInit
    callback_handler = Callback

    lessonkit_config = Unicode(
        "",
        config=True,
        help="The lessonkit service configuration file (default $LESSONKIT_HUB_CONFIG).",
    )
    schema_wait = Float(
        10.0,
        config=True,
        help="Seconds a launch waits for the course service to bring its database to this "
        "lessonkit's schema (the service does at start) before the launch is refused (503).",
    )

    @default("manage_groups")
    def _manage_groups(self) -> bool:
        return True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._config: HubConfig | None = None
        self._engine: Any = None
        self._schema_ready = False
        self._nonces: dict[str, float] = {}

    def settings(self) -> HubConfig:
        """The service configuration (read once)."""
        if self._config is None:
            self._config = load_config(self.lessonkit_config or None)
            if self._config.lti is None:
                raise RuntimeError(f"{self.lessonkit_config}: no `lti:` section")
        return self._config

    def lti(self) -> LtiConfig:
        """The ``lti:`` section."""
        lti = self.settings().lti
        assert lti is not None
        return lti

    def engine(self) -> Any:
        """The service's database, once it is at the schema this lessonkit reads and writes.

        The hub's login never creates or changes tables. The course service owns the schema: it
        upgrades the database when it starts, under its lock, once across replicas
        (:func:`lessonkit.hub.schema.ensure`), after the administrator's backup (docs/jupyterhub.md,
        "Upgrading lessonkit"). Migrating here as well would change the layout whenever the hub
        restarts, from the hub's own install (on Kubernetes, possibly another lessonkit than the
        service's image) and inside a learner's login request. So a launch that finds the
        database behind waits up to :attr:`schema_wait` seconds (in an executor thread: the
        service is usually starting and about to finish), then is refused with a 503 page asking
        to try again, nothing recorded, and the hub's log says why; a database a newer
        lessonkit upgraded is refused at once, as the service refuses it. Once the database was
        seen at the schema, this process does not check again (a running hub keeps working
        through a later upgrade, as a running service replica does: revisions only add).
        """
        if self._engine is None:
            from .db import make_engine

            self._engine = make_engine(self.settings().database)
        if not self._schema_ready:
            try:
                schema.wait_for_head(self._engine, timeout=self.schema_wait)
            except schema.SchemaError as exc:
                self.log.error("lessonkit: LMS launch refused: %s", exc)
                refused = web.HTTPError(503, NOT_READY)
                refused.headers = {"Retry-After": "60"}  # type: ignore[attr-defined]
                raise refused from exc
            self._schema_ready = True
        return self._engine

    def platform_for(self, issuer: str, client_id: Any) -> Platform:
        """The configured platform (400 when the hub does not know it)."""
        platform = self.lti().platform(issuer, str(client_id) if client_id else None)
        if platform is None:
            raise web.HTTPError(400, f"no LMS with issuer {issuer!r} is connected to this hub")
        return platform

    def use_nonce(self, nonce: str, until: float) -> None:
        """Accept each nonce once (400 for a replay)."""
        now = time.time()
        self._nonces = {n: t for n, t in self._nonces.items() if t > now}
        if nonce in self._nonces:
            raise web.HTTPError(400, "this launch was used already (replayed id_token)")
        self._nonces[nonce] = until

    def check_allowed(self, username: str, authentication: Any = None) -> bool:
        """Whoever a connected LMS course vouches for (the launch was checked)."""
        if authentication and authentication.get("lessonkit_course"):
            return True
        return bool(super().check_allowed(username, authentication))

    async def authenticate(self, handler: Any, data: Any = None) -> dict[str, Any]:
        """The user, their groups and where they go, from a checked launch."""
        try:
            launch = read_launch(data or {})
        except LaunchError as exc:
            raise web.HTTPError(400, str(exc)) from exc
        platform = self.platform_for(launch.issuer, launch.client_id)
        if launch.deployment_id not in platform.deployment_ids:
            raise web.HTTPError(403, f"LMS deployment {launch.deployment_id!r} is not connected")
        course = platform.course_of(launch.context_id)
        if course is None:
            raise web.HTTPError(
                403,
                f"the LMS course {launch.context_title or launch.context_id!r} (context id "
                f"{launch.context_id}) is not connected to a lessonkit course: ask the hub's "
                "administrator to add it under lti.platforms[].contexts",
            )
        if launch.role is None:
            raise web.HTTPError(403, "your role in this LMS course gives no access to lessonkit")
        for url in (launch.lineitem, launch.lineitems, launch.memberships_url, launch.return_url):
            if url and not platform.allows(url):
                raise web.HTTPError(
                    403,
                    f"the LMS named a service URL on another host ({url!r}): add its host to "
                    "this platform's `service_hosts:` if it is the LMS's own",
                )
        try:
            name = platform.username(launch.claims)
        except LtiConfigError as exc:
            raise web.HTTPError(403, str(exc)) from exc
        groups = self._groups(handler, name, course, launch.role)
        target = await asyncio.get_running_loop().run_in_executor(
            None, self._record, launch, course, name
        )
        handler.lessonkit_next = target
        return {
            "name": name,
            "groups": sorted(groups),
            "auth_state": dict(launch.claims),
            "lessonkit_course": course,
        }

    def _groups(self, handler: Any, name: str, course: str, role: str) -> set[str]:
        prefix = self.settings().group_prefix + course
        user = handler.find_user(name)
        held = {g.name for g in user.groups} if user is not None else set()
        # This launch speaks for this course only: its role replaces the one held here.
        held -= {prefix, prefix + "-instructors"}
        held.add(prefix + "-instructors" if role == INSTRUCTOR else prefix)
        return held

    def _record(self, launch: Launch, course: str, name: str) -> str:
        from ..lti import store

        settings, now = self.lti(), time.time()
        stamp = datetime.now(UTC).isoformat(timespec="microseconds")
        base = urlsplit(settings.hub_url).path.rstrip("/")  # a path: the hub's own host
        service = base + settings.service_prefix
        if launch.message_type == DEEP_LINKING:
            if launch.role != INSTRUCTOR:
                raise web.HTTPError(403, "only instructors add lessonkit content to a course")
            store.record_launch(
                self.engine(), launch, course=course, username=name, item="", now=stamp
            )
            key = store.new_deeplink(self.engine(), launch, course=course, username=name, now=now)
            return f"{service}lti/pick/{key}"
        key = launch.custom.get("lessonkit_item", PLAN)
        item = find_item(self.settings().courses[course], key)
        if item is None:
            raise web.HTTPError(404, f"this link names {key!r}, which course {course} lacks")
        store.record_launch(
            self.engine(), launch, course=course, username=name, item=item.key, now=stamp
        )
        lesson = item.lessons[0] if item.kind == "lesson" else ""
        if launch.role == INSTRUCTOR:  # the class view (of the lesson)
            query = f"?lesson={quote(lesson)}" if lesson else ""
            return f"{service}class/{course}/{query}"
        # a lesson opens its notebook; a milestone or the plan opens the learning plan
        template = settings.notebook if lesson else settings.plan_notebook
        path = quote(template.format(course=course, lesson=lesson))
        view = "voila/render" if launch.custom.get("lessonkit_view") == "voila" else "lab/tree"
        return f"{base}/hub/user-redirect/{view}/{path}"
