"""The ``lti:`` section of the service configuration: one place for the LMS connection.

::

    lti:
      hub_url: https://hub.example.org/        # the hub as browsers reach it
      keys: lti-keys                           # the tool's key pair (made on first start, 0600)
      push: completion                         # when grades go: completion | due | command
      platforms:
        - issuer: https://canvas.instructure.com
          client_id: "10000000000042"
          deployment_ids: ["7:8865aa05b4b79b64a91a86042e43af5ea8ae79eb"]
          login_url: https://sso.canvaslms.com/api/lti/authorize_redirect
          token_url: https://sso.canvaslms.com/login/oauth2/token
          jwks_url: https://sso.canvaslms.com/api/lti/security/jwks
          contexts:                            # LMS course (context id) -> lessonkit course
            4dde05e8ca1973bcca9bffc13e1548820eee93a3: algebra
      courses:                                 # optional, per course
        algebra: {push: due, due: {fractions: "2027-02-12T23:59:00+00:00"}}

An LMS course is mapped to a lessonkit course by configuration, never guessed: a launch from a
context that is not listed is refused.
"""

from __future__ import annotations

import re
import string
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import LessonkitError

__all__ = ["PUSH_MODES", "LtiConfig", "LtiConfigError", "Platform", "parse_lti"]

PUSH_MODES = ("completion", "due", "command")
_SAFE = set(string.ascii_lowercase + string.digits + "-.@")
_URL = re.compile(r"^https?://[^\s/]+")


class LtiConfigError(LessonkitError, ValueError):
    """The ``lti:`` section is wrong."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Platform:
    """One LMS registration of the tool."""

    issuer: str
    """The platform's issuer (``iss`` of its messages)."""
    client_id: str
    """The tool's client id at this platform."""
    deployment_ids: frozenset[str]
    """Deployments accepted (a launch from another is refused)."""
    login_url: str
    """The platform's OIDC authorization endpoint."""
    token_url: str
    """The platform's OAuth2 token endpoint (for AGS and NRPS)."""
    jwks_url: str
    """The platform's public keys."""
    contexts: Mapping[str, str]
    """LMS context id -> lessonkit course."""
    username_claim: str = "sub"
    """The claim the hub user name is made from (``sub``, ``email``, or ``custom_<name>``)."""
    username_prefix: str = ""
    """Put before every user name from this platform (keeps two platforms' users apart)."""
    token_audience: str = ""
    """``aud`` of client assertions (default: ``token_url``; Moodle and Brightspace document
    their own)."""
    service_hosts: frozenset[str] = frozenset()
    """Hosts (``host`` or ``host:port``) the platform's AGS and NRPS URLs may be on; a launch
    naming another is refused, and the service never sends this platform's tokens elsewhere.
    Default: the hosts of ``issuer`` and ``token_url``."""

    def allows(self, url: str) -> bool:
        """Whether ``url`` may receive this platform's access tokens: on a host of
        :attr:`service_hosts`, over HTTPS (HTTP only when the issuer itself is HTTP, as in a
        test platform), with no user name or password in it."""
        secure = ("https",) if self.issuer.startswith("https:") else ("https", "http")
        if urlsplit(url).scheme not in secure or "@" in urlsplit(url).netloc:
            return False
        return bool(_host_names(url) & self.service_hosts)

    def course_of(self, context_id: str) -> str | None:
        """The lessonkit course of an LMS context (``None``: not connected)."""
        return self.contexts.get(context_id)

    def username(self, claims: Mapping[str, Any]) -> str:
        """The hub user name of an LMS user (a launch's claims, or an NRPS member with its
        ``user_id`` as ``sub``): the configured claim, escaped so that two different values
        never give one name (JupyterHub lower-cases names; uppercase letters are escaped).

        Raises
        ------
        LtiConfigError
            The claim is missing (the platform does not share it).
        """
        from escapism import escape

        key = self.username_claim
        custom = claims.get("https://purl.imsglobal.org/spec/lti/claim/custom")
        if key.startswith("custom_"):
            value = custom.get(key.removeprefix("custom_")) if isinstance(custom, Mapping) else None
        else:
            value = claims.get(key)
        if not isinstance(value, str) or not value:
            raise LtiConfigError(f"the LMS did not send the claim {key!r} the hub names users by")
        # lower case as JupyterHub stores names; only escapes' hex digits change case
        return self.username_prefix + str(escape(value, safe=_SAFE, escape_char="_")).lower()


