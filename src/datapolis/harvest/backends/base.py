"""What a harvester reads of a remote dataset, whatever the kind of source.

A backend lists a source's datasets as `RemoteDataset`s: metadata in the catalog's
terms (`catalog.services.METADATA_FIELDS`, plus `themes`), fields when the source
describes them, the distribution to import when there is data, and attachments.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from datapolis.fetching import Network, fetch_json

# The formats a distribution may have, best first: typed columns before text, tables before pages.
FORMAT_PREFERENCE = ("parquet", "geojson", "csv", "json", "xlsx", "ods", "xls", "shp", "gpkg", "kml")
FORMAT_ALIASES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/vnd.apache.parquet": "parquet",
    "application/geo+json": "geojson",
    "application/vnd.geo+json": "geojson",
    "application/json": "json",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.google-earth.kml+xml": "kml",
    "application/geopackage+sqlite3": "gpkg",
    "geo+json": "geojson",
    "vnd.geo+json": "geojson",
    "vnd.apache.parquet": "parquet",
    "zip": "shp",
    "shapefile": "shp",
    "esri shapefile": "shp",
    "application/zip": "shp",
}


@dataclass(frozen=True)
class Distribution:
    url: str
    format: str  # one of FORMAT_PREFERENCE
    delimiter: str | None = None  # CSV: the separator, when the source says it


@dataclass(frozen=True)
class RemoteAttachment:
    attachment_id: str
    title: str
    url: str
    mimetype: str


@dataclass
class RemoteDataset:
    remote_id: str
    uri: str
    metadata: dict[str, Any]
    modified: str = ""  # as the source says it; compared as text from one run to the next
    fields: list[dict[str, Any]] = field(default_factory=list)  # Explore API field objects, when known
    distribution: Distribution | None = None
    fallback: Distribution | None = None  # tried when the distribution cannot be downloaded (HTTP error)
    attachments: list[RemoteAttachment] = field(default_factory=list)
    restricted: bool = False

    def metadata_hash(self) -> str:
        described = {"metadata": self.metadata, "fields": self.fields, "attachments": [a.url for a in self.attachments]}
        return hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Connection:
    """How to reach a source: the fetch limits and, for private datasets, the API key."""

    allowed_networks: tuple[Network, ...] = ()
    timeout: float = 120.0
    max_bytes: int = 2 * 1024**3
    max_document_bytes: int = 200 * 1024**2
    api_key: str = ""

    def get_json(self, url: str, headers: dict[str, str]) -> Any:
        """An API's JSON answer (a catalog page), within the document size cap."""
        return fetch_json(
            url,
            max_bytes=self.max_document_bytes,
            timeout=self.timeout,
            allowed_networks=self.allowed_networks,
            headers=headers,
        )


class Backend(Protocol):
    def datasets(self) -> Iterator[RemoteDataset]: ...

    def headers(self) -> dict[str, str]: ...


def normalise_format(value: str | None) -> str | None:
    """A distribution's format in FORMAT_PREFERENCE's words (from a format name, a media type or an extension)."""
    text = (value or "").strip().lower()
    if not text:
        return None
    text = text.rsplit("/", 1)[-1] if text.startswith("http") else text  # EU file-type URIs end with the name
    text = FORMAT_ALIASES.get(text, text)
    return text if text in FORMAT_PREFERENCE else None


def best_distribution(candidates: list[Distribution]) -> Distribution | None:
    ranked = sorted(candidates, key=lambda d: FORMAT_PREFERENCE.index(d.format))
    return ranked[0] if ranked else None


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()
