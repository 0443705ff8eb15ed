"""Discovery of an issuer (OpenID Connect Discovery 1.0) and its JWKS.

The same rules as ``@sso/client``: the JWKS is fetched on first use and cached; it is fetched again
when it is older than ``jwks_max_age`` (600 s), or when a token names a key the cache does not hold
(a key rotation) but at most once per ``jwks_cooldown`` (30 s), which bounds how often forged tokens
can make a service call the issuer. Concurrent callers share one fetch: threads through a lock,
asyncio tasks through an asyncio lock of their event loop.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ._http import json_object, unreachable
from .errors import SsoError

__all__ = ["Issuer", "adiscover", "discover"]

Clock = Callable[[], float]

# Key types and curves of the JWS algorithms tokens may name (RFC 7518, RFC 8037).
_KEY_TYPES: Mapping[str, tuple[str, str | None]] = {
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
    "EdDSA": ("OKP", None),
    "Ed25519": ("OKP", "Ed25519"),
}


class _Jwks:
    """The issuer's JWKS, cached with rotation-aware refetch and a cooldown."""

    def __init__(
        self,
        uri: str,
        *,
        cooldown: float,
        max_age: float,
        timeout: float,
        http_client: httpx.Client | None,
        async_http_client: httpx.AsyncClient | None,
        clock: Clock,
    ) -> None:
        self.uri = uri
        self.cooldown = cooldown
        self.max_age = max_age
        self.timeout = timeout
        self.clock = clock
        self._http = http_client
        self._ahttp = async_http_client
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._generation = 0
        self._lock = threading.Lock()
        self._alocks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    # The decision, the same for both paths: None when the cache answers, else whether a fetch
    # may happen now (False: the key is unknown and the cooldown has not passed).
    def _lookup(self, kid: str | None, alg: str) -> Any:
        if self._keys is not None and self.clock() - self._fetched_at < self.max_age:
            key = _select(self._keys, kid, alg)
            if key is not None:
                return key
            if self.clock() - self._fetched_at < self.cooldown:
                raise SsoError("SSO_KEY_NOT_FOUND", f"no key {kid!r} for {alg} in the JWKS")
        return None

    def _store(self, response: httpx.Response) -> None:
        document = json_object(response, "SSO_JWKS_UNAVAILABLE", self.uri)
        try:
            keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as error:
            raise SsoError("SSO_JWKS_UNAVAILABLE", f"{self.uri}: not a JWKS ({error})") from error
        self._keys = keys
        self._fetched_at = self.clock()
        self._generation += 1

    def _after_fetch(self, kid: str | None, alg: str) -> Any:
        assert self._keys is not None
        key = _select(self._keys, kid, alg)
        if key is None:
            raise SsoError("SSO_KEY_NOT_FOUND", f"no key {kid!r} for {alg} in the JWKS")
        return key

    def key(self, kid: str | None, alg: str) -> Any:
        """The public key for a JWS header, fetching the JWKS when the rules allow."""
        key = self._lookup(kid, alg)
        if key is not None:
            return key
        generation = self._generation
        with self._lock:
            if self._generation == generation:  # nobody fetched while we waited
                try:
                    client = self._http or _shared_client()
                    response = client.get(
                        self.uri, headers={"accept": "application/json"}, timeout=self.timeout
                    )
                except httpx.HTTPError as error:
                    raise unreachable("SSO_JWKS_UNAVAILABLE", self.uri, error) from error
                self._store(response)
        return self._after_fetch(kid, alg)

    async def akey(self, kid: str | None, alg: str) -> Any:
        """Like :meth:`key`, for asyncio code."""
        key = self._lookup(kid, alg)
        if key is not None:
            return key
        generation = self._generation
        loop = asyncio.get_running_loop()
        lock = self._alocks.setdefault(loop, asyncio.Lock())
        async with lock:
            if self._generation == generation:
                try:
                    response = await _aget(self._ahttp, self.uri, self.timeout)
                except httpx.HTTPError as error:
                    raise unreachable("SSO_JWKS_UNAVAILABLE", self.uri, error) from error
                self._store(response)
        return self._after_fetch(kid, alg)


def _select(keys: KeySet, kid: str | None, alg: str) -> Any:
    """The one signing key matching ``kid`` and usable with ``alg`` (as jose selects), or None."""
    kty, crv = _KEY_TYPES.get(alg, ("RSA", None))
    if alg.startswith(("RS", "PS")):
        kty, crv = "RSA", None
    candidates = []
    for key in keys.keys:
        if kid is not None and key.kid != kid:
            continue
        if key.key_type != kty or (crv is not None and key.get("crv") != crv):
            continue
        if key.get("use") not in (None, "sig") or key.get("alg") not in (None, alg):
            continue
        candidates.append(key)
    return candidates[0] if len(candidates) == 1 else None


_client_lock = threading.Lock()
_client: httpx.Client | None = None


def _shared_client() -> httpx.Client:
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(follow_redirects=False)
        return _client


