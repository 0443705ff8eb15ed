"""The suite's helpers. A real SSO: started with the project's own start command (package.json's
``start`` script, on the project's pinned Node) on a fresh embedded store in a temporary directory,
with apps, APIs and people registered through its CLI (``npm run sso -- ...``, run the same way).

Nothing here is mocked: tokens come from SSO's token endpoint, the sign-in goes through its login
form, and the apps under test are served by uvicorn and werkzeug on loopback ports.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import uvicorn

# The repository: SSO_REPO when the suite runs from elsewhere, else three levels up from here.
REPO = Path(os.environ.get("SSO_REPO", Path(__file__).resolve().parents[3]))
NODE = REPO / "node_modules" / ".bin" / "node"
ORDERS = "https://api.example.test/orders"
OPAQUE = "https://api.example.test/opaque"
PASSWORD = "correct horse battery staple 42"


def _script(name: str) -> list[str]:
    """An npm script of the project as a command on the pinned Node (``node x.ts`` → argv)."""
    scripts = json.loads((REPO / "package.json").read_text())["scripts"]
    argv = shlex.split(scripts[name])
    if argv[0] != "node":
        raise RuntimeError(f"package.json script {name!r} does not start with node: {argv}")
    return [str(NODE), *argv[1:]]


def free_port() -> socket.socket:
    """A listening-ready loopback socket on a free port (bound, not yet listening)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@dataclass
class Registered:
    client_id: str
    client_secret: str | None


class Sso:
    """A running SSO and its CLI."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        sock = free_port()
        self.port = sock.getsockname()[1]
        sock.close()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "SSO_PORT": str(self.port),
            "SSO_HOST": "127.0.0.1",
            "SSO_ISSUER": self.issuer,
            "SSO_DATA_DIR": str(directory / "data"),
            "SSO_LOG_LEVEL": os.environ.get("SSO_TEST_LOG_LEVEL", "warn"),
            # Running servers re-read the shared keys this often (the rotation test waits on it).
            "SSO_KEY_REFRESH_INTERVAL": "1s",
        }
        self.log = (directory / "sso.log").open("wb")
        self.process = subprocess.Popen(
            _script("start"),
            cwd=REPO,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        url = f"{self.issuer}/.well-known/openid-configuration"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"SSO exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"SSO did not answer {url} within 60 s:\n{self.log_text()}")

    def log_text(self) -> str:
        self.log.flush()
        return (self.directory / "sso.log").read_text(errors="replace")[-4000:]

    def cli(self, *args: str, stdin: str | None = None) -> Any:
        """Runs ``npm run sso -- <args> --json`` against this SSO's store; its JSON output."""
        result = subprocess.run(
            [*_script("sso"), *args, "--json"],
            cwd=REPO,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"sso {' '.join(args)}: {result.stderr.strip()}")
        return json.loads(result.stdout) if result.stdout.strip() else None

    def client(self, name: str, *args: str) -> Registered:
        out = self.cli("clients", "add", "--name", name, *args)
        return Registered(out["clientId"], out.get("clientSecret"))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def token_for(sso: Sso, client: Registered, resource: str, scope: str | None = None) -> str:
    """A client-credentials token straight from SSO's token endpoint (not via the package)."""
    form = {"grant_type": "client_credentials", "resource": resource}
    if scope:
        form["scope"] = scope
    metadata = httpx.get(f"{sso.issuer}/.well-known/openid-configuration").json()
    response = httpx.post(
        metadata["token_endpoint"], data=form, auth=(client.client_id, client.client_secret or "")
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


# --- serving apps over real HTTP ---------------------------------------------------------------


class UvicornThread:
    """An ASGI app served by uvicorn in a thread, on a socket bound beforehand."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]})
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


# --- a person signing in through SSO's pages ---------------------------------------------------


class _Forms(HTMLParser):
    """The POST forms of a page: resolved action and the inputs a browser would submit."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._fields: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self._fields = {}
            self.forms.append((urljoin(self.base, attributes.get("action") or ""), self._fields))
        elif tag == "input" and self._fields is not None and attributes.get("name"):
            if attributes.get("type") not in ("checkbox", "radio") or "checked" in attributes:
                self._fields[attributes["name"] or ""] = attributes.get("value") or ""
        elif tag == "button" and self._fields is not None and attributes.get("name"):
            self._fields.setdefault(attributes["name"] or "", attributes.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None


def sign_in(browser: httpx.Client, start: str, username: str, password: str) -> httpx.Response:
    """Plays the person: follows redirects from ``start``, fills in SSO's login form and, when
    shown, its consent form, until a page outside SSO's interaction pages answers."""
    response = browser.get(start)
    pages: list[str] = []
    for _ in range(6):
        path = urlsplit(str(response.url)).path
        if "/interaction/" not in path:
            return response
        parser = _Forms(str(response.url))
        parser.feed(response.text)
        login = next((f for f in parser.forms if f[0].endswith("/login")), None)
        consent = next((f for f in parser.forms if f[0].endswith("/confirm")), None)
        if login:
            action, fields = login
            fields.update(login=username, password=password)
            pages.append("login")
        elif consent:
            action, fields = consent
            pages.append("consent")
        else:
            raise AssertionError(
                f"{response.status_code} at {response.url}: no login or consent form"
            )
        response = browser.post(action, data=fields)
    raise AssertionError(f"sign-in did not leave SSO's pages ({pages})")


def jwt_header(token: str) -> dict[str, Any]:
    part = token.split(".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def wait_for(predicate: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.25)
