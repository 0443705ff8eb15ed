"""A key rotation while a service runs: SSO publishes new keys (``sso keys rotate
--activate-after 0``) and starts signing with them; the verifier, holding the old JWKS, fetches it
again for the first token with the new key id once its cooldown allows, and tokens signed before
the rotation still verify (the old keys stay published)."""

from __future__ import annotations

import httpx
import pytest

from sso_client import SsoError, Verifier, discover, verify_access_token

from support import ORDERS, Registered, Sso, jwt_header, token_for, wait_for


def test_tokens_signed_with_a_rotated_key_verify_after_one_refetch(
    sso: Sso, worker: Registered
) -> None:
    offset = [0.0]
    fetches: list[str] = []
    client = httpx.Client(event_hooks={"request": [lambda r: fetches.append(r.url.path)]})

    import time

    issuer = discover(
        sso.issuer,
        allow_http=True,
        http_client=client,
        jwks_cooldown=30,
        clock=lambda: time.time() + offset[0],
    )
    verifier = Verifier(issuer, audience=ORDERS)
    before = token_for(sso, worker, ORDERS)
    verify_access_token(verifier, before)
    old_kid = jwt_header(before)["kid"]

    sso.cli("keys", "rotate", "--activate-after", "0")
    latest: list[str] = []

    def signs_with_a_new_key() -> bool:
        latest[:] = [token_for(sso, worker, ORDERS)]
        return bool(jwt_header(latest[0])["kid"] != old_kid)

    wait_for(signs_with_a_new_key, "SSO to sign with the new key")
    after = latest[0]

    # Within the cooldown of the first fetch, the new key is not fetched yet...
    with pytest.raises(SsoError) as caught:
        verify_access_token(verifier, after)
    assert caught.value.code == "SSO_KEY_NOT_FOUND"
    assert fetches.count("/jwks") == 1
    # ...and once it has passed, one fetch finds it; the token signed before still verifies.
    offset[0] = 31
    assert verify_access_token(verifier, after).subject == worker.client_id
    assert verify_access_token(verifier, before).subject == worker.client_id
    assert fetches.count("/jwks") == 2
