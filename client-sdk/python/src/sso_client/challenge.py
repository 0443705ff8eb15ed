"""How an API answers a request it refuses (RFC 6750 §3): the status, and a ``WWW-Authenticate``
challenge with the realm, the OAuth error, a description and, for missing scopes, the scopes
needed; no error code when no token was presented at all. The same answer as ``@sso/client``'s
``errorResponse``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ._contract import TOKEN_TYPES
from .errors import SsoError
from .verify import Verifier

__all__ = ["ErrorResponse", "error_response"]


@dataclass(frozen=True)
class ErrorResponse:
    """The status, headers and JSON body of a refusal."""

    status: int
    headers: dict[str, str]
    body: dict[str, Any]


def _quoted(value: str) -> str:
    return re.sub(r"[^\x20-\x7e]", "?", value).replace('"', "'").replace("\\", "/")


def error_response(verifier: Verifier, error: SsoError) -> ErrorResponse:
    """The answer to a request refused with ``error``.

    Example::

        try:
            verify_request(verifier, request.headers.get("authorization"))
        except SsoError as error:
            refusal = error_response(verifier, error)
    """
    parameters = [("realm", verifier.realm or "")]
    if error.oauth_error:
        parameters += [("error", error.oauth_error), ("error_description", str(error))]
        if error.scopes:
            parameters.append(("scope", " ".join(error.scopes)))
    challenge = f"{TOKEN_TYPES['bearer']} " + ", ".join(
        f'{name}="{_quoted(value)}"' for name, value in parameters
    )
    headers = {"cache-control": "no-store"}
    if error.status == 401 or error.oauth_error:
        headers["www-authenticate"] = challenge
    body: dict[str, Any] = {"error_description": str(error), "code": error.code}
    if error.oauth_error:
        body = {"error": error.oauth_error, **body}
    return ErrorResponse(status=error.status, headers=headers, body=body)
