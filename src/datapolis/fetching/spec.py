"""What a dataset's source is, what tells it unchanged, and what a fetch brought back.

`SourceSpec` names the source (a kind and a location, with credentials the caller has
decrypted); `Validators` hold what the source told last time (ETag, Last-Modified, size,
modification time, SHA-256, the SFTP host key's fingerprint) and are stored by the caller
as a plain dict; `SourceFile` is the result of `fetch_source`.

`SourceError` is the `FetchError` every fetcher raises: its message starts with the
source's location (without a password) and never holds the password.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any, BinaryIO, Literal
from urllib.parse import urlsplit, urlunsplit

from datapolis.fetching.http import FetchError
from datapolis.ingest.errors import gettext_noop

SourceKind = Literal["url", "ftp", "sftp", "folder", "ogc_features", "wfs", "arcgis"]
SOURCE_KINDS: tuple[str, ...] = ("url", "ftp", "sftp", "folder", "ogc_features", "wfs", "arcgis")
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class SourceSpec:
    """A dataset's source: `kind`, `location` (a URL, or a path for "folder") and its options."""

    kind: SourceKind
    location: str
    username: str = ""
    password: str = field(default="", repr=False)
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def option(self, name: str, default: Any = None) -> Any:
        value = self.options.get(name)
        return default if value in (None, "") else value

    @property
    def display(self) -> str:
        """The location as shown in messages: no user name, no password."""
        return display_location(self.location)


@dataclass(frozen=True)
class Validators:
    """What tells an unchanged source; each kind fills those its server offers."""

    etag: str = ""
    last_modified: str = ""  # the HTTP Last-Modified header, as sent
    sha256: str = ""
    size: int | None = None
    mtime: str = ""  # ISO 8601, UTC: FTP MDTM, SFTP stat, the folder file's time
    host_key: str = ""  # SFTP: the server key's SHA-256 fingerprint, trusted on first use

    def to_dict(self) -> dict[str, Any]:
        return {name: value for name, value in asdict(self).items() if value not in ("", None)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Validators:
        known = {f.name for f in fields(cls)}
        values = {name: value for name, value in (data or {}).items() if name in known}
        if values.get("size") is not None:
            values["size"] = int(values["size"])
        return cls(**values)


@dataclass(frozen=True)
class SourceFile:
    """A fetch's result: `path` is None when the source is unchanged."""

    path: Path | None
    filename: str
    validators: Validators
    unchanged: bool
    fetched_at: datetime
    sha256: str | None
    size: int | None


class SourceError(FetchError):
    """A source could not be fetched; the message names it (`source`) and says why."""

    def __init__(
        self,
        spec: SourceSpec,
        template: str,
        params: dict[str, Any] | None = None,
        code: str = "fetch_failed",
    ) -> None:
        values = {name: _scrub(value, spec.password) for name, value in (params or {}).items()}
        values["source"] = spec.display
        super().__init__("%(source)s: " + template, values, code=code)
        self.source = spec.display

    @classmethod
    def wrap(cls, spec: SourceSpec, error: FetchError) -> SourceError:
        """The same problem, its message prefixed with the source."""
        if isinstance(error, SourceError):
            return error
        params = {name: value for name, value in error.params.items() if name != "source"}
        return cls(spec, error.template, params, code=error.code)


def _scrub(value: Any, password: str) -> Any:
    if isinstance(value, str) and password and password in value:
        return value.replace(password, "***")
    return value


def display_location(location: str) -> str:
    """`location` without user name or password (a path is returned as it is)."""
    try:
        parts = urlsplit(location)
    except ValueError:
        return "(invalid address)"
    if not parts.scheme or not parts.netloc or "@" not in parts.netloc:
        return location
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, ""))


def refuse_credentials_in_url(spec: SourceSpec) -> None:
    parts = urlsplit(spec.location)
    if parts.username or parts.password:
        raise SourceError(
            spec,
            gettext_noop("addresses holding a user name or password are not accepted: give them as the credentials."),
            code="credentials",
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class CappedWriter:
    """Writes to `handle`, hashing and counting, and raises `too_large` past `max_bytes`."""

    def __init__(self, handle: BinaryIO, max_bytes: int, too_large) -> None:
        self.handle = handle
        self.max_bytes = max_bytes
        self.too_large = too_large
        self.size = 0
        self.digest = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise self.too_large()
        self.digest.update(chunk)
        self.handle.write(chunk)


def too_large(spec: SourceSpec, max_bytes: int) -> SourceError:
    return SourceError(
        spec,
        gettext_noop("the file is larger than the %(megabytes)s MB this instance accepts."),
        {"megabytes": f"{max_bytes / 1e6:g}"},
        code="too_large",
    )


def too_slow(spec: SourceSpec, timeout: float) -> SourceError:
    return SourceError(
        spec,
        gettext_noop("the server did not send the file within %(seconds)d seconds."),
        {"seconds": int(timeout)},
        code="timeout",
    )


_UNSAFE = re.compile(r"[^\w.\- ()]+")


def safe_filename(name: str, default: str = "download") -> str:
    """A file name safe to create in a folder: no directory, no odd characters."""
    name = PurePosixPath(name.replace("\\", "/")).name
    return (_UNSAFE.sub("_", name).strip(" ._") or default)[:200]


@contextmanager
def part_file(destination: Path) -> Iterator[tuple[Path, BinaryIO]]:
    """A new file in `destination`, removed if the block raises."""
    destination.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".fetch-", suffix=".part", dir=destination)
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as output:
            yield path, output
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def now() -> datetime:
    return datetime.now(UTC)


def downloaded(
    part: Path,
    destination: Path,
    filename: str,
    validators: Validators,
    previous: Validators | None,
    sha256: str,
    size: int,
) -> SourceFile:
    """The result for a file written to `part`: kept as `filename`, or dropped when its SHA-256 is the previous one."""
    validators = replace(validators, sha256=sha256, size=size)
    if previous is not None and previous.sha256 == sha256:
        part.unlink(missing_ok=True)
        return SourceFile(None, filename, validators, True, now(), sha256, size)
    final = destination / filename
    os.replace(part, final)
    return SourceFile(final, filename, validators, False, now(), sha256, size)


def not_downloaded(filename: str, validators: Validators, previous: Validators) -> SourceFile:
    """The result when the server's validators say the file is the previous one."""
    validators = replace(validators, sha256=previous.sha256, size=validators.size or previous.size)
    return SourceFile(None, filename, validators, True, now(), previous.sha256 or None, validators.size)


def same_file(current: Validators, previous: Validators | None) -> bool:
    """True when the size and modification time the server gave are those of last time."""
    if previous is None or not previous.sha256:
        return False
    return (
        bool(current.mtime)
        and current.size is not None
        and (current.mtime, current.size)
        == (
            previous.mtime,
            previous.size,
        )
    )