@dataclass(frozen=True, slots=True, kw_only=True)
class CoursePolicy:
    """When a course's grades go to the LMS."""

    push: str = "completion"
    """``completion``, ``due`` or ``command``."""
    due: Mapping[str, datetime] = field(default_factory=dict)
    """Item (lesson id) -> due time, for ``push: due``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LtiConfig:
    """Everything about the LMS connection."""

    hub_url: str
    """The hub as browsers reach it, ending in ``/``."""
    keys: Path
    """Folder of the tool's key pair."""
    platforms: tuple[Platform, ...]
    """The registrations."""
    service_prefix: str = "/services/lessonkit/"
    """Where the course service is below the hub URL."""
    notebook: str = "{course}/{lesson}.ipynb"
    """A lesson's notebook in the learner's server (``{course}``, ``{lesson}``)."""
    plan_notebook: str = "{course}/plan.ipynb"
    """The learning plan's notebook."""
    leeway: int = 60
    """Seconds of clock skew tolerated in id_token times (at most 300)."""
    interval: float = 10.0
    """Seconds between rounds of the grade spool (new evidence, deliveries)."""
    roster_minutes: float = 15.0
    """How often the LMS roster (NRPS) is read again."""
    rotation_days: float = 7.0
    """How long a retired key stays in the JWKS after a rotation."""
    courses: Mapping[str, CoursePolicy] = field(default_factory=dict)
    """Per course: when grades go."""
    push: str = "completion"
    """The default of ``courses``."""

    def platform(self, issuer: str, client_id: str | None = None) -> Platform | None:
        """The registration for an issuer (and client id, when one issuer has several)."""
        for p in self.platforms:
            if p.issuer == issuer and (not client_id or p.client_id == client_id):
                return p
        return None

    def policy(self, course: str) -> CoursePolicy:
        """When ``course``'s grades go."""
        return self.courses.get(course) or CoursePolicy(push=self.push)


def _strings(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str | int) for v in value):
        raise LtiConfigError(f"{where}: give a list of strings")
    return [str(v) for v in value]


