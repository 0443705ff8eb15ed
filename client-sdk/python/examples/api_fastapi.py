"""An API protected by sso-client: FastAPI, every route needing a scope.

Run: SSO_ISSUER=https://sso.example.com API_AUDIENCE=https://api.example.com/orders \
    uvicorn examples.api_fastapi:app
"""

import os
from typing import Annotated

from fastapi import Depends, FastAPI

from sso_client import VerifiedToken, Verifier, discover
from sso_client.fastapi import require_token

issuer = discover(os.environ["SSO_ISSUER"])
verifier = Verifier(issuer, audience=os.environ["API_AUDIENCE"])
read_orders = require_token(verifier, scopes=["orders:read"])
write_orders = require_token(verifier, scopes=["orders:write"])

app = FastAPI()


@app.get("/orders")
async def list_orders(token: Annotated[VerifiedToken, Depends(read_orders)]) -> dict[str, object]:
    return {"caller": token.subject, "scopes": list(token.scopes)}


@app.post("/orders")
async def create_order(token: Annotated[VerifiedToken, Depends(write_orders)]) -> dict[str, str]:
    return {"created_by": token.subject or ""}
