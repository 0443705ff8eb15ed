"""A service calling an API with client-credentials tokens: one token source per API, cached and
renewed by itself; TokenAuth adds it to every request and retries once on 401."""

import asyncio
import os

import httpx

from sso_client import AsyncTokenSource, Client, SsoError, TokenAuth, TokenSource, discover


def main() -> None:
    issuer = discover(os.environ["SSO_ISSUER"])
    client = Client(issuer, os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"])
    orders = TokenSource(client, resource="https://api.example.com/orders", scope="orders:read")
    with httpx.Client(base_url="https://api.example.com", auth=TokenAuth(orders)) as api:
        try:
            print(api.get("/orders").json())
        except SsoError as error:
            print("could not get a token:", error.code, error)


async def amain() -> None:
    issuer = discover(os.environ["SSO_ISSUER"])
    client = Client(issuer, os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"])
    orders = AsyncTokenSource(client, resource="https://api.example.com/orders")
    async with httpx.AsyncClient(base_url="https://api.example.com", auth=TokenAuth(orders)) as api:
        # Concurrent requests share one token request.
        responses = await asyncio.gather(*(api.get(f"/orders/{n}") for n in range(10)))
        print([response.status_code for response in responses])


if __name__ == "__main__":
    main()
    asyncio.run(amain())
