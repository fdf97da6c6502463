"""Sources of kind "sftp": a file on an SSH server, read with asyncssh run synchronously.

The SSRF rules of `fetching.http` apply: the host name is resolved once, every address
must be allowed, and the connection goes to that vetted address.

The server's key is checked before any credential is sent: against the key pinned in the
options (`host_key`, one OpenSSH public key line) when there is one; otherwise against
the fingerprint recorded last time (`Validators.host_key`), and on the first fetch the
key is trusted and its fingerprint recorded (trust on first use) for the caller to store.
A changed key is refused. The client authenticates with the password, or with the
private key of the options (`private_key`, OpenSSH or PEM text, `private_key_passphrase`).

stat's size and modification time are the validators.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import warnings
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

with warnings.catch_warnings():  # asyncssh's DSA support warns when imported (cryptography)
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    import asyncssh

from datapolis.fetching.http import FetchError, Network, vetted_address
from datapolis.fetching.spec import (
    CHUNK,
    CappedWriter,
    SourceError,
    SourceFile,
    SourceSpec,
    Validators,
    downloaded,
    not_downloaded,
    part_file,
    refuse_credentials_in_url,
    safe_filename,
    same_file,
    too_large,
    too_slow,
)
from datapolis.ingest.errors import gettext_noop


class _HostKeyCheck(asyncssh.SSHClient):
    """Accepts the pinned key, or the key of the expected fingerprint, or any key the first time."""

    def __init__(self, pinned: asyncssh.SSHKey | None, expected: str) -> None:
        self.pinned = pinned
        self.expected = expected
        self.seen = ""

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        self.seen = key.get_fingerprint("sha256")
        if self.pinned is not None:
            return key.public_data == self.pinned.public_data
        return not self.expected or self.seen == self.expected


def fetch_sftp(
    spec: SourceSpec,
    destination: Path,
    *,
    previous: Validators | None,
    allowed_networks: tuple[Network, ...],
    max_bytes: int,
    timeout: float,
) -> SourceFile:
    """Download the file at `spec.location` (sftp://host[:port]/path) into `destination`."""
    parts = urlsplit(spec.location)
    if parts.scheme != "sftp" or not parts.hostname:
        raise SourceError(spec, gettext_noop("only sftp:// addresses can be fetched."), code="bad_scheme")
    refuse_credentials_in_url(spec)
    try:
        target = vetted_address(parts.hostname, parts.port or 22, allowed_networks)
    except FetchError as error:
        raise SourceError.wrap(spec, error) from error
    check = _HostKeyCheck(_pinned_key(spec), previous.host_key if previous else "")
    job = _Job(spec, target[3], unquote(parts.path), destination, previous, max_bytes, check)
    try:
        return _run(asyncio.wait_for(job.run(), timeout))
    except TimeoutError as error:
        raise too_slow(spec, timeout) from error
    except asyncssh.HostKeyNotVerifiable as error:
        raise _changed_key(spec, check) from error
    except asyncssh.PermissionDenied as error:
        raise SourceError(
            spec, gettext_noop("the SSH server refused the user name, password or key."), code="credentials"
        ) from error
    except asyncssh.SFTPError as error:
        template = gettext_noop("the SFTP server refused the download: %(reply)s.")
        raise SourceError(spec, template, {"reply": error.reason}, "sftp_reply") from error
    except (asyncssh.Error, OSError) as error:
        raise SourceError(
            spec,
            gettext_noop("the connection to the SSH server failed: %(error)s."),
            {"error": str(error) or type(error).__name__},
            code="connection",
        ) from error


def _pinned_key(spec: SourceSpec) -> asyncssh.SSHKey | None:
    text = spec.option("host_key")
    if not text:
        return None
    try:
        return asyncssh.import_public_key(str(text).strip())
    except (asyncssh.KeyImportError, ValueError) as error:
        raise SourceError(
            spec, gettext_noop("the pinned host key is not an OpenSSH public key."), code="bad_host_key"
        ) from error


def _client_keys(spec: SourceSpec) -> list[Any] | None:
    text = spec.option("private_key")
    if not text:
        return None
    try:
        return [asyncssh.import_private_key(str(text), spec.option("private_key_passphrase"))]
    except (asyncssh.KeyImportError, ValueError) as error:
        raise SourceError(
            spec, gettext_noop("the private key cannot be read (or its passphrase is wrong)."), code="bad_private_key"
        ) from error


def _changed_key(spec: SourceSpec, check: _HostKeyCheck) -> SourceError:
    if check.pinned is not None:
        template = gettext_noop("the SSH server's key (%(seen)s) is not the pinned one (%(expected)s): refused.")
        expected = check.pinned.get_fingerprint("sha256")
    else:
        template = gettext_noop(
            "the SSH server's key changed (%(seen)s, was %(expected)s): refused. If the server's key was "
            "really replaced, forget the recorded key."
        )
        expected = check.expected
    return SourceError(spec, template, {"seen": check.seen, "expected": expected}, code="host_key_changed")


def _run(coroutine) -> Any:
    """Run `coroutine` to its end, in a thread of its own when this one has an event loop running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class _Job:
    def __init__(self, spec, sockaddr, remote, destination, previous, max_bytes, check) -> None:
        self.spec: SourceSpec = spec
        self.sockaddr: tuple = sockaddr
        self.remote: str = remote
        self.destination: Path = destination
        self.previous: Validators | None = previous
        self.max_bytes: int = max_bytes
        self.check: _HostKeyCheck = check

    async def run(self) -> SourceFile:
        options = {
            "username": self.spec.username or None,
            "password": self.spec.password or None,
            "client_keys": _client_keys(self.spec),
            "known_hosts": ([], [], []),  # so that every key goes through `validate_host_public_key`
            "agent_path": None,
            "preferred_auth": "publickey,keyboard-interactive,password",
        }
        async with (
            asyncssh.connect(
                self.sockaddr[0], self.sockaddr[1], client_factory=lambda: self.check, **options
            ) as connection,
            connection.start_sftp_client() as sftp,
        ):
            return await self._download(sftp)

    async def _download(self, sftp: asyncssh.SFTPClient) -> SourceFile:
        attrs = await sftp.stat(self.remote)
        mtime = datetime.fromtimestamp(attrs.mtime, UTC).isoformat() if attrs.mtime is not None else ""
        validators = Validators(size=attrs.size, mtime=mtime, host_key=self.check.seen)
        filename = safe_filename(self.spec.option("filename", PurePosixPath(self.remote).name))
        if same_file(validators, self.previous):
            return not_downloaded(filename, validators, self.previous)
        if attrs.size is not None and attrs.size > self.max_bytes:
            raise too_large(self.spec, self.max_bytes)
        with part_file(self.destination) as (part, handle):
            writer = CappedWriter(handle, self.max_bytes, lambda: too_large(self.spec, self.max_bytes))
            async with sftp.open(self.remote, "rb") as remote:
                while chunk := await remote.read(CHUNK):
                    writer.write(chunk)
        sha256 = writer.digest.hexdigest()
        return downloaded(part, self.destination, filename, validators, self.previous, sha256, writer.size)
