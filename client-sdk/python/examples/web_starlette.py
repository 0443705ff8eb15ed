"""A web app whose people sign in with SSO: Starlette, the session in its signed cookie.

Register it: npm run sso -- clients add --name "Web" --confidential \
    --redirect-uri http://localhost:8000/auth/callback --post-logout-redirect-uri http://localhost:8000/
"""

import os

from starlette.applications import Starlette
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from sso_client import discover
from sso_client.starlette import WebAuth

web = WebAuth(
    discover(os.environ["SSO_ISSUER"]),
    client_id=os.environ["CLIENT_ID"],
    client_secret=os.environ["CLIENT_SECRET"],
    redirect_uri="http://localhost:8000/auth/callback",
    post_logout_redirect_uri="http://localhost:8000/",
)


@web.require_login
async def home(request: Request) -> Response:
    user = web.user(request) or {}
    return HTMLResponse(f"Hello {user.get('name')} <a href='/auth/logout'>sign out</a>")


app = Starlette(routes=[*web.routes(), Route("/", home)])
app.add_middleware(
    SessionMiddleware, secret_key=os.environ["SESSION_SECRET"], https_only=False, same_site="lax"
)
