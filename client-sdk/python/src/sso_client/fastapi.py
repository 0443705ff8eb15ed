"""FastAPI: a dependency that verifies the request's access token.

A refused request gets the RFC 6750 answer (401 or 403 with ``WWW-Authenticate``); FastAPI puts
the body under ``detail``.

Example::

    orders = require_token(verifier, scopes=["orders:read"])

    @app.get("/orders")
    async def list_orders(token: Annotated[VerifiedToken, Depends(orders)]) -> dict[str, str]:
        return {"caller": token.subject or ""}
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from fastapi import HTTPException, Request

from .challenge import error_response
from .errors import SsoError
from .verify import VerifiedToken, Verifier, averify_request

__all__ = ["require_token"]


def require_token(
    verifier: Verifier,
    *,
    scopes: Sequence[str] = (),
    groups: Sequence[str] = (),
    confirm: bool = False,
) -> Callable[[Request], Awaitable[VerifiedToken]]:
    """A dependency answering the verified token, or refusing the request."""

    async def dependency(request: Request) -> VerifiedToken:
        try:
            return await averify_request(
                verifier,
                request.headers.getlist("authorization"),
                scopes=scopes,
                groups=groups,
                confirm=confirm,
            )
        except SsoError as error:
            refusal = error_response(verifier, error)
            raise HTTPException(
                status_code=refusal.status, detail=refusal.body, headers=refusal.headers
            ) from error

    return dependency
