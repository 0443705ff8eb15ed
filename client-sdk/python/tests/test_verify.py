"""Verifying real access tokens from SSO, and bad ones: expired, tampered, for another audience,
of another type, signed by a key SSO does not publish, lacking a scope. Expected codes are the
contract's (contract/sso-contract.json), read from the file in the tests that check them."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from sso_client import SsoError, Verifier, averify_access_token, discover, verify_access_token

from support import ORDERS, PASSWORD, Registered, Sso, jwt_header, sign_in, token_for


def _code(call: Callable[[], object]) -> str:
    with pytest.raises(SsoError) as caught:
        call()
    return caught.value.code


def test_a_real_token_verifies_with_its_claims(sso: Sso, worker: Registered) -> None:
    token = token_for(sso, worker, ORDERS, "orders:read")
    verifier = Verifier(discover(sso.issuer, allow_http=True), audience=ORDERS)
    verified = verify_access_token(verifier, token, scopes=["orders:read"])
    assert verified.subject == worker.client_id
    assert verified.client_id == worker.client_id
    assert verified.scopes == ("orders:read",)
    assert verified.via == "jwt"
    assert verified.claims["iss"] == sso.issuer
    assert verified.claims["aud"] == ORDERS


async def test_the_async_path_verifies_the_same_token(sso: Sso, worker: Registered) -> None:
    token = token_for(sso, worker, ORDERS, "orders:read orders:write")
    verifier = Verifier(discover(sso.issuer, allow_http=True), audience=[ORDERS, "https://other"])
    verified = await averify_access_token(verifier, token, scopes=["orders:write"])
    assert verified.scopes == ("orders:read", "orders:write")


def test_an_expired_token_is_refused_after_the_leeway(sso: Sso, worker: Registered) -> None:
    token = token_for(sso, worker, ORDERS)
    exp = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["exp"]
    issuer = discover(sso.issuer, allow_http=True)
    within = Verifier(issuer, audience=ORDERS, leeway=30, clock=lambda: exp + 29)
    assert verify_access_token(within, token).subject == worker.client_id
    after = Verifier(issuer, audience=ORDERS, leeway=30, clock=lambda: exp + 31)
    assert _code(lambda: verify_access_token(after, token)) == "SSO_TOKEN_EXPIRED"


def test_a_tampered_token_is_refused(sso: Sso, worker: Registered) -> None:
    token = token_for(sso, worker, ORDERS, "orders:read")
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] = "orders:read orders:write"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    verifier = Verifier(discover(sso.issuer, allow_http=True), audience=ORDERS)
    assert _code(lambda: verify_access_token(verifier, f"{header}.{forged}.{signature}")) == (
        "SSO_SIGNATURE_INVALID"
    )
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert _code(lambda: verify_access_token(verifier, f"{header}.{payload}.{flipped}")) == (
        "SSO_SIGNATURE_INVALID"
    )
    assert _code(lambda: verify_access_token(verifier, "not.a-token")) == "SSO_TOKEN_MALFORMED"


def test_a_token_for_another_audience_is_refused(sso: Sso, worker: Registered) -> None:
    token = token_for(sso, worker, ORDERS)
    verifier = Verifier(discover(sso.issuer, allow_http=True), audience="https://other.example")
    assert _code(lambda: verify_access_token(verifier, token)) == "SSO_AUDIENCE_MISMATCH"


def test_an_id_token_is_not_an_access_token(sso: Sso) -> None:
    web = sso.client(
        "ID token app", "--confidential", "--first-party",
        "--redirect-uri", "http://127.0.0.1:9/callback",
    )  # fmt: skip
    metadata = httpx.get(f"{sso.issuer}/.well-known/openid-configuration").json()
    with httpx.Client(follow_redirects=True) as browser:
        start = httpx.URL(
            metadata["authorization_endpoint"],
            params={
                "client_id": web.client_id,
                "response_type": "code",
                "scope": "openid",
                "redirect_uri": "http://127.0.0.1:9/callback",
                "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                "code_challenge_method": "S256",
            },
        )
        browser.event_hooks["response"] = []
        try:
            sign_in(browser, str(start), "alice", PASSWORD)
        except httpx.ConnectError as error:  # the redirect to the (closed) redirect URI
            code = httpx.URL(str(error.request.url)).params["code"]
    answer = httpx.post(
        metadata["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://127.0.0.1:9/callback",
            "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        },
        auth=(web.client_id, web.client_secret or ""),
    ).json()
    id_token = answer["id_token"]
    assert jwt_header(id_token).get("typ", "JWT") != "at+jwt"
    verifier = Verifier(discover(sso.issuer, allow_http=True), audience=web.client_id)
    assert _code(lambda: verify_access_token(verifier, id_token)) == "SSO_TOKEN_TYPE_INVALID"


def test_a_key_sso_does_not_publish_is_refused_and_refetched_once_per_cooldown(
    sso: Sso, worker: Registered
) -> None:
    fetches: list[str] = []
    client = httpx.Client(event_hooks={"request": [lambda r: fetches.append(r.url.path)]})
    verifier = Verifier(discover(sso.issuer, allow_http=True, http_client=client), audience=ORDERS)
    verify_access_token(verifier, token_for(sso, worker, ORDERS))
    assert fetches.count("/jwks") == 1

    key = ECKey.generate_key("P-256", parameters={"kid": "not-an-sso-key"})
    now = int(time.time())
    claims = {"iss": sso.issuer, "aud": ORDERS, "sub": "x", "iat": now, "exp": now + 60}
    forged = jwt.encode({"alg": "ES256", "typ": "at+jwt", "kid": "not-an-sso-key"}, claims, key)
    for _ in range(3):
        assert _code(lambda: verify_access_token(verifier, forged)) == "SSO_KEY_NOT_FOUND"
    # Within the cooldown (30 s) after the first fetch, unknown keys cause no further fetch.
    assert fetches.count("/jwks") == 1


def test_a_missing_scope_or_group_is_refused_with_what_was_needed(
    sso: Sso, reader: Registered
) -> None:
    token = token_for(sso, reader, ORDERS)
    verifier = Verifier(discover(sso.issuer, allow_http=True), audience=ORDERS)
    with pytest.raises(SsoError) as caught:
        verify_access_token(verifier, token, scopes=["orders:write"])
    assert caught.value.code == "SSO_INSUFFICIENT_SCOPE"
    assert caught.value.status == 403
    assert caught.value.scopes == ("orders:write",)
    assert _code(lambda: verify_access_token(verifier, token, groups=["staff"])) == (
        "SSO_GROUP_REQUIRED"
    )


def test_none_and_hmac_are_never_configurable(sso: Sso) -> None:
    issuer = discover(sso.issuer, allow_http=True)
    for algorithms in (["none"], ["HS256"], []):
        with pytest.raises(SsoError) as caught:
            Verifier(issuer, audience=ORDERS, algorithms=algorithms)
        assert caught.value.code == "SSO_CONFIGURATION_INVALID"


def test_an_rs256_api_token_verifies_with_the_rsa_key(sso: Sso) -> None:
    audience = "https://api.example.test/rsa"
    sso.cli("apis", "add", audience, "--scope", "rsa:read", "--alg", "RS256")
    caller = sso.client(
        "RSA caller", "--confidential", "--grant", "client_credentials", "--api", audience
    )
    token = token_for(sso, caller, audience)
    assert jwt_header(token)["alg"] == "RS256"
    issuer = discover(sso.issuer, allow_http=True)
    assert verify_access_token(Verifier(issuer, audience=audience), token).scopes == ("rsa:read",)
    es256_only = Verifier(issuer, audience=audience, algorithms=["ES256"])
    assert _code(lambda: verify_access_token(es256_only, token)) == "SSO_ALGORITHM_NOT_ALLOWED"
