"""Client-credentials token sources against SSO's token endpoint: cached, one token request for 50
concurrent callers (threads, and asyncio tasks), and the httpx auth class's retry after a 401. The
token requests are counted on the wire, by an httpx event hook on the client the issuer uses."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from sso_client import (
    AsyncTokenSource,
    Client,
    SsoError,
    TokenAuth,
    TokenSource,
    Verifier,
    adiscover,
    averify_access_token,
    discover,
    verify_access_token,
)

from support import ORDERS, Registered, Sso


def _counting(sso: Sso) -> tuple[httpx.Client, list[str]]:
    requests: list[str] = []
    client = httpx.Client(event_hooks={"request": [lambda r: requests.append(r.url.path)]})
    return client, requests


def test_fifty_threads_make_one_token_request(sso: Sso, worker: Registered) -> None:
    http, requests = _counting(sso)
    issuer = discover(sso.issuer, allow_http=True, http_client=http)
    source = TokenSource(
        Client(issuer, worker.client_id, worker.client_secret),
        resource=ORDERS,
        scope="orders:read",
    )
    barrier = threading.Barrier(50)
    tokens: list[str] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            barrier.wait()
            tokens.append(source.get_token().access_token)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=call) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert requests.count("/token") == 1
    assert len(tokens) == 50
    assert len(set(tokens)) == 1
    verifier = Verifier(issuer, audience=ORDERS)
    assert verify_access_token(verifier, tokens[0], scopes=["orders:read"]).subject == (
        worker.client_id
    )
    # Cached: later calls ask nobody.
    assert source.get_token().access_token == tokens[0]
    assert requests.count("/token") == 1


async def test_fifty_tasks_make_one_token_request(sso: Sso, worker: Registered) -> None:
    requests: list[str] = []

    async def count(request: httpx.Request) -> None:
        requests.append(request.url.path)

    async with httpx.AsyncClient(event_hooks={"request": [count]}) as http:
        issuer = await adiscover(sso.issuer, allow_http=True, async_http_client=http)
        source = AsyncTokenSource(
            Client(issuer, worker.client_id, worker.client_secret), resource=ORDERS
        )
        tokens = await asyncio.gather(*(source.get_token() for _ in range(50)))
        assert requests.count("/token") == 1
        assert len({token.access_token for token in tokens}) == 1
        verified = await averify_access_token(
            Verifier(issuer, audience=ORDERS), tokens[0].access_token
        )
        assert verified.scopes == ("orders:read", "orders:write")


def test_a_token_is_replaced_shortly_before_it_expires(sso: Sso, worker: Registered) -> None:
    http, requests = _counting(sso)
    issuer = discover(sso.issuer, allow_http=True, http_client=http)
    now = [0.0]
    import time

    source = TokenSource(
        Client(issuer, worker.client_id, worker.client_secret),
        resource=ORDERS,
        skew=30,
        clock=lambda: time.time() + now[0],
    )
    first = source.get_token()
    assert first.expires_at is not None
    now[0] = first.expires_at - time.time() - 31  # 31 s before expiry: still cached
    assert source.get_token() is first
    now[0] += 2  # 29 s before expiry: replaced
    assert source.get_token().access_token != first.access_token
    assert requests.count("/token") == 2


def test_a_refused_client_gets_the_servers_error(sso: Sso, worker: Registered) -> None:
    issuer = discover(sso.issuer, allow_http=True)
    source = TokenSource(Client(issuer, worker.client_id, "wrong secret"), resource=ORDERS)
    with pytest.raises(SsoError) as caught:
        source.get_token()
    assert caught.value.code == "SSO_TOKEN_REQUEST_FAILED"
    assert caught.value.server_error == "invalid_client"


def _api_refusing_first_tokens(seen: list[str]) -> FastAPI:
    """An API that, like one whose caller's token was just revoked, refuses the first token it
    sees with 401 and accepts any later one."""
    api = FastAPI()

    @api.get("/orders")
    async def orders(request: Request) -> Any:
        seen.append(request.headers["authorization"])
        if seen[0] == seen[-1]:
            return JSONResponse({"error": "invalid_token"}, 401)
        return {"ok": True}

    return api


def test_token_auth_renews_once_after_a_401(
    sso: Sso, worker: Registered, serve_asgi: Callable[..., str]
) -> None:
    seen: list[str] = []
    url = serve_asgi(_api_refusing_first_tokens(seen))
    http, requests = _counting(sso)
    issuer = discover(sso.issuer, allow_http=True, http_client=http)
    source = TokenSource(Client(issuer, worker.client_id, worker.client_secret), resource=ORDERS)
    with httpx.Client(base_url=url, auth=TokenAuth(source)) as api:
        response = api.get("/orders")
    assert response.status_code == 200
    assert len(seen) == 2
    assert seen[0] != seen[1]
    assert all(value.startswith("Bearer ") for value in seen)
    assert requests.count("/token") == 2


async def test_async_token_auth_renews_once_after_a_401(
    sso: Sso, worker: Registered, serve_asgi: Callable[..., str]
) -> None:
    seen: list[str] = []
    url = serve_asgi(_api_refusing_first_tokens(seen))
    issuer = await adiscover(sso.issuer, allow_http=True)
    source = AsyncTokenSource(
        Client(issuer, worker.client_id, worker.client_secret), resource=ORDERS
    )
    async with httpx.AsyncClient(base_url=url, auth=TokenAuth(source)) as api:
        response = await api.get("/orders")
        assert response.status_code == 200
        assert len(seen) == 2
        assert seen[0] != seen[1]
