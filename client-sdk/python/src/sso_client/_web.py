"""The web sign-in session both framework integrations keep in their signed cookie
(package-internal): what a finished sign-in leaves there, and the refresh of its access token."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from ._contract import GRANT_TYPES
from .errors import SsoError

#: The session key the sign-in is kept under.
SESSION_KEY = "sso"
#: The session key of the page to return to after sign-in.
RETURN_KEY = "sso_return_to"
#: The default scopes of a sign-in.
DEFAULT_SCOPE = "openid profile email offline_access"

# ID-token claims about the token itself rather than the person; not kept in the session.
_PROTOCOL_CLAIMS = {"iss", "aud", "exp", "iat", "nbf", "nonce", "at_hash", "c_hash", "azp", "jti"}


def signed_in(
    token: Mapping[str, Any], userinfo: Mapping[str, Any] | None, now: float
) -> dict[str, Any]:
    """The session after a sign-in, from Authlib's token (with the validated ID token claims) and
    the userinfo answer (SSO puts the profile claims there when it also issues an access token)."""
    claims = dict(token.get("userinfo") or {})
    if not isinstance(claims.get("sub"), str):
        raise SsoError("SSO_LOGIN_FAILED", "the answer has no validated ID token")
    if userinfo is not None:
        if userinfo.get("sub") != claims["sub"]:
            raise SsoError("SSO_LOGIN_FAILED", "userinfo is about someone else")
        claims.update(userinfo)
    return {
        "user": {k: v for k, v in claims.items() if k not in _PROTOCOL_CLAIMS},
        **_tokens(token, now),
    }


def _tokens(token: Mapping[str, Any], now: float) -> dict[str, Any]:
    expires_in = token.get("expires_in")
    result: dict[str, Any] = {
        "access_token": token.get("access_token"),
        "expires_at": now + expires_in if isinstance(expires_in, (int, float)) else None,
    }
    for name in ("refresh_token", "id_token"):
        if isinstance(token.get(name), str):
            result[name] = token[name]
    return result


def current(session: Mapping[str, Any]) -> dict[str, Any]:
    """The signed-in session, or ``SSO_NOT_SIGNED_IN``."""
    state = session.get(SESSION_KEY)
    if not isinstance(state, dict) or not isinstance(state.get("access_token"), str):
        raise SsoError("SSO_NOT_SIGNED_IN")
    return state


def needs_refresh(state: Mapping[str, Any], skew: float, now: float) -> bool:
    """Whether the session's access token expires within ``skew`` seconds."""
    expires_at = state.get("expires_at")
    return isinstance(expires_at, (int, float)) and expires_at - skew <= now


def refresh_form(state: Mapping[str, Any]) -> dict[str, str]:
    """The refresh-token grant for the session (``SSO_REFRESH_FAILED`` without a refresh token)."""
    refresh_token = state.get("refresh_token")
    if not isinstance(refresh_token, str):
        raise SsoError("SSO_REFRESH_FAILED", "the session has no refresh token")
    return {"grant_type": GRANT_TYPES["refreshToken"], "refresh_token": refresh_token}


def refreshed(session: MutableMapping[str, Any], answer: Mapping[str, Any], now: float) -> str:
    """Stores a refresh's answer in the session; returns the new access token."""
    state = dict(current(session))
    state.update(_tokens(answer, now))
    if not isinstance(state.get("access_token"), str):
        raise SsoError("SSO_REFRESH_FAILED", "the answer has no access_token")
    session[SESSION_KEY] = state
    return str(state["access_token"])


def end(session: MutableMapping[str, Any]) -> str | None:
    """Ends the sign-in in the session; returns its ID token (the logout hint), if any."""
    state = session.pop(SESSION_KEY, None)
    session.pop(RETURN_KEY, None)
    if isinstance(state, dict) and isinstance(state.get("id_token"), str):
        return str(state["id_token"])
    return None
