"""APIs protected by the package, called over HTTP: a FastAPI app (``require_token``) and a
Starlette app (``TokenMiddleware``) under uvicorn, a Flask app (``require_token``) under werkzeug.
What a caller sees is checked against RFC 6750: 401 with a ``Bearer`` challenge and no error code
when no token is sent, 401 ``invalid_token`` for a bad one, 403 ``insufficient_scope`` naming the
scope for a token without it.

(No `from __future__ import annotations` here: FastAPI must resolve the dependencies named in
the route annotations, which are local to fastapi_app.)"""

import re
from collections.abc import Callable
from typing import Annotated, Any

import flask
import httpx
import pytest
from fastapi import Depends, FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sso_client import VerifiedToken, Verifier, discover
from sso_client import fastapi as sso_fastapi
from sso_client import flask as sso_flask
from sso_client.starlette import TokenMiddleware

from support import ORDERS, Registered, Sso, token_for


def _challenge(response: httpx.Response) -> dict[str, str]:
    header = response.headers["www-authenticate"]
    assert header.startswith("Bearer ")
    return dict(re.findall(r'(\w+)="([^"]*)"', header))


def fastapi_app(verifier: Verifier) -> FastAPI:
    app = FastAPI()
    read = sso_fastapi.require_token(verifier, scopes=["orders:read"])
    write = sso_fastapi.require_token(verifier, scopes=["orders:write"])

    @app.get("/orders")
    async def orders(token: Annotated[VerifiedToken, Depends(read)]) -> dict[str, Any]:
        return {"caller": token.subject, "scopes": list(token.scopes)}

    @app.post("/orders")
    async def create(token: Annotated[VerifiedToken, Depends(write)]) -> dict[str, Any]:
        return {"created_by": token.subject}

    return app


def flask_app(verifier: Verifier) -> flask.Flask:
    app = flask.Flask("orders")

    @app.get("/orders")
    @sso_flask.require_token(verifier, scopes=["orders:read"])
    def orders() -> dict[str, Any]:
        token = sso_flask.current_token()
        return {"caller": token.subject, "scopes": list(token.scopes)}

    @app.post("/orders")
    @sso_flask.require_token(verifier, scopes=["orders:write"])
    def create() -> dict[str, Any]:
        return {"created_by": sso_flask.current_token().subject}

    return app


def starlette_app(verifier: Verifier) -> Starlette:
    async def orders(request: Request) -> JSONResponse:
        token: VerifiedToken = request.state.sso_token
        return JSONResponse({"caller": token.subject, "scopes": list(token.scopes)})

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/orders", orders), Route("/health", health)])
    app.add_middleware(
        TokenMiddleware, verifier=verifier, scopes=["orders:read"], exclude_paths=["/health"]
    )
    return app


@pytest.fixture(params=["fastapi", "flask"])
def api_url(
    request: pytest.FixtureRequest,
    sso: Sso,
    serve_asgi: Callable[..., str],
    serve_wsgi: Callable[..., str],
) -> str:
    verifier = Verifier(discover(sso.issuer, allow_http=True), audience=ORDERS)
    if request.param == "fastapi":
        return serve_asgi(fastapi_app(verifier))
    return serve_wsgi(flask_app(verifier))


def test_a_valid_token_gets_in(api_url: str, sso: Sso, worker: Registered) -> None:
    token = token_for(sso, worker, ORDERS, "orders:read orders:write")
    response = httpx.get(f"{api_url}/orders", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {
        "caller": worker.client_id,
        "scopes": ["orders:read", "orders:write"],
    }
    created = httpx.post(f"{api_url}/orders", headers={"authorization": f"Bearer {token}"})
    assert created.status_code == 200
    assert created.json() == {"created_by": worker.client_id}


def test_no_token_is_a_401_challenge_without_an_error_code(api_url: str) -> None:
    response = httpx.get(f"{api_url}/orders")
    assert response.status_code == 401
    assert _challenge(response) == {"realm": ORDERS}
    basic = httpx.get(f"{api_url}/orders", auth=("user", "password"))
    assert basic.status_code == 401
    assert _challenge(basic) == {"realm": ORDERS}


def test_a_bad_token_is_a_401_invalid_token(api_url: str, sso: Sso, worker: Registered) -> None:
    token = token_for(sso, worker, ORDERS)
    response = httpx.get(f"{api_url}/orders", headers={"authorization": f"Bearer {token[:-4]}AAAA"})
    assert response.status_code == 401
    challenge = _challenge(response)
    assert challenge["error"] == "invalid_token"
    assert "signature" in challenge["error_description"]
    other = token_for(sso, worker, "https://api.example.test/opaque")
    assert (
        httpx.get(f"{api_url}/orders", headers={"authorization": f"Bearer {other}"}).status_code
        == 401
    )
    malformed = httpx.get(f"{api_url}/orders", headers={"authorization": "Bearer a b"})
    assert malformed.status_code == 400
    assert _challenge(malformed)["error"] == "invalid_request"


def test_a_missing_scope_is_a_403_naming_it(api_url: str, sso: Sso, reader: Registered) -> None:
    token = token_for(sso, reader, ORDERS)
    assert (
        httpx.get(f"{api_url}/orders", headers={"authorization": f"Bearer {token}"}).status_code
        == 200
    )
    response = httpx.post(f"{api_url}/orders", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 403
    challenge = _challenge(response)
    assert challenge["error"] == "insufficient_scope"
    assert challenge["scope"] == "orders:write"


def test_starlette_middleware_protects_every_route_but_the_excluded(
    sso: Sso, worker: Registered, reader: Registered, serve_asgi: Callable[..., str]
) -> None:
    verifier = Verifier(discover(sso.issuer, allow_http=True), audience=ORDERS)
    url = serve_asgi(starlette_app(verifier))
    assert httpx.get(f"{url}/health").json() == {"ok": True}
    refused = httpx.get(f"{url}/orders")
    assert refused.status_code == 401
    assert _challenge(refused) == {"realm": ORDERS}
    assert refused.json()["code"] == "SSO_TOKEN_MISSING"
    token = token_for(sso, reader, ORDERS)
    response = httpx.get(f"{url}/orders", headers={"authorization": f"Bearer {token}"})
    assert response.json() == {"caller": reader.client_id, "scopes": ["orders:read"]}
