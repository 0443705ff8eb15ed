"""HTTP helpers shared by discovery, JWKS, token and introspection requests (package-internal)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from ._contract import ErrorCode
from .errors import SsoError


def json_object(response: httpx.Response, code: ErrorCode, what: str) -> dict[str, Any]:
    """The response's JSON object, or ``code`` naming ``what`` and the server's OAuth error."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if response.status_code == 200 and isinstance(body, dict):
        return body
    server_error = body.get("error") if isinstance(body, dict) else None
    description = body.get("error_description") if isinstance(body, dict) else None
    detail = f"{what} answered {response.status_code}"
    if isinstance(server_error, str):
        detail += f" {server_error}"
        if isinstance(description, str):
            detail += f" ({description})"
    raise SsoError(
        code, detail, server_error=server_error if isinstance(server_error, str) else None
    )


def unreachable(code: ErrorCode, what: str, error: httpx.HTTPError) -> SsoError:
    """An :class:`SsoError` for a request that got no answer."""
    return SsoError(code, f"{what} unreachable ({type(error).__name__}: {error})")
