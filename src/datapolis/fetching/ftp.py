"""Sources of kind "ftp": a file on an FTP server (FTPS with `ftps://`), in passive mode.

The SSRF rules of `fetching.http` apply: the host name is resolved once, every address
must be allowed, and the control connection goes to that vetted address. Passive data
connections go to the control connection's peer, never to the address the server names
in its PASV reply (`ftplib`'s default), so the server cannot point them elsewhere.

The server's MDTM and SIZE answers, when it gives them, are the validators: the same
time and size as last time means unchanged, and nothing is downloaded.
"""

from __future__ import annotations

import ftplib
import socket
import ssl
import time
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from datapolis.fetching.http import FetchError, Network, vetted_address
from datapolis.fetching.spec import (
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


class _PinnedFTP(ftplib.FTP):
    """An FTP client whose control connection goes to a vetted socket address."""

    sockaddr: tuple = ()

    def connect(self, host: str = "", port: int = 0, timeout: float = -999, source_address=None) -> str:
        self.host, self.port = host or self.host, port or self.port
        if timeout != -999:
            self.timeout = timeout
        self.sock = socket.create_connection(self.sockaddr[:2], self.timeout)
        self.af = self.sock.family
        self.file = self.sock.makefile("r", encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome


class _PinnedFTPS(_PinnedFTP, ftplib.FTP_TLS):
    """The same over explicit TLS (AUTH TLS), the certificate checked against the host name."""


def fetch_ftp(
    spec: SourceSpec,
    destination: Path,
    *,
    previous: Validators | None,
    allowed_networks: tuple[Network, ...],
    max_bytes: int,
    timeout: float,
) -> SourceFile:
    """Download the file at `spec.location` (ftp:// or ftps://) into `destination`."""
    parts = urlsplit(spec.location)
    if parts.scheme not in ("ftp", "ftps") or not parts.hostname:
        raise SourceError(spec, gettext_noop("only ftp:// and ftps:// addresses can be fetched."), code="bad_scheme")
    refuse_credentials_in_url(spec)
    remote = unquote(parts.path) or "/"
    deadline = time.monotonic() + timeout
    try:
        client = _connect(spec, parts.scheme, parts.hostname, parts.port or 21, allowed_networks, timeout)
    except FetchError as error:
        raise SourceError.wrap(spec, error) from error
    try:
        return _download(spec, client, remote, destination, previous, max_bytes, deadline, timeout)
    except ftplib.Error as error:
        raise _ftp_error(spec, gettext_noop("the FTP server refused the download: %(reply)s."), error) from error
    except TimeoutError as error:
        raise too_slow(spec, timeout) from error
    except OSError as error:
        raise _network_error(spec, error) from error
    finally:
        _close(client)


def _connect(spec: SourceSpec, scheme: str, host: str, port: int, allowed_networks, timeout: float) -> ftplib.FTP:
    target = vetted_address(host, port, allowed_networks)
    client: ftplib.FTP = _PinnedFTPS(context=ssl.create_default_context()) if scheme == "ftps" else _PinnedFTP()
    client.sockaddr = target[3]
    try:
        client.connect(host, port, timeout=timeout)
        if isinstance(client, ftplib.FTP_TLS):
            client.auth()
        client.login(spec.username or "anonymous", spec.password or "anonymous@")
        if isinstance(client, ftplib.FTP_TLS):
            client.prot_p()
        client.set_pasv(True)
        client.voidcmd("TYPE I")
        return client
    except ftplib.error_perm as error:
        _close(client)
        if str(error)[:3] in ("530", "331", "332"):
            template = gettext_noop("the FTP server refused the user name or password (%(reply)s).")
            raise _ftp_error(spec, template, error, "credentials") from error
        raise _ftp_error(spec, gettext_noop("the FTP server refused the connection: %(reply)s."), error) from error
    except ftplib.Error as error:
        _close(client)
        raise _ftp_error(spec, gettext_noop("the FTP server refused the connection: %(reply)s."), error) from error
    except TimeoutError as error:
        _close(client)
        raise too_slow(spec, timeout) from error
    except (OSError, EOFError) as error:
        _close(client)
        raise _network_error(spec, error) from error


def _download(
    spec: SourceSpec,
    client: ftplib.FTP,
    remote: str,
    destination: Path,
    previous: Validators | None,
    max_bytes: int,
    deadline: float,
    timeout: float,
) -> SourceFile:
    validators = Validators(size=_size(client, remote), mtime=_mtime(client, remote))
    filename = safe_filename(spec.option("filename", PurePosixPath(remote).name))
    if same_file(validators, previous):
        return not_downloaded(filename, validators, previous)
    if validators.size is not None and validators.size > max_bytes:
        raise too_large(spec, max_bytes)
    with part_file(destination) as (part, handle):
        writer = CappedWriter(handle, max_bytes, lambda: too_large(spec, max_bytes))

        def receive(chunk: bytes) -> None:
            if time.monotonic() > deadline:
                raise too_slow(spec, timeout)
            writer.write(chunk)

        client.retrbinary(f"RETR {remote}", receive)
    return downloaded(part, destination, filename, validators, previous, writer.digest.hexdigest(), writer.size)


def _size(client: ftplib.FTP, remote: str) -> int | None:
    try:
        size = client.size(remote)
    except ftplib.error_perm:
        return None
    return int(size) if size is not None else None


def _mtime(client: ftplib.FTP, remote: str) -> str:
    """The MDTM answer (YYYYMMDDHHMMSS, UTC) as ISO 8601, or "" when the server has none."""
    try:
        reply = client.sendcmd(f"MDTM {remote}")
    except ftplib.error_perm:
        return ""
    value = reply[4:].strip().split(".", 1)[0]
    try:
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=UTC).isoformat()
    except ValueError:
        return ""


def _ftp_error(spec: SourceSpec, template: str, error: BaseException, code: str = "ftp_reply") -> SourceError:
    return SourceError(spec, template, {"reply": str(error).strip() or type(error).__name__}, code=code)


def _network_error(spec: SourceSpec, error: BaseException) -> SourceError:
    return SourceError(
        spec,
        gettext_noop("the connection to the FTP server failed: %(error)s."),
        {"error": str(error) or type(error).__name__},
        code="connection",
    )


def _close(client: ftplib.FTP) -> None:
    try:
        client.quit()
    except (OSError, EOFError, ftplib.Error):
        client.close()
