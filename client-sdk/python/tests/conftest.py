"""The suite's fixtures: one real SSO for the whole session (see support.py), the clients and
APIs registered there through its CLI, and servers for the apps under test."""

from __future__ import annotations

import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from support import OPAQUE, ORDERS, PASSWORD, Registered, Sso, UvicornThread, free_port


@pytest.fixture(scope="session")
def sso() -> Iterator[Sso]:
    with tempfile.TemporaryDirectory(prefix="sso-client-python-") as directory:
        server = Sso(Path(directory))
        try:
            server.cli(
                "apis", "add", ORDERS, "--name", "Orders",
                "--scope", "orders:read", "--scope", "orders:write",
            )  # fmt: skip
            server.cli(
                "apis", "add", OPAQUE, "--name", "Opaque",
                "--scope", "opaque:read", "--token-format", "opaque",
            )  # fmt: skip
            server.cli(
                "users", "add", "alice", "--email", "alice@example.com", "--email-verified",
                "--name", "Alice Liddell", "--group", "staff", "--password-stdin",
                stdin=f"{PASSWORD}\n",
            )  # fmt: skip
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="session")
def worker(sso: Sso) -> Registered:
    """A service allowed client-credentials tokens for both APIs."""
    return sso.client(
        "Worker",
        "--confidential",
        "--grant",
        "client_credentials",
        "--api",
        ORDERS,
        "--api",
        OPAQUE,
    )


@pytest.fixture(scope="session")
def reader(sso: Sso) -> Registered:
    """A service allowed only orders:read."""
    return sso.client(
        "Reader", "--confidential", "--grant", "client_credentials",
        "--api", ORDERS, "--api-scope", f"{ORDERS}=orders:read",
    )  # fmt: skip


@pytest.fixture(scope="session")
def resource_server(sso: Sso) -> Registered:
    """The APIs' own client: it may introspect tokens issued for them."""
    return sso.client(
        "Orders API", "--confidential", "--grant", "client_credentials",
        "--resource-server", ORDERS, "--resource-server", OPAQUE,
    )  # fmt: skip


@pytest.fixture
def serve_asgi() -> Iterator[Callable[[Any, socket.socket | None], str]]:
    servers: list[UvicornThread] = []

    def serve(app: Any, sock: socket.socket | None = None) -> str:
        server = UvicornThread(app, sock or free_port())
        servers.append(server)
        return server.url

    yield serve
    for server in servers:
        server.stop()


@pytest.fixture
def serve_wsgi() -> Iterator[Callable[[Any, socket.socket | None], str]]:
    servers: list[tuple[BaseWSGIServer, threading.Thread]] = []

    def serve(app: Any, sock: socket.socket | None = None) -> str:
        sock = sock or free_port()
        port = sock.getsockname()[1]
        sock.listen()  # werkzeug takes a socket passed by fd as already listening
        server = make_server("127.0.0.1", port, app, threaded=True, fd=sock.detach())
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.port}"

    yield serve
    for server, thread in servers:
        server.shutdown()
        thread.join(timeout=15)
