"""An OpenID Connect relying party and OAuth 2 service client built from off-the-shelf Python
libraries (Authlib with requests, and joserfc, Authlib's JOSE backend), pointed at an SSO issuer.

It does what a Python web app, service and API do: discovery, the authorization code flow with PKCE
(S256) through SSO's HTML login and consent pages with a cookie-keeping requests.Session (as a
browser would, redirects caught with allow_redirects=False), ID token validation the way Authlib's
own OpenID client validates it (signature against the JWKS, then authlib.oidc.core.CodeIDToken),
userinfo, a refresh, and client credentials with a resource indicator whose JWT access token is
validated by Authlib's RFC 9068 resource-server validator.

Configuration comes from the environment (ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, USERNAME,
PASSWORD, SCOPES, SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET, API_AUDIENCE, API_SCOPES). It prints one
JSON object describing what it observed and exits 0, or prints "interop: <step>: <error>" on stderr
and exits 1 at the first step a library refuses (2: bad configuration, 3: libraries missing).
"""

import json
import os
import secrets
import sys
from html.parser import HTMLParser
from importlib import metadata as package_metadata
from urllib.parse import parse_qs, urljoin, urlsplit

REQUIREMENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "requirements.txt")

try:
    import requests
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
    from authlib.oidc.core import CodeIDToken, UserInfo
    from joserfc import jwt
    from joserfc.jwk import KeySet
    from joserfc.jws import JWSRegistry
except ImportError as error:
    sys.stderr.write(
        f"interop: Python dependencies are missing ({error}). "
        f"Install them with: python3 -m pip install -r {REQUIREMENTS}\n"
    )
    sys.exit(3)


class StepError(Exception):
    """A library refused something at a named step."""


def env(name, default=None):
    value = os.environ.get(name) or default
    if value is None:
        sys.stderr.write(f"interop: environment variable {name} is required\n")
        sys.exit(2)
    return value


