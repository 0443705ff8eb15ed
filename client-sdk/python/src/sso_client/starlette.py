"""Starlette (and FastAPI): middleware that verifies access tokens, and web sign-in.

:class:`TokenMiddleware` protects every route of an API (the verified token is in
``request.state.sso_token``). :class:`WebAuth` signs people in with the code flow and PKCE through
Authlib, keeps the sign-in in Starlette's signed session cookie (``SessionMiddleware``), refreshes
its access token and logs out at SSO.

Example::

    web = WebAuth(issuer, client_id=..., client_secret=..., redirect_uri="https://app/auth/callback")
    app = Starlette(routes=[*web.routes(), Route("/", home)])
    app.add_middleware(SessionMiddleware, secret_key=SECRET, https_only=True)
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from httpx import HTTPError
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from . import _web
from .challenge import error_response
from .client import Client
from .errors import SsoError
from .issuer import Issuer
from .verify import Verifier, averify_request

__all__ = ["TokenMiddleware", "WebAuth"]


class TokenMiddleware:
    """ASGI middleware: every HTTP request (except ``exclude_paths``) needs a token that passes
    ``verifier`` with ``scopes`` and ``groups``; others get the RFC 6750 answer."""

    def __init__(
        self,
        app: ASGIApp,
        verifier: Verifier,
        *,
        scopes: Sequence[str] = (),
        groups: Sequence[str] = (),
        confirm: bool = False,
        exclude_paths: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.scopes = tuple(scopes)
        self.groups = tuple(groups)
        self.confirm = confirm
        self.exclude_paths = frozenset(exclude_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exclude_paths:
            await self.app(scope, receive, send)
            return
        headers = [
            value.decode("latin-1") for name, value in scope["headers"] if name == b"authorization"
        ]
        try:
            verified = await averify_request(
                self.verifier, headers, scopes=self.scopes, groups=self.groups, confirm=self.confirm
            )
        except SsoError as error:
            refusal = error_response(self.verifier, error)
            response = JSONResponse(refusal.body, refusal.status, headers=refusal.headers)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["sso_token"] = verified
        await self.app(scope, receive, send)


class WebAuth:
    """Web sign-in for a Starlette or FastAPI app (needs ``SessionMiddleware``)."""

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
        fetch_userinfo: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self.client = Client(issuer, client_id, client_secret)
        self.redirect_uri = redirect_uri
        self.post_logout_redirect_uri = post_logout_redirect_uri
        self.after_login = after_login
        self.refresh_skew = refresh_skew
        self.fetch_userinfo = fetch_userinfo
        self.clock = clock
        self.prefix = "/auth"
        self.oauth = OAuth()
        self.app: Any = self.oauth.register(
            "sso",
            client_id=client_id,
            client_secret=client_secret,
            client_kwargs={"scope": scope, "code_challenge_method": "S256"},
            **dict(issuer.metadata),
        )

    def routes(self, prefix: str = "/auth") -> list[Route]:
        """The sign-in routes: ``{prefix}/login``, ``{prefix}/callback`` (the redirect URI's path
        should be this one) and ``{prefix}/logout``."""
        self.prefix = prefix
        callback = urlsplit(self.redirect_uri).path or f"{prefix}/callback"
        return [
            Route(f"{prefix}/login", self.login, methods=["GET"]),
            Route(callback, self.callback, methods=["GET"]),
            Route(f"{prefix}/logout", self.logout, methods=["GET", "POST"]),
        ]

    async def login(self, request: Request) -> Response:
        """Starts a sign-in; ``?return_to=/path`` is where the person lands afterwards."""
        return_to = request.query_params.get("return_to", "")
        if return_to.startswith("/") and not return_to.startswith("//"):
            request.session[_web.RETURN_KEY] = return_to
        response: Response = await self.app.authorize_redirect(request, self.redirect_uri)
        return response

    async def callback(self, request: Request) -> Response:
        """Finishes a sign-in: checks state, redeems the code, validates the ID token."""
        try:
            token = await self.app.authorize_access_token(request)
            userinfo = await self.app.userinfo(token=token) if self.fetch_userinfo else None
            request.session[_web.SESSION_KEY] = _web.signed_in(token, userinfo, self.clock())
        except (OAuthError, SsoError, HTTPError) as error:
            failure = (
                error if isinstance(error, SsoError) else SsoError("SSO_LOGIN_FAILED", str(error))
            )
            return PlainTextResponse(str(failure), failure.status)
        return RedirectResponse(request.session.pop(_web.RETURN_KEY, self.after_login), 303)

    async def logout(self, request: Request) -> Response:
        """Ends the sign-in here and at SSO (RP-initiated logout)."""
        id_token = _web.end(request.session)
        if id_token is None or "end_session_endpoint" not in self.issuer.metadata:
            return RedirectResponse(self.post_logout_redirect_uri or "/", 303)
        response: Response = await self.app.logout_redirect(
            request,
            post_logout_redirect_uri=self.post_logout_redirect_uri,
            id_token_hint=id_token,
        )
        return response

    def user(self, request: Request) -> Mapping[str, Any] | None:
        """The signed-in person's claims (from the ID token), or None."""
        try:
            user = _web.current(request.session).get("user")
        except SsoError:
            return None
        return user if isinstance(user, dict) else None

    async def access_token(self, request: Request) -> str:
        """The session's access token, refreshed first when it expires soon.

        Raises ``SSO_NOT_SIGNED_IN``, or ``SSO_REFRESH_FAILED`` (and ends the session).
        """
        state = _web.current(request.session)
        if not _web.needs_refresh(state, self.refresh_skew, self.clock()):
            return str(state["access_token"])
        return await self.refresh(request)

    async def refresh(self, request: Request) -> str:
        """Refreshes the session's tokens now; returns the new access token."""
        state = _web.current(request.session)
        try:
            answer = await self.client.apost(
                "token_endpoint", _web.refresh_form(state), "SSO_REFRESH_FAILED", "the refresh"
            )
        except SsoError:
            _web.end(request.session)
            raise
        return _web.refreshed(request.session, answer, self.clock())

    def require_login(
        self, endpoint: Callable[[Request], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        """An endpoint decorator: people not signed in are sent to sign in first."""

        async def wrapper(request: Request) -> Response:
            if self.user(request) is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(
                    f"{self.prefix}/login?return_to={quote(target, safe='/')}", 303
                )
            return await endpoint(request)

        return wrapper
