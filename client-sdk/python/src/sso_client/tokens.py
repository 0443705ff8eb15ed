"""Service-to-service tokens (OAuth client credentials) for one client and API.

The token is cached and replaced ``skew`` seconds (default 30) before it expires. Concurrent
callers share one token request: threads of a :class:`TokenSource` wait on a lock, asyncio tasks of
an :class:`AsyncTokenSource` on an asyncio lock of their event loop, and whoever waited finds the
new token in the cache.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass
from typing import Any

import httpx

from ._contract import GRANT_TYPES, TOKEN_TYPES
from .client import Client
from .errors import SsoError

__all__ = ["AsyncTokenSource", "ServiceToken", "TokenAuth", "TokenSource"]


@dataclass(frozen=True)
class ServiceToken:
    """An access token from a token source."""

    access_token: str
    token_type: str
    #: Seconds since the epoch; None if the server did not say.
    expires_at: float | None
    scope: str | None

    def expires_within(self, seconds: float, now: float) -> bool:
        """Whether the token expires within ``seconds`` of ``now``."""
        return self.expires_at is not None and self.expires_at - seconds <= now

    def __repr__(self) -> str:  # never the token
        return f"ServiceToken(token_type={self.token_type!r}, expires_at={self.expires_at!r})"


class _Source:
    def __init__(
        self,
        client: Client,
        *,
        resource: str | None = None,
        scope: str | None = None,
        skew: float = 30,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.resource = resource
        self.scope = scope
        self.skew = skew
        self.clock = clock
        self._current: ServiceToken | None = None
        # Threads of a TokenSource wait on this; asyncio tasks on a lock of their event loop.
        self._thread_lock = threading.Lock()
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _cached(self, refused: str | None = None) -> ServiceToken | None:
        current = self._current
        if current is None or current.expires_within(self.skew, self.clock()):
            return None
        if refused is not None and current.access_token == refused:
            return None
        return current

    def _form(self) -> dict[str, str]:
        form = {"grant_type": GRANT_TYPES["clientCredentials"]}
        if self.scope:
            form["scope"] = self.scope
        if self.resource:
            form["resource"] = self.resource
        return form

    def _store(self, answer: dict[str, Any], sent_at: float) -> ServiceToken:
        access_token = answer.get("access_token")
        token_type = str(answer.get("token_type", ""))
        if not isinstance(access_token, str) or not access_token:
            raise SsoError("SSO_TOKEN_REQUEST_FAILED", "the answer has no access_token")
        if token_type.lower() != TOKEN_TYPES["bearer"].lower():
            raise SsoError("SSO_TOKEN_REQUEST_FAILED", f"unexpected token_type {token_type!r}")
        expires_in = answer.get("expires_in")
        scope = answer.get("scope")
        token = ServiceToken(
            access_token=access_token,
            token_type=TOKEN_TYPES["bearer"],
            expires_at=sent_at + expires_in if isinstance(expires_in, (int, float)) else None,
            scope=scope if isinstance(scope, str) else None,
        )
        self._current = token
        return token


class TokenSource(_Source):
    """Client-credentials tokens for ``client`` and one API, for threaded code.

    Example::

        orders = TokenSource(client, resource="https://api.example.com/orders", scope="orders:read")
        token = orders.get_token()
    """

    def get_token(self) -> ServiceToken:
        """A valid token: the cached one, or a new one. Raises ``SSO_TOKEN_REQUEST_FAILED``."""
        return self._cached() or self._fetch(None)

    def renew_token(self, refused: str | None = None) -> ServiceToken:
        """A new token, after an API refused ``refused``; if another caller already replaced that
        token, its replacement is returned without asking again."""
        if refused is None:
            with self._thread_lock:
                return self._request()
        return self._cached(refused) or self._fetch(refused)

    def _fetch(self, refused: str | None) -> ServiceToken:
        with self._thread_lock:
            return self._cached(refused) or self._request()

    def _request(self) -> ServiceToken:
        sent_at = self.clock()
        answer = self.client.post(
            "token_endpoint",
            self._form(),
            "SSO_TOKEN_REQUEST_FAILED",
            "the client credentials grant",
        )
        return self._store(answer, sent_at)


class AsyncTokenSource(_Source):
    """Client-credentials tokens for ``client`` and one API, for asyncio code.

    Example::

        orders = AsyncTokenSource(client, resource="https://api.example.com/orders")
        token = await orders.get_token()
    """

    def _lock(self) -> asyncio.Lock:
        return self._locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())

    async def get_token(self) -> ServiceToken:
        """A valid token: the cached one, or a new one. Raises ``SSO_TOKEN_REQUEST_FAILED``."""
        return self._cached() or await self._fetch(None)

    async def renew_token(self, refused: str | None = None) -> ServiceToken:
        """Like :meth:`TokenSource.renew_token`."""
        if refused is None:
            async with self._lock():
                return await self._request()
        return self._cached(refused) or await self._fetch(refused)

    async def _fetch(self, refused: str | None) -> ServiceToken:
        async with self._lock():
            return self._cached(refused) or await self._request()

    async def _request(self) -> ServiceToken:
        sent_at = self.clock()
        answer = await self.client.apost(
            "token_endpoint",
            self._form(),
            "SSO_TOKEN_REQUEST_FAILED",
            "the client credentials grant",
        )
        return self._store(answer, sent_at)


class TokenAuth(httpx.Auth):
    """httpx authentication with a token source: adds ``Authorization: Bearer``, and when the API
    answers 401, renews the token once and retries.

    Example::

        api = httpx.Client(base_url="https://api.example.com", auth=TokenAuth(orders))
    """

    requires_request_body = True

    def __init__(self, source: TokenSource | AsyncTokenSource) -> None:
        self.source = source

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        source = self.source
        if not isinstance(source, TokenSource):
            raise SsoError("SSO_CONFIGURATION_INVALID", "use a TokenSource with httpx.Client")
        token = source.get_token()
        request.headers["authorization"] = f"Bearer {token.access_token}"
        response = yield request
        if response.status_code == 401:
            token = source.renew_token(token.access_token)
            request.headers["authorization"] = f"Bearer {token.access_token}"
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        source = self.source
        if not isinstance(source, AsyncTokenSource):
            raise SsoError(
                "SSO_CONFIGURATION_INVALID", "use an AsyncTokenSource with httpx.AsyncClient"
            )
        token = await source.get_token()
        request.headers["authorization"] = f"Bearer {token.access_token}"
        response = yield request
        if response.status_code == 401:
            token = await source.renew_token(token.access_token)
            request.headers["authorization"] = f"Bearer {token.access_token}"
            yield request