class FormParser(HTMLParser):
    """Collects a page's POST forms: resolved action and the inputs a browser would submit."""

    def __init__(self, base):
        super().__init__()
        self.base = base
        self.forms = []
        self._current = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._current = {
                "action": urljoin(self.base, attributes.get("action") or self.base),
                "method": (attributes.get("method") or "get").lower(),
                "fields": {},
            }
            if self._current["method"] == "post":
                self.forms.append(self._current)
        elif tag == "input" and self._current is not None and attributes.get("name"):
            self._current["fields"][attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def find_form(forms, suffix):
    return next((f for f in forms if urlsplit(f["action"]).path.endswith(suffix)), None)


def sign_in(issuer, redirect_uri, authorization_url, username, password):
    """Plays the browser: follows redirects within the issuer's origin with a cookie-keeping
    session, fills in the login form (and the consent form when shown), and answers the redirect
    to redirect_uri together with the names of the pages it filled in."""
    origin = urlsplit(issuer)[:2]
    browser = requests.Session()
    browser.headers["Accept"] = "text/html"
    pages = []
    response = browser.get(authorization_url, allow_redirects=False, timeout=20)
    for _ in range(30):
        location = response.headers.get("Location")
        if response.is_redirect and location:
            target = urljoin(response.url, location)
            if urlsplit(target)[:2] != origin:
                if not target.startswith(redirect_uri):
                    raise StepError(f"redirected to {target}, not to the redirect URI")
                return target, pages
            response = browser.get(target, allow_redirects=False, timeout=20)
            continue
        parser = FormParser(response.url)
        parser.feed(response.text)
        login = find_form(parser.forms, "/login")
        consent = find_form(parser.forms, "/confirm")
        if login:
            form = login
            form["fields"].update(login=username, password=password)
            pages.append("login")
        elif consent:
            form = consent
            pages.append("consent")
        else:
            raise StepError(
                f"{response.status_code} at {response.url} has neither a login nor a consent "
                f"form:\n{response.text[:2000]}"
            )
        response = browser.post(
            form["action"], data=form["fields"], allow_redirects=False, timeout=20
        )
    raise StepError("sign-in did not reach the redirect URI")


def validate_id_token(id_token, jwks, discovery, client_id, nonce, access_token):
    """Validates an ID token as Authlib's OpenID client does (OpenIDMixin.parse_id_token): the
    signature against the JWKS with the advertised algorithms, then CodeIDToken's checks (iss, aud,
    exp, iat, nonce, azp, at_hash when present)."""
    token = jwt.decode(
        id_token,
        key=KeySet.import_key_set(jwks),
        registry=JWSRegistry(
            algorithms=discovery["id_token_signing_alg_values_supported"],
            strict_check_header=False,
        ),
    )
    claims = CodeIDToken(
        token.claims,
        token.header,
        {
            "iss": {"essential": True, "value": discovery["issuer"]},
            "aud": {"essential": True, "value": client_id},
        },
        {"nonce": nonce, "client_id": client_id, "access_token": access_token},
    )
    claims.validate(leeway=60)
    return claims


def main():
    issuer = env("ISSUER")
    redirect_uri = env("REDIRECT_URI")
    client_id = env("CLIENT_ID")
    out = {
        "libraries": {
            name: package_metadata.version(name)
            for name in ("Authlib", "joserfc", "requests", "cryptography")
        },
        "python": sys.version.split()[0],
    }

    # Discovery (OpenID Connect Discovery 1.0: the issuer must match exactly).
    try:
        response = requests.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration", timeout=20)
        response.raise_for_status()
        discovery = response.json()
    except (requests.RequestException, ValueError) as error:
        raise StepError(f"discovery: {error}") from error
    if discovery.get("issuer") != issuer:
        raise StepError(f"discovery: issuer {discovery.get('issuer')!r} is not {issuer!r}")
    jwks = requests.get(discovery["jwks_uri"], timeout=20).json()
    out["discovery"] = {
        key: discovery.get(key)
        for key in (
            "issuer",
            "authorization_endpoint",
            "token_endpoint",
            "userinfo_endpoint",
            "jwks_uri",
            "code_challenge_methods_supported",
            "id_token_signing_alg_values_supported",
        )
    }
    out["jwksKeyTypes"] = sorted(key["kty"] for key in jwks["keys"])

    # Authorization code flow with PKCE (S256).
    web = OAuth2Session(
        client_id,
        env("CLIENT_SECRET"),
        scope=env("SCOPES", "openid profile email groups offline_access"),
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(24)
    authorization_url, state = web.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce, prompt="consent"
    )
    sent = parse_qs(urlsplit(authorization_url).query)
    callback, pages = sign_in(
        issuer, redirect_uri, authorization_url, env("USERNAME"), env("PASSWORD")
    )
    callback_query = parse_qs(urlsplit(callback).query)
    try:
        token = web.fetch_token(
            discovery["token_endpoint"],
            authorization_response=callback,
            state=state,
            code_verifier=verifier,
        )
    except Exception as error:
        raise StepError(f"code exchange (OAuth2Session.fetch_token): {error!r}") from error
    out["codeFlow"] = {
        "pages": pages,
        "codeChallengeMethodSent": sent.get("code_challenge_method", [None])[0],
        "callbackIssuer": callback_query.get("iss", [None])[0],
        "stateMatched": callback_query.get("state", [None])[0] == state,
        "tokenType": token.get("token_type"),
        "scope": token.get("scope"),
        "expiresIn": token.get("expires_in"),
        "hasRefreshToken": bool(token.get("refresh_token")),
        "expired": token.is_expired(),
    }

    # ID token.
    try:
        claims = validate_id_token(
            token["id_token"], jwks, discovery, client_id, nonce, token["access_token"]
        )
    except Exception as error:
        raise StepError(f"ID token validation (joserfc + CodeIDToken): {error!r}") from error
    out["idToken"] = {
        "algorithm": claims.header.get("alg"),
        "nonceMatched": claims.get("nonce") == nonce,
        "accessTokenHash": "valid" if claims.get("at_hash") else "absent",
        "claims": dict(claims),
    }

    # Userinfo, with the session's bearer token.
    response = web.get(discovery["userinfo_endpoint"], timeout=20)
    if response.status_code != 200:
        raise StepError(f"userinfo: {response.status_code} {response.text}")
    userinfo = UserInfo(response.json())
    out["userinfo"] = dict(userinfo)
    rejected = requests.get(
        discovery["userinfo_endpoint"],
        headers={"Authorization": "Bearer not-a-real-token"},
        timeout=20,
    )
    out["userinfoRejected"] = {
        "status": rejected.status_code,
        "wwwAuthenticate": rejected.headers.get("WWW-Authenticate"),
        "error": rejected.json().get("error"),
    }

    # Refresh.
    previous = dict(token)
    try:
        refreshed = web.refresh_token(discovery["token_endpoint"])
    except Exception as error:
        raise StepError(f"refresh (OAuth2Session.refresh_token): {error!r}") from error
    refreshed_claims = (
        validate_id_token(
            refreshed["id_token"], jwks, discovery, client_id, None, refreshed["access_token"]
        )
        if refreshed.get("id_token")
        else {}
    )
    out["refresh"] = {
        "newAccessToken": refreshed["access_token"] != previous["access_token"],
        "newRefreshToken": refreshed.get("refresh_token") not in (None, previous["refresh_token"]),
        "idTokenSubject": refreshed_claims.get("sub"),
    }

    # Client credentials for an API with a resource indicator (RFC 8707).
    audience = env("API_AUDIENCE")
    service = OAuth2Session(
        env("SERVICE_CLIENT_ID"), env("SERVICE_CLIENT_SECRET"), scope=env("API_SCOPES")
    )
    try:
        service_token = service.fetch_token(
            discovery["token_endpoint"], grant_type="client_credentials", resource=audience
        )
    except Exception as error:
        raise StepError(f"client credentials (OAuth2Session.fetch_token): {error!r}") from error

    # The API validates it as an RFC 9068 resource server with Authlib's validator.
    class Validator(JWTBearerTokenValidator):
        def get_jwks(self):
            return KeySet.import_key_set(jwks)

    api = Validator(issuer=issuer, resource_server=audience)
    access_token = service_token["access_token"]
    try:
        verified = api.authenticate_token(access_token)
        api.validate_token(verified, [env("API_SCOPES")], None)
    except Exception as error:
        raise StepError(f"access token (JWTBearerTokenValidator): {error!r}") from error
    other_api = Validator(issuer=issuer, resource_server="https://other.example.test")
    try:
        other_api.validate_token(other_api.authenticate_token(access_token), [], None)
        wrong_audience = None
    except Exception as error:
        wrong_audience = f"{error!r} caused by {error.__cause__!r}"
    out["clientCredentials"] = {
        "tokenType": service_token.get("token_type"),
        "scope": service_token.get("scope"),
        "expiresIn": service_token.get("expires_in"),
        "header": dict(verified.header),
        "verified": dict(verified),
        "wrongAudienceError": wrong_audience,
    }
    return out


if __name__ == "__main__":
    try:
        report = main()
    except StepError as error:
        sys.stderr.write(f"interop: {error}\n")
        sys.exit(1)
    json.dump(report, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
