"""Verifying access tokens: a JWT locally against the issuer's keys (RFC 9068: ``typ: at+jwt``,
issuer, audience, expiry with leeway, the algorithm allowed and matching the key), an opaque token
by introspection when configured; then the scopes and groups a route requires, and optionally a
confirmation by introspection that the token is still active. Errors carry the contract's codes,
the same as ``@sso/client``'s."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from joserfc import jws
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    DecodeError,
    ExpiredTokenError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwt import JWTClaimsRegistry

from ._contract import ACCESS_TOKEN_CLAIMS, JWT_TYPES, SIGNING_ALGORITHMS, TOKEN_TYPES, ErrorCode
from .client import Client, aintrospect, introspect
from .errors import SsoError
from .issuer import Issuer

__all__ = [
    "VerifiedToken",
    "Verifier",
    "averify_access_token",
    "averify_request",
    "token_from_header",
    "verify_access_token",
    "verify_request",
]

_TOKEN = re.compile(r"^[\w\-.~+/]+=*$")
_OPAQUE = re.compile(r"^[\w\-~+/]+=*$")


@dataclass(frozen=True)
class Verifier:
    """A resource server's verification settings.

    ``audience`` is the API's identifier (tokens must name it, or one of them, in ``aud``);
    ``leeway`` the seconds of clock difference tolerated (default 30, at most 300); ``algorithms``
    default to the contract's (ES256, RS256), and ``none`` and HMAC are never accepted.
    ``introspection`` (a client of SSO) lets opaque tokens in and makes ``confirm=True`` possible.

    Example::

        verifier = Verifier(issuer, audience="https://api.example.com/orders")
    """

    issuer: Issuer
    audience: str | Sequence[str]
    algorithms: Sequence[str] = SIGNING_ALGORITHMS
    leeway: int = 30
    realm: str | None = None
    introspection: Client | None = None
    #: Opaque tokens without an audience (for userinfo) are refused unless this is True.
    accept_missing_audience: bool = False
    clock: Callable[[], float] = field(default=time.time, repr=False)

    def __post_init__(self) -> None:
        audiences = (self.audience,) if isinstance(self.audience, str) else tuple(self.audience)
        if not audiences or not all(audiences):
            raise SsoError("SSO_CONFIGURATION_INVALID", "an audience is required")
        algorithms = tuple(self.algorithms)
        if not algorithms:
            raise SsoError("SSO_CONFIGURATION_INVALID", "algorithms must not be empty")
        for alg in algorithms:
            if alg.lower() == "none" or re.fullmatch(r"HS\d+", alg, re.IGNORECASE):
                raise SsoError(
                    "SSO_CONFIGURATION_INVALID",
                    f"algorithms: {alg} is never accepted (tokens are signed with public keys)",
                )
        if not 0 <= self.leeway <= 300:
            raise SsoError("SSO_CONFIGURATION_INVALID", "leeway must be 0 to 300 seconds")
        object.__setattr__(self, "audience", audiences)
        object.__setattr__(self, "algorithms", algorithms)
        object.__setattr__(self, "realm", self.realm or audiences[0])

    @property
    def audiences(self) -> tuple[str, ...]:
        """The accepted audiences."""
        return tuple(self.audience)


@dataclass(frozen=True)
class VerifiedToken:
    """What an API knows about a verified access token."""

    token: str = field(repr=False)
    claims: Mapping[str, Any]
    scopes: tuple[str, ...]
    via: Literal["jwt", "introspection"]

    @property
    def subject(self) -> str | None:
        """``sub``: the user, or the client of a client-credentials token."""
        sub = self.claims.get("sub")
        return sub if isinstance(sub, str) else None

    @property
    def client_id(self) -> str | None:
        """The client the token was issued to."""
        value = self.claims.get(ACCESS_TOKEN_CLAIMS["clientId"])
        return value if isinstance(value, str) else None

    @property
    def groups(self) -> tuple[str, ...]:
        """The user's groups, when the token carries them."""
        groups = self.claims.get("groups")
        return tuple(g for g in groups if isinstance(g, str)) if isinstance(groups, list) else ()


# --- the steps shared by the sync and async paths ---------------------------------------------


def _header(verifier: Verifier, token: str) -> tuple[str, str | None]:
    try:
        compact = jws.extract_compact(token.encode())
    except (JoseError, ValueError) as error:
        raise SsoError("SSO_TOKEN_MALFORMED", "unreadable JWS header") from error
    header = compact.headers()
    alg = header.get("alg")
    # Before any key lookup: `none`, HMAC and anything else not allowed ends here.
    if not isinstance(alg, str) or alg not in verifier.algorithms:
        raise SsoError("SSO_ALGORITHM_NOT_ALLOWED", str(alg))
    kid = header.get("kid")
    return alg, kid if isinstance(kid, str) else None


def _typ_ok(typ: object) -> bool:
    expected = JWT_TYPES["accessToken"]
    if not isinstance(typ, str):
        return False
    typ = typ.lower()
    return typ in (expected, f"application/{expected}")


