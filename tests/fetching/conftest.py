"""Real servers on 127.0.0.1 for the source fetchers: HTTP, FTP (pyftpdlib), SFTP (asyncssh).

Loopback is a private address: the fetchers reach these servers only because the tests
pass `LOOPBACK` as `allowed_networks`; without it they must refuse them (SSRF).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

LOOPBACK = ("127.0.0.0/8",)
PASSWORD = "s3cr3t-Pa55word"


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A threaded HTTP server on 127.0.0.1 answering with `handler`; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, format, *args) -> None:
        pass

    def send_body(self, body: bytes, content_type: str = "application/json", status: int = 200, **headers) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def ftp_server(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """pyftpdlib on 127.0.0.1 with the user alice (password PASSWORD), serving a folder: (folder, port)."""
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer

    root = tmp_path / "ftp-root"
    root.mkdir()
    authorizer = DummyAuthorizer()
    authorizer.add_user("alice", PASSWORD, str(root), perm="elr")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer, "auth_failed_timeout": 0.01})
    server = FTPServer(("127.0.0.1", 0), handler)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            server.serve_forever(timeout=0.05, blocking=False, handle_exit=False)
        server.close_all()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield root, server.address[1]
    finally:
        stop.set()
        thread.join(5)


class SFTPServerHandle:
    """An asyncssh SFTP server run in a thread of its own, on 127.0.0.1."""

    def __init__(self, root: Path, host_key, client_key) -> None:
        import asyncssh

        self.root = root
        self.host_key = host_key
        self.password_attempts: list[str] = []
        handle = self

        class Server(asyncssh.SSHServer):
            def begin_auth(self, username: str) -> bool:
                return True

            def password_auth_supported(self) -> bool:
                return True

            def validate_password(self, username: str, password: str) -> bool:
                handle.password_attempts.append(username)
                return username == "alice" and password == PASSWORD

            def public_key_auth_supported(self) -> bool:
                return True

            def validate_public_key(self, username: str, key) -> bool:
                return username == "alice" and key.public_data == client_key.public_data

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        listen = asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[host_key],
            server_factory=Server,
            sftp_factory=lambda channel: asyncssh.SFTPServer(channel, chroot=str(root)),
            allow_scp=False,
        )
        self.server = asyncio.run_coroutine_threadsafe(_awaited(listen), self.loop).result(10)
        self.port = self.server.sockets[0].getsockname()[1]

    def close(self) -> None:
        async def stop() -> None:
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


async def _awaited(awaitable):
    return await awaitable


@pytest.fixture
def sftp_keys():
    import asyncssh

    return asyncssh.generate_private_key("ssh-ed25519"), asyncssh.generate_private_key("ssh-ed25519")


@pytest.fixture
def sftp_server(tmp_path: Path, sftp_keys) -> Iterator[Callable[..., SFTPServerHandle]]:
    """Starts SFTP servers serving `tmp_path / "sftp-root"`, with a given host key or the fixture's."""
    root = tmp_path / "sftp-root"
    root.mkdir()
    started: list[SFTPServerHandle] = []

    def start(host_key=None) -> SFTPServerHandle:
        server = SFTPServerHandle(root, host_key or sftp_keys[0], sftp_keys[1])
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()
