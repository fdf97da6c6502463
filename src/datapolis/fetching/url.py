"""Sources of kind "url": an http(s) file, downloaded with `fetch` and its SSRF rules.

The request is conditional when the previous validators hold an ETag or a Last-Modified
date: a 304 answer means unchanged, and nothing is written. A file downloaded again whose
SHA-256 is the previous one is unchanged as well (many servers send neither header).
"""

from __future__ import annotations

from pathlib import Path

from datapolis.fetching.http import FetchError, Network, fetch
from datapolis.fetching.spec import (
    SourceError,
    SourceFile,
    SourceSpec,
    Validators,
    downloaded,
    file_sha256,
    not_downloaded,
    part_file,
    refuse_credentials_in_url,
    safe_filename,
)


def conditional_headers(previous: Validators | None) -> dict[str, str]:
    headers = {}
    if previous is not None and previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous is not None and previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    return headers


def fetch_url(
    spec: SourceSpec,
    destination: Path,
    *,
    previous: Validators | None,
    allowed_networks: tuple[Network, ...],
    max_bytes: int,
    timeout: float,
) -> SourceFile:
    """Download the file at `spec.location` into `destination` (a folder)."""
    refuse_credentials_in_url(spec)
    with part_file(destination) as (part, _):
        try:
            fetched = fetch(
                spec.location,
                part,
                max_bytes=max_bytes,
                timeout=timeout,
                allowed_networks=allowed_networks,
                headers=conditional_headers(previous),
            )
        except FetchError as error:
            raise SourceError.wrap(spec, error) from error
        if fetched.not_modified and previous is not None:
            return not_downloaded(_previous_name(spec), previous, previous)
        sha256 = file_sha256(part)
    validators = Validators(etag=fetched.etag, last_modified=fetched.last_modified)
    filename = safe_filename(spec.option("filename", fetched.filename))
    return downloaded(part, destination, filename, validators, previous, sha256, fetched.size)


def _previous_name(spec: SourceSpec) -> str:
    name = spec.location.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return safe_filename(spec.option("filename", name))
