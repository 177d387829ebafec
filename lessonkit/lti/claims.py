"""The claims of an LTI 1.3 message, read from an id_token whose signature was checked.

:func:`read_launch` turns the decoded payload into a :class:`Launch` and refuses what lessonkit
cannot use (a missing context, a deep-linking request without a return URL). Nothing here
checks signatures: the hub's login (``ltiauthenticator``) does, before any claim is read.

Roles (:func:`course_role`) count only when they are *context* roles
(``…/lis/v2/membership#…``): an institution-wide ``Instructor`` role is not an instructor of
this course. ``Instructor`` and its sub-role ``TeachingAssistant`` make a course instructor,
``Learner`` a learner; anything else gives no role in the course.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import LessonkitError

__all__ = [
    "AGS_CLAIM",
    "DEEP_LINKING",
    "DL_SETTINGS",
    "INSTRUCTOR",
    "LEARNER",
    "NRPS_CLAIM",
    "RESOURCE_LINK",
    "SCOPES",
    "Launch",
    "LaunchError",
    "course_role",
    "read_launch",
]

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = LTI + "message_type"
DEPLOYMENT_ID = LTI + "deployment_id"
CONTEXT = LTI + "context"
RESOURCE_LINK_CLAIM = LTI + "resource_link"
ROLES = LTI + "roles"
CUSTOM = LTI + "custom"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DL_CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"

RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPES = (
    AGS + "lineitem",
    AGS + "lineitem.readonly",
    AGS + "result.readonly",
    AGS + "score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
)
"""The scopes the tool asks the LMS for."""

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
INSTRUCTOR, LEARNER = "instructor", "learner"
_INSTRUCTOR_ROLES = {
    MEMBERSHIP + "#Instructor",
    MEMBERSHIP + "/Instructor#TeachingAssistant",
    MEMBERSHIP + "#TeachingAssistant",
}
_LEARNER_ROLES = {MEMBERSHIP + "#Learner", MEMBERSHIP + "/Learner#Learner"}


class LaunchError(LessonkitError, ValueError):
    """A checked launch that lessonkit cannot use (a claim it needs is missing or wrong)."""


def course_role(roles: Any) -> str | None:
    """``"instructor"``, ``"learner"`` or ``None`` from an LTI roles claim (see module doc)."""
    if not isinstance(roles, list):
        return None
    held = {r for r in roles if isinstance(r, str)}
    if held & _INSTRUCTOR_ROLES:
        return INSTRUCTOR
    if held & _LEARNER_ROLES:
        return LEARNER
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Launch:
    """What a checked LTI message says."""

    issuer: str
    """The platform (``iss``)."""
    client_id: str
    """The tool's client id at the platform (``aud``, or ``azp`` when several)."""
    deployment_id: str
    """The platform-tool deployment."""
    message_type: str
    """``LtiResourceLinkRequest`` or ``LtiDeepLinkingRequest``."""
    sub: str
    """The user at the platform (stable, opaque)."""
    role: str | None
    """The user's role in the context: ``instructor``, ``learner`` or ``None``."""
    context_id: str
    """The LMS course."""
    context_title: str = ""
    """Its title."""
    name: str = ""
    """The user's display name, when the platform shares it."""
    email: str = ""
    """The user's email, when the platform shares it."""
    resource_link_id: str = ""
    """The link clicked (resource-link launches)."""
    custom: Mapping[str, str] = field(default_factory=dict)
    """Custom parameters of the link (``lessonkit_item``, ``lessonkit_view``)."""
    lineitem: str = ""
    """AGS: the link's own line item URL, if it has exactly one."""
    lineitems: str = ""
    """AGS: the context's line items container URL."""
    ags_scopes: tuple[str, ...] = ()
    """AGS scopes the platform grants for this context."""
    memberships_url: str = ""
    """NRPS: the context's membership URL."""
    return_url: str = ""
    """Deep linking: where the response goes."""
    dl_data: str | None = None
    """Deep linking: the opaque ``data`` to send back."""
    claims: Mapping[str, Any] = field(default_factory=dict, repr=False)
    """Every claim, as checked."""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def read_launch(payload: Mapping[str, Any]) -> Launch:
    """The launch in a checked id_token payload.

    Raises
    ------
    LaunchError
        A claim lessonkit needs is missing: the context, the deployment, the user, or a deep
        linking request's return URL.
    """
    message_type = _text(payload.get(MESSAGE_TYPE))
    if message_type not in (RESOURCE_LINK, DEEP_LINKING):
        raise LaunchError(f"unsupported LTI message type {message_type!r}")
    aud = payload.get("aud")
    client_id = _text(payload.get("azp")) or (aud[0] if isinstance(aud, list) and aud else aud)
    context = payload.get(CONTEXT)
    if not isinstance(context, Mapping) or not _text(context.get("id")):
        raise LaunchError("the launch has no LMS course (context claim): launch from a course")
    for name, value in (("deployment_id", payload.get(DEPLOYMENT_ID)), ("sub", payload.get("sub"))):
        if not _text(value):
            raise LaunchError(f"the launch has no {name}")
    link = payload.get(RESOURCE_LINK_CLAIM)
    ags = payload.get(AGS_CLAIM)
    ags = ags if isinstance(ags, Mapping) else {}
    nrps = payload.get(NRPS_CLAIM)
    custom = payload.get(CUSTOM)
    settings = payload.get(DL_SETTINGS)
    settings = settings if isinstance(settings, Mapping) else {}
    if message_type == DEEP_LINKING and not _text(settings.get("deep_link_return_url")):
        raise LaunchError("a deep-linking request without deep_link_return_url")
    scopes = ags.get("scope")
    return Launch(
        issuer=_text(payload.get("iss")),
        client_id=_text(client_id),
        deployment_id=str(payload[DEPLOYMENT_ID]),
        message_type=message_type,
        sub=str(payload["sub"]),
        role=course_role(payload.get(ROLES)),
        context_id=str(context["id"]),
        context_title=_text(context.get("title")) or _text(context.get("label")),
        name=_text(payload.get("name")),
        email=_text(payload.get("email")),
        resource_link_id=_text(link.get("id")) if isinstance(link, Mapping) else "",
        custom={str(k): str(v) for k, v in custom.items()} if isinstance(custom, Mapping) else {},
        lineitem=_text(ags.get("lineitem")),
        lineitems=_text(ags.get("lineitems")),
        ags_scopes=tuple(s for s in scopes if isinstance(s, str))
        if isinstance(scopes, list)
        else (),
        memberships_url=_text(nrps.get("context_memberships_url"))
        if isinstance(nrps, Mapping)
        else "",
        return_url=_text(settings.get("deep_link_return_url")),
        dl_data=_text(settings.get("data")) or None,
        claims=dict(payload),
    )
