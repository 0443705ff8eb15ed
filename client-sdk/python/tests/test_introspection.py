"""Introspection (RFC 7662) at SSO: opaque tokens of an API registered with --token-format opaque
verified through it, a locally verified JWT confirmed by it, and a revoked token refused."""

from __future__ import annotations

import httpx
import pytest

from sso_client import (
    Client,
    SsoError,
    Verifier,
    aintrospect,
    averify_access_token,
    discover,
    introspect,
    verify_access_token,
)

from support import OPAQUE, ORDERS, Registered, Sso, token_for


def _revoke(sso: Sso, client: Registered, token: str) -> None:
    metadata = httpx.get(f"{sso.issuer}/.well-known/openid-configuration").json()
    response = httpx.post(
        metadata["revocation_endpoint"],
        data={"token": token},
        auth=(client.client_id, client.client_secret or ""),
    )
    assert response.status_code == 200


def test_an_opaque_token_is_verified_by_introspection(
    sso: Sso, worker: Registered, resource_server: Registered
) -> None:
    issuer = discover(sso.issuer, allow_http=True)
    api = Client(issuer, resource_server.client_id, resource_server.client_secret)
    token = token_for(sso, worker, OPAQUE)
    assert token.count(".") == 0
    result = introspect(api, token)
    assert result["active"] is True
    assert result["client_id"] == worker.client_id
    assert result["aud"] == OPAQUE

    verifier = Verifier(issuer, audience=OPAQUE, introspection=api)
    verified = verify_access_token(verifier, token, scopes=["opaque:read"])
    assert verified.via == "introspection"
    assert verified.client_id == worker.client_id

    without = Verifier(issuer, audience=OPAQUE)
    with pytest.raises(SsoError) as caught:
        verify_access_token(without, token)
    assert caught.value.code == "SSO_OPAQUE_TOKEN_UNSUPPORTED"

    _revoke(sso, worker, token)
    assert introspect(api, token)["active"] is False
    with pytest.raises(SsoError) as caught:
        verify_access_token(verifier, token)
    assert caught.value.code == "SSO_TOKEN_INACTIVE"


async def test_a_jwt_is_confirmed_by_introspection(
    sso: Sso, worker: Registered, resource_server: Registered
) -> None:
    issuer = discover(sso.issuer, allow_http=True)
    api = Client(issuer, resource_server.client_id, resource_server.client_secret)
    verifier = Verifier(issuer, audience=ORDERS, introspection=api)
    token = token_for(sso, worker, ORDERS)
    assert (await averify_access_token(verifier, token, confirm=True)).via == "jwt"
    assert (await aintrospect(api, token))["active"] is True

    _revoke(sso, worker, token)
    # Still valid by its signature and expiry; introspection says it was revoked.
    assert verify_access_token(verifier, token).via == "jwt"
    with pytest.raises(SsoError) as caught:
        await averify_access_token(verifier, token, confirm=True)
    assert caught.value.code == "SSO_TOKEN_INACTIVE"


def test_introspection_with_a_wrong_secret_fails_with_the_servers_error(
    sso: Sso, resource_server: Registered
) -> None:
    issuer = discover(sso.issuer, allow_http=True)
    with pytest.raises(SsoError) as caught:
        introspect(Client(issuer, resource_server.client_id, "wrong"), "abc")
    assert caught.value.code == "SSO_INTROSPECTION_FAILED"
    assert caught.value.server_error == "invalid_client"
