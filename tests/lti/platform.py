"""A real LTI 1.3 platform for tests: ``lti1p3platform`` (PyPI) served by FastAPI and uvicorn.

The protocol is the library's: OIDC login initiation (:class:`FastAPIOIDCLogin`), the signed
launch (``LTIAdvantageMessageLaunchAbstract``: resource links, deep linking, the AGS and NRPS
claims), the OAuth2 token endpoint checking the tool's client assertion against the tool's
JWKS fetched over HTTP (``get_access_token``), deep-linking responses checked the same way
(``validate_deeplinking_resp``), and the AGS and NRPS endpoints with their token checks
(``AssignmentsGradesService``, ``NamesRoleProvisioningService``). What a platform must supply
itself is here: storage (in memory: :class:`Lms`), the web routes, and the LMS's own policy:
the session user must be the ``login_hint``, the redirect URI must be the registered one, a
score for a user outside the line item's course is not applied, and an older score does not
replace a newer one.

:class:`PlatformServer` runs it on a free port in a thread and can stop and start it again
(an LMS outage).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from lti1p3platform.exceptions import LtiServiceException
from lti1p3platform.framework.fastapi.oidc_login import FastAPIOIDCLogin
from lti1p3platform.lineitem import TLineItem
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request as LtiRequest
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import (
    AssignmentsGradesService,
    NamesRoleProvisioningService,
    TPage,
)

from tests.hub.harness import free_port

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTRUCTOR, LEARNER = MEMBERSHIP + "Instructor", MEMBERSHIP + "Learner"


def new_key() -> tuple[str, str]:
    """A fresh RSA key pair (private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@dataclass
class Lms:
    """The platform's storage: courses, members, links, line items, scores received."""

    base: str
    tool_login: str
    tool_redirect: str
    tool_jwks: str
    client_id: str = "lessonkit-tool-1"
    deployment_id: str = "deployment-1"
    private_key: str = ""
    public_key: str = ""
    users: dict[str, dict[str, str]] = field(default_factory=dict)
    contexts: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    lineitems: dict[str, dict[str, Any]] = field(default_factory=dict)
    scores: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    results: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    tokens_issued: int = 0

    def __post_init__(self) -> None:
        if not self.private_key:
            self.private_key, self.public_key = new_key()

    def registration(self) -> Registration:
        return (
            Registration()
            .set_iss(self.base)
            .set_client_id(self.client_id)
            .set_deployment_id(self.deployment_id)
            .set_oidc_login_url(self.tool_login)
            .set_launch_url(self.tool_redirect.split("/hub/")[0] + "/hub/")
            .set_deeplink_launch_url(self.tool_redirect.split("/hub/")[0] + "/hub/")
            .set_tool_key_set_url(self.tool_jwks)
            .set_platform_public_key(self.public_key)
            .set_platform_private_key(self.private_key)
        )

    def add_link(
        self, context: str, title: str, custom: dict[str, str], points: float | None
    ) -> str:
        link = "link-" + uuid.uuid4().hex[:8]
        lineitem = None
        if points is not None:
            lineitem = self.add_lineitem(
                context, {"label": title, "scoreMaximum": points, "resourceLinkId": link}
            )
        self.links[link] = {
            "context": context,
            "title": title,
            "custom": custom,
            "lineitem": lineitem,
        }
        return link

    def add_lineitem(self, context: str, data: dict[str, Any]) -> str:
        lid = uuid.uuid4().hex[:10]
        self.lineitems[lid] = {
            **data,
            "context": context,
            "id": f"{self.base}/ags/{context}/lineitems/{lid}",
        }
        return lid

    def scores_for(self, lid: str, user: str) -> list[dict[str, Any]]:
        return [s for i, s in self.scores if i == lid and s.get("userId") == user]


class Conf(LTI1P3PlatformConfAbstract):
    """The library's platform, on :class:`Lms` storage."""

    def init_platform_config(self, **kwargs: Any) -> None:
        self.lms: Lms = kwargs["lms"]

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        return self.lms.registration()

    def get_access_token(self, token_request_data: dict[str, Any]) -> Any:
        # The library checks the signature against the tool's JWKS; an LMS also checks who the
        # assertion is from and for (RFC 7523 §3).
        token = super().get_access_token(token_request_data)
        claims = jwt.decode(
            token_request_data["client_assertion"], options={"verify_signature": False}
        )
        assert claims["iss"] == claims["sub"] == self.lms.client_id, claims
        assert claims["aud"] == self.lms.base + "/token", claims
        self.lms.tokens_issued += 1
        return token


class Login(FastAPIOIDCLogin):
    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["hint"]


class Launch(LTIAdvantageMessageLaunchAbstract):
    def get_preflight_response(self) -> dict[str, Any]:
        return dict(self._request.query_params)  # type: ignore[union-attr]

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> HTMLResponse:
        fields = "".join(
            f'<input type="hidden" name="{k}" value="{launch_data[k]}">'
            for k in ("id_token", "state")
        )
        return HTMLResponse(
            f'<!DOCTYPE html><html lang="en"><head><title>Launching</title></head><body>'
            f'<form method="post" action="{launch_data["launch_url"]}" id="f">{fields}'
            '<button type="submit">Continue</button></form>'
            "<script>document.getElementById('f').submit()</script></body></html>"
        )


class Meta(LtiRequest):
    def build_metadata(self, request: Any) -> Any:
        return request


class Ags(AssignmentsGradesService):
    def __init__(self, request: Any, conf: Conf, context: str, lid: str | None) -> None:
        base = f"{conf.lms.base}/ags/{context}/lineitems"
        super().__init__(request, conf, base, f"{base}/{lid}" if lid else None)
        self.lms, self.context = conf.lms, context

    def find_lineitems(  # noqa: PLR0917 - the library's signature
        self,
        page: int = 1,
        limit: int | None = None,
        line_item_id: Any = None,
        resource_link_id: Any = None,
        resource_id: Any = None,
        tag: Any = None,
        **_: Any,
    ) -> TPage:
        items = [
            {k: v for k, v in i.items() if k != "context"}
            for i in self.lms.lineitems.values()
            if i["context"] == self.context
            and (not resource_id or i.get("resourceId") == resource_id)
        ]
        return {"content": items, "has_next": False, "next": None}

    def find_lineitem(self, line_item_id: str) -> TLineItem:
        return self.lms.lineitems[line_item_id]  # type: ignore[return-value]

    def create_lineitem(self, creation_data: TLineItem) -> TLineItem:
        lid = self.lms.add_lineitem(self.context, dict(creation_data))
        return self.lms.lineitems[lid]  # type: ignore[return-value]

    def update_lineitem(self, update_data: TLineItem) -> TLineItem:
        raise LtiServiceException("not supported here", 405)

    def delete_lineitem(self, line_item_id: str) -> None:
        raise LtiServiceException("not supported here", 405)

    def update_score(self, line_item_id: str, score: Any) -> UpdateScoreStatus:
        item = self.lms.lineitems[line_item_id]
        members = self.lms.contexts[item["context"]]["members"]
        if score.get("userId") not in members:
            return UpdateScoreStatus.NOTAPPLIED
        self.lms.scores.append((line_item_id, dict(score)))
        key = (line_item_id, score["userId"])
        last = self.lms.results.get(key)
        if last is not None and last["timestamp"] > score["timestamp"]:
            return UpdateScoreStatus.OLD_TIMESTAMP
        self.lms.results[key] = dict(score)
        return UpdateScoreStatus.SUCCESS

    def get_results(
        self, line_item_id: str, page: int = 1, limit: Any = None, user_id: Any = None
    ) -> TPage:
        rows = [v for (lid, _), v in self.lms.results.items() if lid == line_item_id]
        return {"content": rows, "has_next": False, "next": None}


class Nrps(NamesRoleProvisioningService):
    def __init__(self, request: Any, conf: Conf, context: str) -> None:
        super().__init__(request, conf, f"{conf.lms.base}/nrps/{context}/memberships")
        self.lms, self.context = conf.lms, context

    def get_member_data_page(self, **_: Any) -> TPage:
        members = self.lms.contexts[self.context]["members"]
        content = [
            {"user_id": uid, "roles": roles, "status": "Active", **self.lms.users.get(uid, {})}
            for uid, roles in members.items()
        ]
        return {"content": content, "has_next": False, "next": None}

    def get_context_by_id(self) -> Context:
        title = self.lms.contexts[self.context]["title"]
        return Context(id=self.context, label=title, title=title)


async def _meta(request: Request) -> dict[str, Any]:
    body = await request.body()
    is_json = "json" in request.headers.get("content-type", "")
    return {
        "method": request.method,
        "form_data": dict(parse_qsl(body.decode())) if not is_json else {},
        "get_data": dict(request.query_params),
        "headers": request.headers,
        "content_type": request.headers.get("content-type"),
        "path": request.url.path,
        "json": __import__("json").loads(body) if is_json and body else None,
    }


def _answer(service: Any, func: Any, **kwargs: Any) -> Response:
    try:
        result = service.handle_resp(func, **kwargs)
    except Exception as exc:  # an invalid token: the library raises rather than answers
        return JSONResponse({"error": str(exc)}, status_code=401)
    if result.result is None:
        return JSONResponse({"message": result.message}, status_code=result.code)
    return JSONResponse(result.result, status_code=result.code, media_type=result.media_type)


def make_app(lms: Lms) -> FastAPI:  # noqa: PLR0915 - one route per platform endpoint
    app = FastAPI()

    def conf() -> Conf:
        c = Conf(lms=lms)
        c.get_registration()
        return c

    @app.get("/jwks")
    def jwks() -> Any:
        c = conf()
        c.get_registration()
        return c.get_jwks()

    @app.get("/launch/{link}")
    def launch(link: str, user: str) -> Any:
        """An LMS user clicks a link: OIDC login initiation at the tool."""
        c = conf()
        login = Login(None, c)
        login.set_lti_message_hint(hint=f"link:{link}")
        response = login.initiate_login(user)
        response.set_cookie("lms_session", user)
        return response

    @app.get("/deep_link/{context}")
    def deep_link(context: str, user: str) -> Any:
        """An instructor adds external content: a deep-linking launch."""
        login = Login(None, conf())
        login.set_lti_message_hint(hint=f"dl:{context}")
        login.set_deeplinking_launch_url()
        response = login.initiate_login(user)
        response.set_cookie("lms_session", user)
        return response

    @app.get("/authorize")
    def authorize(request: Request) -> Any:
        """The platform's OIDC authorization endpoint: the signed launch."""
        q = dict(request.query_params)
        if request.cookies.get("lms_session") != q.get("login_hint"):
            return HTMLResponse("not logged in as that user", status_code=403)
        if q.get("redirect_uri") != lms.tool_redirect:
            return HTMLResponse("unregistered redirect_uri", status_code=400)
        user = q["login_hint"]
        kind, _, ref = q.get("lti_message_hint", "").partition(":")
        message = Launch(request, conf())  # type: ignore[arg-type]
        context = lms.links[ref]["context"] if kind == "link" else ref
        roles = lms.contexts[context]["members"].get(user, [])
        message.set_user_data(
            user, roles, lms.users.get(user, {}).get("name"), lms.users.get(user, {}).get("email")
        )
        message.set_launch_context_claim(context, context_title=lms.contexts[context]["title"])
        base = f"{lms.base}/ags/{context}/lineitems"
        if kind == "link":
            link = lms.links[ref]
            message.set_resource_link_claim(ref, title=link["title"])
            message.set_custom_parameters_claim(link["custom"])
            lid = link["lineitem"]
            message.set_ags(base, f"{base}/{lid}" if lid else None)
        else:
            message.set_dl(f"{lms.base}/deep_link_return", extra_data=f"dl-{context}")  # type: ignore[arg-type]
            message.set_ags(base)
        message.set_nrps(f"{lms.base}/nrps/{context}/memberships")
        return message.lti_launch()

    @app.post("/deep_link_return")
    async def deep_link_return(request: Request) -> Any:
        form = (await _meta(request))["form_data"]
        c = conf()
        c.get_registration()
        items = c.validate_deeplinking_resp(form)
        claims = jwt.decode(form["JWT"], options={"verify_signature": False})
        assert claims["aud"] == lms.base and claims["iss"] == lms.client_id, claims
        context = claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"].removeprefix("dl-")
        made = []
        for item in items:
            line = item.get("lineItem")
            made.append(
                lms.add_link(
                    context,
                    item["title"],
                    item.get("custom", {}),
                    line["scoreMaximum"] if line else None,
                )
            )
            if line:
                lms.lineitems[lms.links[made[-1]]["lineitem"]].update(line)
        return HTMLResponse(
            f'<!DOCTYPE html><html lang="en"><head><title>Added</title></head>'
            f"<body><p id=added>Added {len(made)}: {' '.join(made)}</p></body></html>"
        )

    @app.post("/token")
    async def token(request: Request) -> Any:
        c = conf()
        c.get_registration()
        try:
            return c.get_access_token((await _meta(request))["form_data"])
        except Exception as exc:
            return JSONResponse({"error": "invalid_client", "detail": str(exc)}, status_code=400)

    @app.api_route("/ags/{context}/lineitems", methods=["GET", "POST"])
    async def lineitems(context: str, request: Request) -> Any:
        service = Ags(Meta(await _meta(request)), conf(), context, None)
        fn = (
            service.handle_get_lineitems
            if request.method == "GET"
            else service.handle_create_lineitem
        )
        return _answer(service, fn)

    @app.post("/ags/{context}/lineitems/{lid}/scores")
    async def scores(context: str, lid: str, request: Request) -> Any:
        service = Ags(Meta(await _meta(request)), conf(), context, lid)
        return _answer(service, service.handle_update_score, line_item_id=lid)

    @app.get("/nrps/{context}/memberships")
    async def memberships(context: str, request: Request) -> Any:
        service = Nrps(Meta(await _meta(request)), conf(), context)
        return _answer(service, service.handle_get_members)

    return app


class PlatformServer:
    """The platform on a fixed free port, in a thread; stop() and start() at will."""

    def __init__(self, lms_factory: Any, host: str = "127.0.0.1") -> None:
        self.port = free_port()
        self.base = f"http://{host}:{self.port}"  # served on 127.0.0.1; `host` names it
        self.lms: Lms = lms_factory(self.base)
        self.app = make_app(self.lms)
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> PlatformServer:
        import uvicorn

        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._server.serve(),), daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("the LTI platform did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(20)
        self._server = self._thread = None
