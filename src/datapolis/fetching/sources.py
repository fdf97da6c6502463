"""Fetch a dataset's source into a local file: the one entry point, `fetch_source`.

A scheduled refresh calls `fetch_source(spec, folder, previous=stored validators, ...)`:
it gets back a `SourceFile` whose `path` the readers import, or `unchanged` (and no path)
when the source is the one imported last time. Every failure is a `SourceError` (a
`FetchError`) whose message names the source and never holds its password.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from datapolis.fetching.features import fetch_features
from datapolis.fetching.folder import fetch_folder
from datapolis.fetching.ftp import fetch_ftp
from datapolis.fetching.http import Network, parse_networks
from datapolis.fetching.spec import SOURCE_KINDS, SourceError, SourceFile, SourceSpec, Validators
from datapolis.fetching.url import fetch_url
from datapolis.ingest.errors import gettext_noop

_NETWORK_FETCHERS = {
    "url": fetch_url,
    "ftp": fetch_ftp,
    "sftp": None,  # imported when used: asyncssh is large
    "ogc_features": fetch_features,
    "wfs": fetch_features,
    "arcgis": fetch_features,
}
_BY_SCHEME = {"http": "url", "https": "url", "ftp": "ftp", "ftps": "ftp", "sftp": "sftp"}


def fetch_source(
    spec: SourceSpec,
    destination: Path,
    *,
    previous: Validators | None = None,
    allowed_networks: Iterable[Network | str] = (),
    allowed_folders: Sequence[Path] = (),
    max_bytes: int,
    timeout: float,
) -> SourceFile:
    """Fetch `spec` into the folder `destination`, or say it is unchanged since `previous`.

    `allowed_networks` are the private networks the server may reach besides public
    addresses (none by default); `allowed_folders` the folders a "folder" source may read.
    """
    if spec.kind not in SOURCE_KINDS:
        raise SourceError(spec, gettext_noop("unknown kind of source %(kind)s."), {"kind": spec.kind}, "bad_kind")
    destination = Path(destination)
    if spec.kind == "folder":
        return fetch_folder(spec, destination, previous=previous, allowed_folders=allowed_folders, max_bytes=max_bytes)
    fetcher = _NETWORK_FETCHERS[_network_kind(spec)]
    if fetcher is None:
        from datapolis.fetching.sftp import fetch_sftp as fetcher
    return fetcher(
        spec,
        destination,
        previous=previous,
        allowed_networks=_networks(allowed_networks),
        max_bytes=max_bytes,
        timeout=timeout,
    )


def _network_kind(spec: SourceSpec) -> str:
    """The kind, a "url" source going to the FTP or SFTP fetcher by its scheme."""
    scheme = urlsplit(spec.location).scheme.lower()
    if spec.kind == "url":
        return _BY_SCHEME.get(scheme, "url")
    if scheme not in ("http", "https") and spec.kind not in ("ftp", "sftp"):
        raise SourceError(spec, gettext_noop("only http:// and https:// addresses can be read."), code="bad_scheme")
    return spec.kind


def _networks(values: Iterable[Network | str]) -> tuple[Network, ...]:
    return tuple(value if not isinstance(value, str) else parse_networks([value])[0] for value in values or ())
