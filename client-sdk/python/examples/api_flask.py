"""An API protected by sso-client: Flask.

Run: SSO_ISSUER=https://sso.example.com API_AUDIENCE=https://api.example.com/orders \
    flask --app examples.api_flask run
"""

import os

from flask import Flask

from sso_client import Verifier, discover
from sso_client.flask import current_token, require_token

verifier = Verifier(discover(os.environ["SSO_ISSUER"]), audience=os.environ["API_AUDIENCE"])
app = Flask(__name__)


@app.get("/orders")
@require_token(verifier, scopes=["orders:read"])
def list_orders() -> dict[str, object]:
    token = current_token()
    return {"caller": token.subject, "groups": list(token.groups)}