def _url(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not _URL.match(value):
        raise LtiConfigError(f"{where}: `{key}:` must be an http(s) URL, not {value!r}")
    return value


def _platform(data: Any, index: int, courses: Collection[str]) -> Platform:
    where = f"lti.platforms[{index}]"
    if not isinstance(data, Mapping):
        raise LtiConfigError(f"{where}: expected a mapping (issuer, client_id, ...)")
    contexts = data.get("contexts") or {}
    if not isinstance(contexts, Mapping):
        raise LtiConfigError(f"{where}.contexts: map LMS context ids to course names")
    for context, course in contexts.items():
        if str(course) not in courses:
            known = ", ".join(sorted(courses))
            raise LtiConfigError(
                f"{where}.contexts: context {context!r} names course {course!r}, which is not "
                f"in `courses:` ({known})"
            )
    if not data.get("client_id"):
        raise LtiConfigError(f"{where}: `client_id:` is required (the LMS shows it)")
    return Platform(
        issuer=_url(data, "issuer", where),
        client_id=str(data["client_id"]),
        deployment_ids=frozenset(_strings(data.get("deployment_ids"), where + ".deployment_ids")),
        login_url=_url(data, "login_url", where),
        token_url=_url(data, "token_url", where),
        jwks_url=_url(data, "jwks_url", where),
        contexts={str(k): str(v) for k, v in contexts.items()},
        username_claim=str(data.get("username_claim", "sub")),
        username_prefix=str(data.get("username_prefix", "")),
        token_audience=str(data.get("token_audience", "")),
        service_hosts=_hosts(data, where),
    )


def _host_names(url: str) -> frozenset[str]:
    """The names a URL's host matches: ``host:port``, and ``host`` on the scheme's default
    port (empty for a URL without a host, or with a bad port)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return frozenset()
    default = {"https": 443, "http": 80}.get(parts.scheme)
    if not parts.hostname or default is None:
        return frozenset()
    host = parts.hostname.lower()
    names = {f"{host}:{port or default}"}
    if port in (None, default):
        names.add(host)
    return frozenset(names)


def _hosts(data: Mapping[str, Any], where: str) -> frozenset[str]:
    """``service_hosts`` as lower-case ``host`` and ``host:port`` names (see
    :attr:`Platform.service_hosts`)."""
    given = data.get("service_hosts")
    if given is None:
        return _host_names(str(data["issuer"])) | _host_names(str(data["token_url"]))
    names = _strings(given, where + ".service_hosts")
    for name in names:
        if not re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?", name):
            raise LtiConfigError(
                f"{where}.service_hosts: {name!r} is not a host name (write `lms.example.org` "
                "or `lms.example.org:8443`, no scheme or path)"
            )
    return frozenset(n.lower() for n in names)


def _moment(value: Any, where: str) -> datetime:
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise LtiConfigError(f"{where}: not a date and time: {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _policy(name: str, data: Any, default: str, lessons: Collection[str]) -> CoursePolicy:
    where = f"lti.courses.{name}"
    if not isinstance(data, Mapping):
        raise LtiConfigError(f"{where}: expected a mapping (push, due)")
    push = str(data.get("push", default))
    if push not in PUSH_MODES:
        raise LtiConfigError(f"{where}.push: one of {', '.join(PUSH_MODES)}, not {push!r}")
    due = data.get("due") or {}
    if not isinstance(due, Mapping):
        raise LtiConfigError(f"{where}.due: map lesson ids to due times")
    for lesson in due:
        if str(lesson) not in lessons:
            raise LtiConfigError(f"{where}.due: no lesson {lesson!r} in course {name!r}")
    if push == "due" and not due:
        raise LtiConfigError(f"{where}: `push: due` needs `due:` (lesson id -> time)")
    return CoursePolicy(
        push=push, due={str(k): _moment(v, f"{where}.due.{k}") for k, v in due.items()}
    )


def parse_lti(data: Any, base: Path, courses: Mapping[str, Collection[str]]) -> LtiConfig | None:
    """The ``lti:`` section (``None`` when absent); ``courses`` maps names to lesson ids.

    Raises
    ------
    LtiConfigError
        With the key at fault and what to write instead.
    """
    if not data:
        return None
    if not isinstance(data, Mapping):
        raise LtiConfigError("lti: expected a mapping (hub_url, keys, platforms)")
    platforms = data.get("platforms")
    if not isinstance(platforms, list) or not platforms:
        raise LtiConfigError("lti.platforms: list at least one LMS registration")
    push = str(data.get("push", "completion"))
    if push not in PUSH_MODES:
        raise LtiConfigError(f"lti.push: one of {', '.join(PUSH_MODES)}, not {push!r}")
    policies = data.get("courses") or {}
    if not isinstance(policies, Mapping):
        raise LtiConfigError("lti.courses: map course names to {push, due}")
    for name in policies:
        if str(name) not in courses:
            raise LtiConfigError(f"lti.courses: no course {name!r} in `courses:`")
    leeway = int(data.get("leeway", 60))
    if not 0 <= leeway <= 300:
        raise LtiConfigError("lti.leeway: seconds of clock skew, between 0 and 300")
    hub_url = _url(data, "hub_url", "lti")
    return LtiConfig(
        hub_url=hub_url if hub_url.endswith("/") else hub_url + "/",
        keys=base / str(data.get("keys", "lti-keys")),
        platforms=tuple(_platform(p, i, courses) for i, p in enumerate(platforms)),
        service_prefix=str(data.get("service_prefix", "/services/lessonkit/")),
        notebook=str(data.get("notebook", "{course}/{lesson}.ipynb")),
        plan_notebook=str(data.get("plan_notebook", "{course}/plan.ipynb")),
        leeway=leeway,
        interval=float(data.get("interval", 10.0)),
        roster_minutes=float(data.get("roster_minutes", 15.0)),
        rotation_days=float(data.get("rotation_days", 7.0)),
        courses={str(n): _policy(str(n), p, push, courses[str(n)]) for n, p in policies.items()},
        push=push,
    )