async def _aget(client: httpx.AsyncClient | None, url: str, timeout: float) -> httpx.Response:
    headers = {"accept": "application/json"}
    if client is not None:
        return await client.get(url, headers=headers, timeout=timeout)
    async with httpx.AsyncClient(follow_redirects=False) as own:
        return await own.get(url, headers=headers, timeout=timeout)


class Issuer:
    """A discovered issuer: its metadata and its cached JWKS. Make one per process and share it."""

    def __init__(
        self,
        metadata: Mapping[str, Any],
        *,
        allow_http: bool = False,
        jwks_cooldown: float = 30,
        jwks_max_age: float = 600,
        timeout: float = 10,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        clock: Clock = time.time,
    ) -> None:
        jwks_uri = metadata.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise SsoError("SSO_DISCOVERY_FAILED", "the document has no jwks_uri")
        _check_url(jwks_uri, allow_http, "jwks_uri")
        #: The issuer identifier, exactly as published.
        self.issuer: str = str(metadata["issuer"])
        self.metadata: Mapping[str, Any] = MappingProxyType(dict(metadata))
        self.allow_http = allow_http
        self.timeout = timeout
        self.http_client = http_client
        self.async_http_client = async_http_client
        self.clock = clock
        self.jwks = _Jwks(
            jwks_uri,
            cooldown=jwks_cooldown,
            max_age=jwks_max_age,
            timeout=timeout,
            http_client=http_client,
            async_http_client=async_http_client,
            clock=clock,
        )

    def endpoint(self, name: str) -> str:
        """The URL of one of the issuer's endpoints, e.g. ``token_endpoint``."""
        url = self.metadata.get(name)
        if not isinstance(url, str):
            raise SsoError("SSO_CONFIGURATION_INVALID", f"the issuer publishes no {name}")
        _check_url(url, self.allow_http, name)
        return url

    def __repr__(self) -> str:
        return f"Issuer({self.issuer!r})"


def _check_url(url: str, allow_http: bool, what: str) -> None:
    scheme = urlsplit(url).scheme
    if scheme != "https" and not (allow_http and scheme == "http"):
        raise SsoError(
            "SSO_DISCOVERY_FAILED", f"{what} {url!r} is not https (allow_http for development)"
        )


def _well_known(issuer: str, allow_http: bool) -> str:
    _check_url(issuer, allow_http, "the issuer")
    return f"{issuer.rstrip('/')}/.well-known/openid-configuration"


def _metadata(response: httpx.Response, issuer: str, url: str) -> dict[str, Any]:
    if response.status_code != 200:
        raise SsoError("SSO_DISCOVERY_FAILED", f"{url} answered {response.status_code}")
    metadata = json_object(response, "SSO_DISCOVERY_FAILED", url)
    if metadata.get("issuer") != issuer:
        raise SsoError(
            "SSO_DISCOVERY_FAILED",
            f"the document names issuer {metadata.get('issuer')!r}, expected {issuer!r}",
        )
    return metadata


def discover(
    issuer: str,
    *,
    allow_http: bool = False,
    jwks_cooldown: float = 30,
    jwks_max_age: float = 600,
    timeout: float = 10,
    http_client: httpx.Client | None = None,
    async_http_client: httpx.AsyncClient | None = None,
    clock: Clock = time.time,
) -> Issuer:
    """Discovers ``issuer`` (its ``/.well-known/openid-configuration``).

    Raises ``SSO_DISCOVERY_FAILED``. ``allow_http`` is for local development and tests only.

    Example::

        issuer = discover("https://sso.example.com")
    """
    url = _well_known(issuer, allow_http)
    try:
        client = http_client or _shared_client()
        response = client.get(url, headers={"accept": "application/json"}, timeout=timeout)
    except httpx.HTTPError as error:
        raise unreachable("SSO_DISCOVERY_FAILED", url, error) from error
    return Issuer(
        _metadata(response, issuer, url),
        allow_http=allow_http,
        jwks_cooldown=jwks_cooldown,
        jwks_max_age=jwks_max_age,
        timeout=timeout,
        http_client=http_client,
        async_http_client=async_http_client,
        clock=clock,
    )


async def adiscover(
    issuer: str,
    *,
    allow_http: bool = False,
    jwks_cooldown: float = 30,
    jwks_max_age: float = 600,
    timeout: float = 10,
    http_client: httpx.Client | None = None,
    async_http_client: httpx.AsyncClient | None = None,
    clock: Clock = time.time,
) -> Issuer:
    """Like :func:`discover`, for asyncio code."""
    url = _well_known(issuer, allow_http)
    try:
        response = await _aget(async_http_client, url, timeout)
    except httpx.HTTPError as error:
        raise unreachable("SSO_DISCOVERY_FAILED", url, error) from error
    return Issuer(
        _metadata(response, issuer, url),
        allow_http=allow_http,
        jwks_cooldown=jwks_cooldown,
        jwks_max_age=jwks_max_age,
        timeout=timeout,
        http_client=http_client,
        async_http_client=async_http_client,
        clock=clock,
    )
