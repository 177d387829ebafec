"""JWTs the tool signs with its private key (PyJWT, RS256).

- a **client assertion** (RFC 7523) proves the tool to the platform's OAuth2 token endpoint,
  which answers with an access token for AGS and NRPS (IMS Security Framework §4.1);
- a **deep-linking response** carries the content items an instructor picked back to the LMS
  (LTI Deep Linking 2.0 §4.2).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from .claims import DEPLOYMENT_ID, DL_CONTENT_ITEMS, DL_DATA, MESSAGE_TYPE
from .config import Platform
from .keys import SigningKey

__all__ = ["ASSERTION_TYPE", "client_assertion", "deep_link_response", "sign"]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LIFETIME = 300
"""Seconds a signed message stays valid."""


def sign(payload: Mapping[str, Any], key: SigningKey) -> str:
    """``payload`` signed with ``key`` (RS256, ``kid`` in the header)."""
    import jwt

    return jwt.encode(dict(payload), key.pem, algorithm="RS256", headers={"kid": key.kid})


def client_assertion(platform: Platform, key: SigningKey) -> str:
    """The JWT the tool sends to ``platform.token_url`` (single use: a fresh ``jti``)."""
    now = int(time.time())
    return sign(
        {
            "iss": platform.client_id,
            "sub": platform.client_id,
            "aud": platform.token_audience or platform.token_url,
            "iat": now,
            "exp": now + LIFETIME,
            "jti": uuid.uuid4().hex,
        },
        key,
    )


def deep_link_response(
    platform: Platform,
    key: SigningKey,
    *,
    deployment_id: str,
    items: Sequence[Mapping[str, Any]],
    data: str | None = None,
) -> str:
    """The signed ``LtiDeepLinkingResponse`` holding ``items``."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": platform.client_id,
        "aud": platform.issuer,
        "iat": now,
        "exp": now + LIFETIME,
        "nonce": uuid.uuid4().hex,
        MESSAGE_TYPE: "LtiDeepLinkingResponse",
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        DEPLOYMENT_ID: deployment_id,
        DL_CONTENT_ITEMS: [dict(item) for item in items],
    }
    if data is not None:
        payload[DL_DATA] = data
    return sign(payload, key)
