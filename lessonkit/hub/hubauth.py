"""The service's ``HubOAuth``: token checks answered from readings renewed in the background.

``HubAuth`` asks the hub who a token belongs to and caches the answer for ``cache_max_age``
seconds; the request that finds the answer expired waits for the hub. With replicas behind a
balancer each keeps its own cache, and learners acting every few seconds keep finding expired
answers. :class:`ServiceAuth` keeps the same answers in a :class:`~.freshness.Refreshing`
cache instead: fresh for ``cache_max_age`` seconds, then still used for up to ``stale`` more
while the hub is asked again in the background. See :mod:`lessonkit.hub.freshness` for what
that means for a revoked token.
"""

from __future__ import annotations

from typing import Any

from jupyterhub.services.auth import HubOAuth

from .freshness import Refreshing

__all__ = ["STALE", "ServiceAuth"]

STALE = 300.0
"""Seconds past ``cache_max_age`` a token's reading may still answer while it is renewed."""


class ServiceAuth(HubOAuth):  # type: ignore[misc]
    """``HubOAuth`` whose token checks are renewed in the background (module docstring)."""

    _fresh: Refreshing | None = None

    async def _check_hub_authorization(
        self, url: str, api_token: str, cache_key: str | None = None, use_cache: bool = True
    ) -> Any:
        parent = super()._check_hub_authorization
        if not use_cache or cache_key is None:
            return await parent(url, api_token, cache_key, use_cache=False)
        if self._fresh is None:
            self._fresh = Refreshing(self.cache_max_age, STALE)
        return await self._fresh.get(
            cache_key, lambda: parent(url, api_token, cache_key, use_cache=False)
        )
