"""sso-client: what a Python service installs to trust SSO.

Discovery and the JWKS (cached, refetched on key rotation with a cooldown), access-token
verification (RFC 9068), client-credentials token sources with an httpx auth class, introspection,
and integrations for FastAPI/Starlette (``sso_client.fastapi``, ``sso_client.starlette``) and Flask
(``sso_client.flask``). Every error is an :class:`SsoError` with a stable ``code``, the same codes
as ``@sso/client`` (both come from SSO's contract file).
"""

from ._contract import (
    ACCESS_TOKEN_CLAIMS,
    ACR_VALUES,
    GRANT_TYPES,
    JWT_TYPES,
    OAUTH_ERRORS,
    SCOPE_CLAIMS,
    SCOPES,
    SIGNING_ALGORITHMS,
    TOKEN_TYPES,
)
from .challenge import ErrorResponse, error_response
from .client import Client, aintrospect, introspect
from .errors import ERROR_CODES, ErrorCode, ErrorMeta, SsoError, is_sso_error
from .issuer import Issuer, adiscover, discover
from .tokens import AsyncTokenSource, ServiceToken, TokenAuth, TokenSource
from .verify import (
    VerifiedToken,
    Verifier,
    averify_access_token,
    averify_request,
    token_from_header,
    verify_access_token,
    verify_request,
)

__version__ = "0.1.0"

__all__ = [
    "ACCESS_TOKEN_CLAIMS",
    "ACR_VALUES",
    "ERROR_CODES",
    "GRANT_TYPES",
    "JWT_TYPES",
    "OAUTH_ERRORS",
    "SCOPES",
    "SCOPE_CLAIMS",
    "SIGNING_ALGORITHMS",
    "TOKEN_TYPES",
    "AsyncTokenSource",
    "Client",
    "ErrorCode",
    "ErrorMeta",
    "ErrorResponse",
    "Issuer",
    "ServiceToken",
    "SsoError",
    "TokenAuth",
    "TokenSource",
    "VerifiedToken",
    "Verifier",
    "adiscover",
    "aintrospect",
    "averify_access_token",
    "averify_request",
    "discover",
    "error_response",
    "introspect",
    "is_sso_error",
    "token_from_header",
    "verify_access_token",
    "verify_request",
]
