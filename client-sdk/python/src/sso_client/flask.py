"""Flask: a decorator that verifies the request's access token, and web sign-in.

The verified token is in ``flask.g.sso_token``; a refused request gets the RFC 6750 answer (401 or
403 with ``WWW-Authenticate`` and a JSON body).

Example::

    @app.get("/orders")
    @require_token(verifier, scopes=["orders:read"])
    def list_orders() -> dict[str, str]:
        return {"caller": current_token().subject or ""}
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast
from urllib.parse import quote, urlsplit

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, g, jsonify, redirect, request, session
from flask.typing import ResponseReturnValue
from requests import RequestException

from . import _web
from .challenge import error_response
from .client import Client
from .errors import SsoError
from .issuer import Issuer
from .verify import VerifiedToken, Verifier, verify_request

__all__ = ["WebAuth", "current_token", "require_token"]

F = TypeVar("F", bound=Callable[..., Any])


def require_token(
    verifier: Verifier,
    *,
    scopes: Sequence[str] = (),
    groups: Sequence[str] = (),
    confirm: bool = False,
) -> Callable[[F], F]:
    """A view decorator: the view runs only with a token that passes ``verifier``."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                g.sso_token = verify_request(
                    verifier,
                    request.headers.getlist("Authorization"),
                    scopes=scopes,
                    groups=groups,
                    confirm=confirm,
                )
            except SsoError as error:
                refusal = error_response(verifier, error)
                response = jsonify(refusal.body)
                response.status_code = refusal.status
                response.headers.update(refusal.headers)
                return response
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


def current_token() -> VerifiedToken:
    """The token :func:`require_token` verified for this request."""
    token = g.get("sso_token")
    if not isinstance(token, VerifiedToken):
        raise SsoError("SSO_CONFIGURATION_INVALID", "the view is not behind require_token")
    return token


class WebAuth:
    """Web sign-in for a Flask app: the code flow with PKCE through Authlib, the sign-in kept in
    Flask's signed session cookie (set ``app.secret_key``), refresh, and logout at SSO.

    Example::

        web = WebAuth(issuer, client_id=..., client_secret=..., redirect_uri=".../auth/callback")
        web.init_app(app)
    """

    def __init__(
        self,
        issuer: Issuer,
        *,
        client_id: str,
        client_secret: str | None = None,
        redirect_uri: str,
        scope: str = _web.DEFAULT_SCOPE,
        post_logout_redirect_uri: str | None = None,
        after_login: str = "/",
        refresh_skew: float = 60,
        prefix: str = "/auth",
        fetch_userinfo: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self.client = Client(issuer, client_id, client_secret)
        self.redirect_uri = redirect_uri
        self.post_logout_redirect_uri = post_logout_redirect_uri
        self.after_login = after_login
        self.refresh_skew = refresh_skew
        self.prefix = prefix
        self.fetch_userinfo = fetch_userinfo
        self.clock = clock
        self.oauth = OAuth()
        self.app: Any = self.oauth.register(
            "sso",
            client_id=client_id,
            client_secret=client_secret,
            client_kwargs={"scope": scope, "code_challenge_method": "S256"},
            **dict(issuer.metadata),
        )

    def init_app(self, app: Flask) -> None:
        """Adds the sign-in routes: ``{prefix}/login``, the redirect URI's path and
        ``{prefix}/logout``."""
        self.oauth.init_app(app)
        callback = urlsplit(self.redirect_uri).path or f"{self.prefix}/callback"
        app.add_url_rule(f"{self.prefix}/login", "sso_login", self.login)
        app.add_url_rule(callback, "sso_callback", self.callback)
        app.add_url_rule(
            f"{self.prefix}/logout", "sso_logout", self.logout, methods=["GET", "POST"]
        )

    def login(self) -> ResponseReturnValue:
        """Starts a sign-in; ``?return_to=/path`` is where the person lands afterwards."""
        return_to = request.args.get("return_to", "")
        if return_to.startswith("/") and not return_to.startswith("//"):
            session[_web.RETURN_KEY] = return_to
        response: ResponseReturnValue = self.app.authorize_redirect(self.redirect_uri)
        return response

    def callback(self) -> ResponseReturnValue:
        """Finishes a sign-in: checks state, redeems the code, validates the ID token."""
        try:
            token = self.app.authorize_access_token()
            userinfo = self.app.userinfo(token=token) if self.fetch_userinfo else None
            session[_web.SESSION_KEY] = _web.signed_in(token, userinfo, self.clock())
        except (OAuthError, SsoError, RequestException) as error:
            failure = (
                error if isinstance(error, SsoError) else SsoError("SSO_LOGIN_FAILED", str(error))
            )
            return str(failure), failure.status
        return redirect(session.pop(_web.RETURN_KEY, self.after_login), 303)

    def logout(self) -> ResponseReturnValue:
        """Ends the sign-in here and at SSO (RP-initiated logout)."""
        id_token = _web.end(session)
        if id_token is None or "end_session_endpoint" not in self.issuer.metadata:
            return redirect(self.post_logout_redirect_uri or "/", 303)
        response: ResponseReturnValue = self.app.logout_redirect(
            post_logout_redirect_uri=self.post_logout_redirect_uri, id_token_hint=id_token
        )
        return response

    def user(self) -> Mapping[str, Any] | None:
        """The signed-in person's claims (from the ID token), or None."""
        try:
            user = _web.current(session).get("user")
        except SsoError:
            return None
        return user if isinstance(user, dict) else None

    def access_token(self) -> str:
        """The session's access token, refreshed first when it expires soon.

        Raises ``SSO_NOT_SIGNED_IN``, or ``SSO_REFRESH_FAILED`` (and ends the session).
        """
        state = _web.current(session)
        if not _web.needs_refresh(state, self.refresh_skew, self.clock()):
            return str(state["access_token"])
        return self.refresh()

    def refresh(self) -> str:
        """Refreshes the session's tokens now; returns the new access token."""
        state = _web.current(session)
        try:
            answer = self.client.post(
                "token_endpoint", _web.refresh_form(state), "SSO_REFRESH_FAILED", "the refresh"
            )
        except SsoError:
            _web.end(session)
            raise
        return _web.refreshed(session, answer, self.clock())

    def require_login(self, view: F) -> F:
        """A view decorator: people not signed in are sent to sign in first."""

        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if self.user() is None:
                target = request.full_path.rstrip("?")
                return redirect(f"{self.prefix}/login?return_to={quote(target, safe='/')}", 303)
            return view(*args, **kwargs)

        return cast(F, wrapper)
