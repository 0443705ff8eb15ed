"""The package as installed: from the wheel (not the source tree), typed, and carrying exactly
the contract file's names and error codes, the same codes ``@sso/client`` raises."""

import json
import sys
from importlib import metadata
from pathlib import Path

import sso_client

from support import REPO

CONTRACT = json.loads((REPO / "contract" / "sso-contract.json").read_text())


def test_it_runs_from_the_installed_wheel() -> None:
    location = Path(sso_client.__file__).resolve()
    assert "site-packages" in location.parts, location
    assert not location.is_relative_to(REPO / "client-sdk" / "python" / "src")
    assert (location.parent / "py.typed").exists()
    assert metadata.version("sso-client") == sso_client.__version__
    assert sys.version_info >= (3, 10)


def test_the_contract_names_are_the_contract_files() -> None:
    assert list(sso_client.SCOPES) == CONTRACT["scopes"]
    assert {k: list(v) for k, v in sso_client.SCOPE_CLAIMS.items()} == CONTRACT["scope_claims"]
    assert dict(sso_client.ACR_VALUES) == CONTRACT["acr_values"]
    assert dict(sso_client.ACCESS_TOKEN_CLAIMS) == CONTRACT["access_token_claims"]
    assert dict(sso_client.JWT_TYPES) == CONTRACT["jwt_types"]
    assert list(sso_client.SIGNING_ALGORITHMS) == CONTRACT["signing_algorithms"]
    assert dict(sso_client.TOKEN_TYPES) == CONTRACT["token_types"]
    assert dict(sso_client.GRANT_TYPES) == CONTRACT["grant_types"]
    assert dict(sso_client.OAUTH_ERRORS) == CONTRACT["oauth_errors"]


def test_every_error_code_is_the_contract_files() -> None:
    expected = {
        code: (meta["message"], meta["status"], meta.get("oauth_error"))
        for code, meta in CONTRACT["client_errors"].items()
    }
    actual = {code: tuple(meta) for code, meta in sso_client.ERROR_CODES.items()}
    assert actual == expected
    error = sso_client.SsoError("SSO_INSUFFICIENT_SCOPE", "orders:write", scopes=["orders:write"])
    assert (error.code, error.status, error.oauth_error) == (
        "SSO_INSUFFICIENT_SCOPE",
        403,
        "insufficient_scope",
    )
    assert str(error) == "the token lacks a required scope: orders:write"
