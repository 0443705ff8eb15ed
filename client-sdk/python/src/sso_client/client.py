"""A client registered at SSO, and its requests to the token and introspection endpoints."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import httpx

from ._contract import ErrorCode
from ._http import json_object, unreachable
from .errors import SsoError
from .issuer import Issuer, _shared_client

__all__ = ["Client", "aintrospect", "introspect"]

ClientAuthMethod = Literal["client_secret_basic", "client_secret_post"]


@dataclass(frozen=True)
class Client:
    """A client of ``issuer``: its id, its secret (confidential clients) and how it sends it."""

    issuer: Issuer
    client_id: str
    client_secret: str | None = None
    auth_method: ClientAuthMethod = "client_secret_basic"

    def __post_init__(self) -> None:
        if not self.client_id:
            raise SsoError("SSO_CONFIGURATION_INVALID", "a client_id is required")

    def __repr__(self) -> str:  # never the secret
        return f"Client({self.client_id!r}, issuer={self.issuer.issuer!r})"

    def _request(self, form: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
        data = dict(form)
        headers = {"accept": "application/json"}
        if self.client_secret is None:
            data["client_id"] = self.client_id
        elif self.auth_method == "client_secret_post":
            data.update(client_id=self.client_id, client_secret=self.client_secret)
        else:
            # RFC 6749 §2.3.1: both are form-encoded before they go into the Basic credentials.
            basic = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
            headers["authorization"] = "Basic " + _b64(basic)
        return data, headers

    def post(
        self, endpoint: str, form: Mapping[str, str], code: ErrorCode, what: str
    ) -> dict[str, Any]:
        """POSTs ``form`` to one of the issuer's endpoints, authenticated as this client."""
        url = self.issuer.endpoint(endpoint)
        data, headers = self._request(form)
        try:
            client = self.issuer.http_client or _shared_client()
            response = client.post(url, data=data, headers=headers, timeout=self.issuer.timeout)
        except httpx.HTTPError as error:
            raise unreachable(code, what, error) from error
        return json_object(response, code, what)

    async def apost(
        self, endpoint: str, form: Mapping[str, str], code: ErrorCode, what: str
    ) -> dict[str, Any]:
        """Like :meth:`post`, for asyncio code."""
        url = self.issuer.endpoint(endpoint)
        data, headers = self._request(form)
        timeout = self.issuer.timeout
        try:
            if self.issuer.async_http_client is not None:
                response = await self.issuer.async_http_client.post(
                    url, data=data, headers=headers, timeout=timeout
                )
            else:
                async with httpx.AsyncClient() as own:
                    response = await own.post(url, data=data, headers=headers, timeout=timeout)
        except httpx.HTTPError as error:
            raise unreachable(code, what, error) from error
        return json_object(response, code, what)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _introspection(result: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(result.get("active"), bool):
        raise SsoError("SSO_INTROSPECTION_FAILED", "the answer has no boolean 'active'")
    return result


def introspect(client: Client, token: str) -> dict[str, Any]:
    """Asks SSO (RFC 7662) whether ``token`` is active and what it grants.

    SSO answers only the token's own client and the resource servers of its audience. Raises
    ``SSO_INTROSPECTION_FAILED``.

    Example::

        result = introspect(client, token)
        if result["active"]:
            print(result["sub"], result.get("scope"))
    """
    return _introspection(
        client.post(
            "introspection_endpoint",
            {"token": token},
            "SSO_INTROSPECTION_FAILED",
            "token introspection",
        )
    )


async def aintrospect(client: Client, token: str) -> dict[str, Any]:
    """Like :func:`introspect`, for asyncio code."""
    return _introspection(
        await client.apost(
            "introspection_endpoint",
            {"token": token},
            "SSO_INTROSPECTION_FAILED",
            "token introspection",
        )
    )
