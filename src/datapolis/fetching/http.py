"""Download from a URL on the server, safely (URL sources, harvesting).

The server must not become a way into the networks it can reach (SSRF): the host name
is resolved first and every address it resolves to must be public (not private,
loopback, link-local, multicast, reserved, shared or unspecified); the connection is
then made to that vetted address, so a second DNS answer cannot swap it (DNS
rebinding). Every redirect is checked the same way. Sizes are capped while bytes
arrive, and the whole download has a deadline.

`allowed_networks` lets an instance reach chosen private networks (an intranet file
server) and lets tests use a server on 127.0.0.1; it is empty by default.

Only the standard library is used; no proxy is used (a proxy would decide the address).
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import json
import re
import socket
import ssl
import time
import zlib
from dataclasses import dataclass
from email.message import Message
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import unquote, urljoin, urlsplit

from datapolis.ingest.errors import gettext_noop

CHUNK = 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "Datapolis (data import)"

CONTENT_TYPE_EXTENSIONS = {
    "text/csv": ".csv",
    "application/csv": ".csv",
    "text/tab-separated-values": ".tsv",
    "application/json": ".json",
    "application/geo+json": ".geojson",
    "application/vnd.geo+json": ".geojson",
    "application/x-ndjson": ".jsonl",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.google-earth.kml+xml": ".kml",
    "application/geopackage+sqlite3": ".gpkg",
    "application/vnd.apache.parquet": ".parquet",
    "application/zip": ".zip",
}


class FetchError(Exception):
    """The URL could not be downloaded; `template` % `params` says why.

    `template` is an English sentence marked for translation; `code` names the problem
    (`private_address`, `timeout`, `http_status`...), which the faces turn into a hint.
    """

    def __init__(self, template: str, params: dict[str, Any] | None = None, code: str = "fetch_failed") -> None:
        super().__init__(template % (params or {}))
        self.template = template
        self.params = params or {}
        self.code = code


@dataclass
class Fetched:
    url: str  # the final URL, after redirects
    filename: str
    content_type: str
    size: int
    etag: str = ""
    last_modified: str = ""
    not_modified: bool = False  # 304 to a conditional request: nothing was written


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values or ())


def address_allowed(address: str, allowed_networks: tuple[Network, ...] = ()) -> bool:
    """True for a public unicast address, or one inside `allowed_networks`."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in allowed_networks if network.version == ip.version):
        return True
    if isinstance(ip, ipaddress.IPv6Address) and (ip.sixtofour is not None or ip.teredo is not None):
        return False  # tunnels to IPv4 addresses we would have to check as well
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local)


