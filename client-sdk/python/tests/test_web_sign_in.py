"""Web sign-in through SSO's own pages: a Starlette app (uvicorn) and a Flask app (werkzeug)
using ``WebAuth``, driven as a person would with a cookie-keeping httpx client following redirects
and posting SSO's login and consent forms. Then the session: the person's claims from the ID
token, an access token SSO's userinfo accepts, a refresh, and logout at SSO."""

from collections.abc import Callable
from typing import Any

import flask
import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sso_client import discover
from sso_client import flask as sso_flask
from sso_client import starlette as sso_starlette

from support import PASSWORD, Sso, free_port, sign_in

SECRET = "a test secret that signs the session cookie"


def starlette_app(web: sso_starlette.WebAuth) -> Starlette:
    @web.require_login
    async def private(request: Request) -> Response:
        return JSONResponse({"user": web.user(request)})

    async def token(request: Request) -> Response:
        return JSONResponse({"access_token": await web.access_token(request)})

    async def refresh(request: Request) -> Response:
        return JSONResponse({"access_token": await web.refresh(request)})

    app = Starlette(
        routes=[
            *web.routes(),
            Route("/private", private),
            Route("/token", token),
            Route("/refresh", refresh, methods=["POST"]),
        ]
    )
    app.add_middleware(SessionMiddleware, secret_key=SECRET, session_cookie="app_session")
    return app


def flask_app(web: sso_flask.WebAuth) -> flask.Flask:
    app = flask.Flask("web")
    app.secret_key = SECRET
    app.config["SESSION_COOKIE_NAME"] = "app_session"
    web.init_app(app)

    @app.get("/private")
    @web.require_login
    def private() -> dict[str, Any]:
        return {"user": web.user()}

    @app.get("/token")
    def token() -> dict[str, Any]:
        return {"access_token": web.access_token()}

    @app.post("/refresh")
    def refresh() -> dict[str, Any]:
        return {"access_token": web.refresh()}

    return app


@pytest.fixture(params=["starlette", "flask"])
def app_url(
    request: pytest.FixtureRequest,
    sso: Sso,
    serve_asgi: Callable[..., str],
    serve_wsgi: Callable[..., str],
) -> str:
    sock = free_port()
    origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
    client = sso.client(
        f"Web app ({request.param})", "--confidential",
        "--redirect-uri", f"{origin}/auth/callback",
        "--post-logout-redirect-uri", f"{origin}/",
    )  # fmt: skip
    issuer = discover(sso.issuer, allow_http=True)
    options: dict[str, Any] = {
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "redirect_uri": f"{origin}/auth/callback",
        "post_logout_redirect_uri": f"{origin}/",
    }
    if request.param == "starlette":
        return serve_asgi(starlette_app(sso_starlette.WebAuth(issuer, **options)), sock)
    return serve_wsgi(flask_app(sso_flask.WebAuth(issuer, **options)), sock)


def test_a_person_signs_in_through_ssos_pages(app_url: str, sso: Sso) -> None:
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        landed = sign_in(browser, f"{app_url}/private?tab=orders", "alice", PASSWORD)
        assert landed.status_code == 200
        assert str(landed.url) == f"{app_url}/private?tab=orders"
        user = landed.json()["user"]
        assert user["email"] == "alice@example.com"
        assert user["name"] == "Alice Liddell"
        assert "nonce" not in user
        assert "aud" not in user

        access_token = browser.get(f"{app_url}/token").json()["access_token"]
        metadata = httpx.get(f"{sso.issuer}/.well-known/openid-configuration").json()
        userinfo = httpx.get(
            metadata["userinfo_endpoint"], headers={"authorization": f"Bearer {access_token}"}
        )
        assert userinfo.json()["sub"] == user["sub"]

        refreshed = browser.post(f"{app_url}/refresh").json()["access_token"]
        assert refreshed != access_token
        assert browser.get(f"{app_url}/token").json()["access_token"] == refreshed

        logout = browser.get(f"{app_url}/auth/logout", follow_redirects=False)
        assert logout.status_code in (302, 303)
        location = httpx.URL(logout.headers["location"])
        assert str(location.copy_with(query=None)) == metadata["end_session_endpoint"]
        assert location.params["post_logout_redirect_uri"] == f"{app_url}/"
        assert location.params["id_token_hint"].count(".") == 2
        again = browser.get(f"{app_url}/private", follow_redirects=False)
        assert again.status_code == 303
        assert again.headers["location"].startswith("/auth/login")