_CLAIM_CODES: Mapping[str, ErrorCode] = {
    "iss": "SSO_ISSUER_MISMATCH",
    "aud": "SSO_AUDIENCE_MISMATCH",
    "nbf": "SSO_TOKEN_NOT_YET_VALID",
    "iat": "SSO_TOKEN_NOT_YET_VALID",
}


def _verify_with_key(verifier: Verifier, token: str, alg: str, key: Any) -> VerifiedToken:
    try:
        compact = jws.deserialize_compact(token, key, algorithms=[alg])
    except BadSignatureError as error:
        raise SsoError("SSO_SIGNATURE_INVALID") from error
    except (DecodeError, JoseError, ValueError) as error:
        raise SsoError("SSO_TOKEN_MALFORMED", str(error)) from error
    if not _typ_ok(compact.headers().get("typ")):
        raise SsoError(
            "SSO_TOKEN_TYPE_INVALID", f"typ is {compact.headers().get('typ')!r}, not at+jwt"
        )
    try:
        claims = json.loads(compact.payload)
    except (TypeError, ValueError) as error:
        raise SsoError("SSO_TOKEN_MALFORMED", "the payload is not JSON") from error
    if not isinstance(claims, dict):
        raise SsoError("SSO_TOKEN_MALFORMED", "the payload is not a JSON object")
    registry = JWTClaimsRegistry(
        now=lambda: int(verifier.clock()),
        leeway=verifier.leeway,
        iss={"essential": True, "value": verifier.issuer.issuer},
        aud={"essential": True, "values": list(verifier.audiences)},
        exp={"essential": True},
        iat={"essential": True},
        sub={"essential": True},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError as error:
        raise SsoError("SSO_TOKEN_EXPIRED") from error
    except MissingClaimError as error:
        raise SsoError(_CLAIM_CODES.get(error.claim, "SSO_TOKEN_MALFORMED"), str(error)) from error
    except ClaimError as error:
        raise SsoError(_CLAIM_CODES.get(error.claim, "SSO_TOKEN_MALFORMED"), str(error)) from error
    return _verified(token, claims, "jwt")


def _verified(
    token: str, claims: dict[str, Any], via: Literal["jwt", "introspection"]
) -> VerifiedToken:
    scope = claims.get(ACCESS_TOKEN_CLAIMS["scope"])
    scopes = tuple(s for s in scope.split(" ") if s) if isinstance(scope, str) else ()
    return VerifiedToken(token=token, claims=MappingProxyType(claims), scopes=scopes, via=via)


def _is_jwt(token: str) -> bool:
    parts = token.split(".")
    if len(parts) == 3:
        return True
    if len(parts) == 1 and _OPAQUE.match(token):
        return False
    raise SsoError("SSO_TOKEN_MALFORMED", "neither a JWS nor an opaque token")


def _from_introspection(verifier: Verifier, token: str, result: dict[str, Any]) -> VerifiedToken:
    if not result.get("active"):
        raise SsoError("SSO_TOKEN_INACTIVE")
    token_type = str(result.get("token_type", "")).lower()
    if token_type not in (TOKEN_TYPES["bearer"].lower(), TOKEN_TYPES["dpop"].lower()):
        raise SsoError(
            "SSO_TOKEN_TYPE_INVALID", f"introspection says token_type {result.get('token_type')!r}"
        )
    if "iss" in result and result["iss"] != verifier.issuer.issuer:
        raise SsoError("SSO_ISSUER_MISMATCH", str(result["iss"]))
    aud = result.get("aud")
    audiences = [aud] if isinstance(aud, str) else list(aud) if isinstance(aud, list) else []
    for_us = any(a in verifier.audiences for a in audiences)
    if not for_us and not (not audiences and verifier.accept_missing_audience):
        raise SsoError(
            "SSO_AUDIENCE_MISMATCH",
            ", ".join(audiences) if audiences else "the token has no audience",
        )
    claims = {k: v for k, v in result.items() if k not in ("active", "token_type")}
    return _verified(token, claims, "introspection")


def _check(verified: VerifiedToken, scopes: Sequence[str], groups: Sequence[str]) -> None:
    cnf = verified.claims.get(ACCESS_TOKEN_CLAIMS["confirmation"])
    if isinstance(cnf, Mapping) and cnf.get("jkt"):
        raise SsoError("SSO_DPOP_REQUIRED", "sso-client for Python does not verify DPoP proofs")
    missing = [s for s in scopes if s not in verified.scopes]
    if missing:
        raise SsoError("SSO_INSUFFICIENT_SCOPE", " ".join(missing), scopes=scopes)
    missing = [g for g in groups if g not in verified.groups]
    if missing:
        raise SsoError("SSO_GROUP_REQUIRED", ", ".join(missing))


def _introspection_client(verifier: Verifier, why: str) -> Client:
    if verifier.introspection is None:
        if why == "opaque":
            raise SsoError("SSO_OPAQUE_TOKEN_UNSUPPORTED")
        raise SsoError(
            "SSO_CONFIGURATION_INVALID", "confirm=True needs the verifier's introspection client"
        )
    return verifier.introspection


def _confirmed(verified: VerifiedToken, result: dict[str, Any]) -> VerifiedToken:
    jti = result.get("jti")
    if not result.get("active") or (jti is not None and jti != verified.claims.get("jti")):
        raise SsoError("SSO_TOKEN_INACTIVE")
    return verified


# --- the public functions ---------------------------------------------------------------------


def verify_access_token(
    verifier: Verifier,
    token: str,
    *,
    scopes: Sequence[str] = (),
    groups: Sequence[str] = (),
    confirm: bool = False,
) -> VerifiedToken:
    """Verifies a bearer access token and checks the scopes and groups it must carry.

    ``confirm=True`` also asks SSO (introspection) whether a locally verified JWT is still active.
    Raises :class:`SsoError` (``SSO_TOKEN_EXPIRED``, ``SSO_AUDIENCE_MISMATCH``, ...).

    Example::

        verified = verify_access_token(verifier, token, scopes=["orders:read"])
        print(verified.subject, verified.scopes)
    """
    if _is_jwt(token):
        alg, kid = _header(verifier, token)
        verified = _verify_with_key(verifier, token, alg, verifier.issuer.jwks.key(kid, alg))
    else:
        client = _introspection_client(verifier, "opaque")
        verified = _from_introspection(verifier, token, introspect(client, token))
    _check(verified, scopes, groups)
    if confirm and verified.via == "jwt":
        client = _introspection_client(verifier, "confirm")
        verified = _confirmed(verified, introspect(client, token))
    return verified


async def averify_access_token(
    verifier: Verifier,
    token: str,
    *,
    scopes: Sequence[str] = (),
    groups: Sequence[str] = (),
    confirm: bool = False,
) -> VerifiedToken:
    """Like :func:`verify_access_token`, for asyncio code."""
    if _is_jwt(token):
        alg, kid = _header(verifier, token)
        key = await verifier.issuer.jwks.akey(kid, alg)
        verified = _verify_with_key(verifier, token, alg, key)
    else:
        client = _introspection_client(verifier, "opaque")
        verified = _from_introspection(verifier, token, await aintrospect(client, token))
    _check(verified, scopes, groups)
    if confirm and verified.via == "jwt":
        client = _introspection_client(verifier, "confirm")
        verified = _confirmed(verified, await aintrospect(client, token))
    return verified


def token_from_header(authorization: str | Sequence[str] | None) -> str:
    """The bearer token of an ``Authorization`` header (RFC 6750 §2.1).

    No header, or another scheme (e.g. Basic), raises ``SSO_TOKEN_MISSING``; a malformed one, or
    more than one header, ``SSO_REQUEST_INVALID``.
    """
    if authorization is not None and not isinstance(authorization, str):
        values = list(authorization)
        if len(values) > 1:
            raise SsoError("SSO_REQUEST_INVALID", "more than one Authorization header")
        authorization = values[0] if values else None
    if not authorization:
        raise SsoError("SSO_TOKEN_MISSING")
    header = authorization.strip()
    match = re.fullmatch(r"(\S+) +(\S+)", header)
    scheme = match.group(1).lower() if match else None
    if match and scheme == TOKEN_TYPES["bearer"].lower():
        if not _TOKEN.match(match.group(2)):
            raise SsoError("SSO_REQUEST_INVALID", "the token has invalid characters")
        return match.group(2)
    if match and scheme == TOKEN_TYPES["dpop"].lower():
        raise SsoError(
            "SSO_DPOP_PROOF_INVALID", "sso-client for Python does not verify DPoP proofs"
        )
    if re.match(r"(bearer|dpop)\b", header, re.IGNORECASE):
        raise SsoError("SSO_REQUEST_INVALID", 'expected "<scheme> <token>"')
    raise SsoError("SSO_TOKEN_MISSING")


def verify_request(
    verifier: Verifier,
    authorization: str | Sequence[str] | None,
    *,
    scopes: Sequence[str] = (),
    groups: Sequence[str] = (),
    confirm: bool = False,
) -> VerifiedToken:
    """Verifies the token of a request's ``Authorization`` header(s)."""
    token = token_from_header(authorization)
    return verify_access_token(verifier, token, scopes=scopes, groups=groups, confirm=confirm)


async def averify_request(
    verifier: Verifier,
    authorization: str | Sequence[str] | None,
    *,
    scopes: Sequence[str] = (),
    groups: Sequence[str] = (),
    confirm: bool = False,
) -> VerifiedToken:
    """Like :func:`verify_request`, for asyncio code."""
    token = token_from_header(authorization)
    return await averify_access_token(
        verifier, token, scopes=scopes, groups=groups, confirm=confirm
    )