def vetted_address(host: str, port: int, allowed_networks: tuple[Network, ...]) -> tuple:
    """The address to connect to; FetchError unless every address of `host` is allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(
            gettext_noop("The server %(host)s cannot be found (%(error)s)."),
            {"host": host, "error": getattr(error, "strerror", None) or str(error)},
            code="dns_error",
        ) from error
    if not infos:
        raise FetchError(gettext_noop("The server %(host)s cannot be found."), {"host": host}, code="dns_error")
    for *_, sockaddr in infos:
        if not address_allowed(sockaddr[0], allowed_networks):
            raise FetchError(
                gettext_noop(
                    "%(host)s is a private or reserved address (%(address)s): only public servers can be "
                    "downloaded from. Download the file yourself and upload it."
                ),
                {"host": host, "address": sockaddr[0]},
                code="private_address",
            )
    family, socktype, proto, _, sockaddr = infos[0]
    return family, socktype, proto, sockaddr


def _pinned_connection(scheme: str, host: str, port: int, timeout: float, target: tuple):
    family, socktype, proto, sockaddr = target

    def create_connection(address, timeout=timeout, source_address=None):
        sock = socket.socket(family, socktype, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
        except OSError:
            sock.close()
            raise
        return sock

    if scheme == "https":
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    connection._create_connection = create_connection  # connect to the vetted address only
    return connection


def fetch(
    url: str,
    destination: Path,
    *,
    max_bytes: int,
    timeout: float,
    allowed_networks: tuple[Network, ...] = (),
    headers: dict[str, str] | None = None,
) -> Fetched:
    """Download `url` into `destination`; FetchError (and no file left) on any problem.

    `headers` are sent as well (an API key, `If-None-Match`...); a 304 answer to a
    conditional request returns `not_modified` and leaves no file.
    """
    deadline = time.monotonic() + timeout
    destination = Path(destination)
    try:
        with open(destination, "wb") as handle:
            fetched = _fetch(url, handle, max_bytes, deadline, allowed_networks, headers or {})
    except BaseException as error:
        destination.unlink(missing_ok=True)
        raise _as_fetch_error(error, timeout) from error
    if fetched.not_modified:
        destination.unlink(missing_ok=True)
    return fetched


def fetch_json(
    url: str,
    *,
    max_bytes: int,
    timeout: float,
    allowed_networks: tuple[Network, ...] = (),
    headers: dict[str, str] | None = None,
) -> Any:
    """The JSON document at `url` (an API's answer), with the same rules as `fetch`."""
    buffer = io.BytesIO()
    deadline = time.monotonic() + timeout
    try:
        _fetch(url, buffer, max_bytes, deadline, allowed_networks, {"Accept": "application/json", **(headers or {})})
        return json.loads(buffer.getvalue())
    except ValueError as error:
        raise FetchError(
            gettext_noop("The server did not answer with JSON: %(error)s."), {"error": str(error)}, code="bad_answer"
        ) from error
    except BaseException as error:
        raise _as_fetch_error(error, timeout) from error


def _as_fetch_error(error: BaseException, timeout: float) -> BaseException:
    if isinstance(error, FetchError) or not isinstance(error, OSError | http.client.HTTPException):
        return error
    if isinstance(error, TimeoutError | socket.timeout):
        return _too_slow(timeout)
    return FetchError(gettext_noop("The download failed: %(error)s."), {"error": str(error) or type(error).__name__})


def _too_slow(timeout: float) -> FetchError:
    return FetchError(
        gettext_noop("The server did not send the file within %(seconds)d seconds."),
        {"seconds": int(timeout)},
        code="timeout",
    )


def _fetch(
    url: str, output: BinaryIO, max_bytes: int, deadline: float, allowed_networks, headers: dict[str, str]
) -> Fetched:
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(gettext_noop("Only http:// and https:// addresses can be downloaded."), code="bad_scheme")
        if parts.username or parts.password:
            raise FetchError(
                gettext_noop("Addresses holding a user name or password are not accepted."), code="credentials"
            )
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _too_slow(0)
        target = vetted_address(host, port, allowed_networks)
        connection = _pinned_connection(parts.scheme, host, port, remaining, target)
        try:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            sent = {"User-Agent": USER_AGENT, "Accept": "*/*", **headers, "Accept-Encoding": "gzip"}
            connection.request("GET", path, headers=sent)
            response = connection.getresponse()
            if response.status == 304 and _conditional(headers):
                return Fetched(url=url, filename="", content_type="", size=0, not_modified=True)
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchError(gettext_noop("The server redirected without saying where."))
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchError(
                    gettext_noop("The server answered %(status)s %(reason)s instead of the file."),
                    {"status": response.status, "reason": response.reason},
                    code="http_status",
                )
            size = _save(response, output, max_bytes, deadline)
            return Fetched(
                url=url,
                filename=_filename(response, parts.path),
                content_type=(response.getheader("Content-Type") or "").split(";")[0].strip().lower(),
                size=size,
                etag=response.getheader("ETag") or "",
                last_modified=response.getheader("Last-Modified") or "",
            )
        finally:
            connection.close()
    raise FetchError(gettext_noop("The server redirected too many times."), code="redirects")


def _too_large(max_bytes: int) -> FetchError:
    return FetchError(
        gettext_noop("The file is larger than the %(megabytes)s MB this instance accepts."),
        {"megabytes": f"{max_bytes / 1e6:g}"},
        code="too_large",
    )


def _conditional(headers: dict[str, str]) -> bool:
    return any(name.lower() in ("if-none-match", "if-modified-since") for name in headers)


def _save(response: http.client.HTTPResponse, handle: BinaryIO, max_bytes: int, deadline: float) -> int:
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip"):
        raise FetchError(
            gettext_noop("The server sent the file compressed as %(encoding)s, which is not supported."),
            {"encoding": encoding},
        )
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding != "identity" else None
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise _too_slow(0)
        chunk = response.read1(CHUNK)
        if not chunk:
            break
        if inflater is not None:
            chunk = inflater.decompress(chunk, max_bytes + 1 - size)
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)
        handle.write(chunk)
    if inflater is not None:
        rest = inflater.flush()
        size += len(rest)
        if size > max_bytes:
            raise _too_large(max_bytes)
        handle.write(rest)
    return size


_UNSAFE = re.compile(r"[^\w.\- ()]+")


def _filename(response: http.client.HTTPResponse, url_path: str) -> str:
    disposition = response.getheader("Content-Disposition")
    name = ""
    if disposition:
        message = Message()
        message["Content-Disposition"] = disposition
        name = message.get_filename() or ""
    if not name:
        name = unquote(PurePosixPath(url_path).name)
    name = _UNSAFE.sub("_", PurePosixPath(name.replace("\\", "/")).name).strip(" ._") or "download"
    if not Path(name).suffix:
        content_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
        name += CONTENT_TYPE_EXTENSIONS.get(content_type, "")
    return name[:200]
