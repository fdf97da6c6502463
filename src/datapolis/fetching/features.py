"""Sources served page by page as GeoJSON: OGC API - Features, WFS 2.0 and ArcGIS REST.

Each page is downloaded with `fetch` (so with the SSRF rules, on every page, `next` links
included) into a file of its own, read, and its features appended to one GeoJSON
FeatureCollection written to disk: only one page is in memory at a time. The number of
pages (`max_pages`, 1000 by default), the size of each page and of the whole file
(`max_bytes`) and the whole time (`timeout`) are capped.

- ogc_features: GET {location}/collections/{collection}/items?f=json&limit=N, then every
  `links` entry whose rel is `next`, until a page has none (or no features).
- wfs: GetFeature, VERSION=2.0.0, TYPENAMES, OUTPUTFORMAT=application/json, paged with
  COUNT and STARTINDEX until `numberMatched` features are read (or a short page when the
  server does not count).
- arcgis: {layer}/query?where=1=1&outFields=*&f=geojson, paged with resultOffset and
  resultRecordCount while the answer says `exceededTransferLimit` (at its top level or
  under `properties`).

The validators are the written file's SHA-256 and size: the same features in the same
order as last time means unchanged.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from datapolis.fetching.http import FetchError, Network, fetch
from datapolis.fetching.spec import (
    CappedWriter,
    SourceError,
    SourceFile,
    SourceSpec,
    Validators,
    downloaded,
    part_file,
    refuse_credentials_in_url,
    safe_filename,
    too_large,
    too_slow,
)
from datapolis.ingest.errors import gettext_noop

DEFAULT_PAGE_SIZE = {"ogc_features": 1000, "wfs": 1000, "arcgis": 1000}
DEFAULT_MAX_PAGES = 1000
GEOJSON_TYPES = ("application/geo+json", "application/json", "application/vnd.geo+json", "")

GetPage = Callable[[str], dict[str, Any]]


def fetch_features(
    spec: SourceSpec,
    destination: Path,
    *,
    previous: Validators | None,
    allowed_networks: tuple[Network, ...],
    max_bytes: int,
    timeout: float,
) -> SourceFile:
    """Read every page of the source into one GeoJSON file in `destination`."""
    refuse_credentials_in_url(spec)
    pages = {"ogc_features": ogc_pages, "wfs": wfs_pages, "arcgis": arcgis_pages}[spec.kind]
    getter = _PageGetter(spec, destination, allowed_networks, max_bytes, timeout)
    with part_file(destination) as (part, handle):
        output = _FeatureWriter(CappedWriter(handle, max_bytes, lambda: too_large(spec, max_bytes)))
        for features in pages(spec, getter.get):
            output.add(features)
        output.close()
    filename = safe_filename(spec.option("filename", f"{_layer_name(spec)}.geojson"))
    sha256 = output.writer.digest.hexdigest()
    return downloaded(part, destination, filename, Validators(), previous, sha256, output.writer.size)


class _FeatureWriter:
    """Writes a GeoJSON FeatureCollection one feature at a time."""

    def __init__(self, writer: CappedWriter) -> None:
        self.writer = writer
        self.count = 0
        writer.write(b'{"type":"FeatureCollection","features":[\n')

    def add(self, features: list[dict[str, Any]]) -> None:
        for feature in features:
            text = json.dumps(feature, ensure_ascii=False, separators=(",", ":")).encode()
            self.writer.write((b",\n" if self.count else b"") + text)
            self.count += 1

    def close(self) -> None:
        self.writer.write(b"\n]}\n")


class _PageGetter:
    """Downloads one page at a time into a file of its own, with the deadline and page cap."""

    def __init__(self, spec: SourceSpec, folder: Path, allowed_networks, max_bytes: int, timeout: float) -> None:
        self.spec = spec
        self.folder = folder
        self.allowed_networks = allowed_networks
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.max_pages = int(spec.option("max_pages", DEFAULT_MAX_PAGES))
        self.pages = 0

    def get(self, url: str) -> dict[str, Any]:
        self.pages += 1
        if self.pages > self.max_pages:
            raise SourceError(
                self.spec,
                gettext_noop("the server has more than %(pages)d pages of features (the option max_pages)."),
                {"pages": self.max_pages},
                code="too_many_pages",
            )
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise too_slow(self.spec, self.timeout)
        with part_file(self.folder) as (page, _):
            try:
                fetch(url, page, max_bytes=self.max_bytes, timeout=remaining, allowed_networks=self.allowed_networks)
            except FetchError as error:
                raise self._page_error(error) from error
            try:
                return self._read(page)
            finally:
                page.unlink(missing_ok=True)

    def _read(self, page: Path) -> dict[str, Any]:
        try:
            with open(page, "rb") as handle:
                document = json.load(handle)
        except ValueError as error:
            raise self._not_json(page) from error
        if not isinstance(document, dict):
            raise self._bad_answer(gettext_noop("the answer is not a JSON object"))
        return document

    def _page_error(self, error: FetchError) -> SourceError:
        params = {name: value for name, value in error.params.items() if name != "source"}
        return SourceError(
            self.spec, gettext_noop("page %(page)d: ") + error.template, {**params, "page": self.pages}, error.code
        )

    def _not_json(self, page: Path) -> SourceError:
        with open(page, "rb") as handle:
            head = handle.read(4096).decode("utf-8", "replace")
        found = re.search(r"<(?:\w+:)?ExceptionText>(.*?)</(?:\w+:)?ExceptionText>", head, re.S)
        if found:
            return SourceError(
                self.spec,
                gettext_noop("page %(page)d: the server answered with an exception: %(exception)s"),
                {"page": self.pages, "exception": " ".join(found.group(1).split())[:500]},
                code="server_exception",
            )
        return self._bad_answer(gettext_noop("the answer is not JSON"))

    def _bad_answer(self, what: str) -> SourceError:
        return SourceError(
            self.spec,
            gettext_noop("page %(page)d: %(what)s."),
            {"page": self.pages, "what": what},
            code="bad_answer",
        )


def with_query(url: str, params: dict[str, Any]) -> str:
    """`url` with `params` set in its query (replacing those of the same name, in any case)."""
    parts = urlsplit(url)
    names = {name.lower() for name in params}
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(name, value) for name, value in query if name.lower() not in names]
    query = urlencode(kept + [(name, str(value)) for name, value in params.items() if value not in (None, "")])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _page_size(spec: SourceSpec) -> int:
    return max(1, int(spec.option("page_size", DEFAULT_PAGE_SIZE[spec.kind])))


def _features(spec: SourceSpec, page: dict[str, Any], number: int) -> list[dict[str, Any]]:
    features = page.get("features")
    if not isinstance(features, list):
        raise SourceError(
            spec,
            gettext_noop("page %(page)d: the answer is not a GeoJSON FeatureCollection (no features)."),
            {"page": number},
            code="bad_answer",
        )
    return features


def _layer_name(spec: SourceSpec) -> str:
    name = spec.option("collection") or _type_names(spec) or spec.option("layer")
    if not name:
        name = urlsplit(spec.location).path.rstrip("/").rsplit("/", 1)[-1]
    return safe_filename(str(name).split(":")[-1], "features")


def _type_names(spec: SourceSpec) -> str:
    """The WFS option typeNames, also spelled type_names, typeName or type_name."""
    for name in ("typeNames", "type_names", "typeName", "type_name"):
        if spec.option(name):
            return str(spec.option(name))
    return ""


# OGC API - Features


def ogc_items_url(spec: SourceSpec) -> str:
    """{location}/collections/{collection}/items, or the location itself when it ends with /items."""
    parts = urlsplit(spec.location)
    collection = spec.option("collection")
    if collection:
        path = f"{parts.path.rstrip('/')}/collections/{quote(str(collection), safe='')}/items"
    elif parts.path.rstrip("/").endswith("/items"):
        path = parts.path
    else:
        raise SourceError(
            spec, gettext_noop("the option collection is required (or an address ending in /items)."), code="options"
        )
    url = urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
    return with_query(url, {"f": spec.option("format", "json"), "limit": _page_size(spec)})


def ogc_pages(spec: SourceSpec, get: GetPage) -> Iterator[list[dict[str, Any]]]:
    url: str | None = ogc_items_url(spec)
    seen: set[str] = set()
    number = 0
    while url:
        if url in seen:
            raise SourceError(spec, gettext_noop("the next page links back to a page already read."), code="loop")
        seen.add(url)
        page = get(url)
        number += 1
        features = _features(spec, page, number)
        yield features
        url = next_link(page, url) if features else None


def next_link(page: dict[str, Any], current: str) -> str | None:
    """The href of the page's `next` link (a GeoJSON one when several), resolved against `current`."""
    links = [link for link in page.get("links") or () if isinstance(link, dict) and link.get("rel") == "next"]
    links.sort(key=lambda link: str(link.get("type", "")).split(";")[0] not in GEOJSON_TYPES)
    return urljoin(current, links[0]["href"]) if links and links[0].get("href") else None


# WFS 2.0


def wfs_url(spec: SourceSpec, start: int) -> str:
    type_names = _type_names(spec)
    if not type_names:
        raise SourceError(spec, gettext_noop("the option typeNames is required."), code="options")
    params = {
        "SERVICE": "WFS",
        "VERSION": "2.0.0",
        "REQUEST": "GetFeature",
        "TYPENAMES": type_names,
        "OUTPUTFORMAT": spec.option("output_format", "application/json"),
        "SRSNAME": spec.option("srs_name"),
        "SORTBY": spec.option("sort_by"),
        "COUNT": _page_size(spec),
        "STARTINDEX": start,
    }
    return with_query(spec.location, params)


def wfs_pages(spec: SourceSpec, get: GetPage) -> Iterator[list[dict[str, Any]]]:
    start, number, size = 0, 0, _page_size(spec)
    while True:
        page = get(wfs_url(spec, start))
        number += 1
        features = _features(spec, page, number)
        yield features
        start += len(features)
        matched = page.get("numberMatched", page.get("totalFeatures"))
        if not features or (isinstance(matched, int) and start >= matched):
            return
        if not isinstance(matched, int) and len(features) < size:
            return


# ArcGIS REST


def arcgis_query_url(spec: SourceSpec, offset: int) -> str:
    parts = urlsplit(spec.location)
    path = parts.path.rstrip("/")
    layer = spec.option("layer")
    if layer is not None and re.search(r"/(FeatureServer|MapServer)$", path, re.I):
        path = f"{path}/{quote(str(layer), safe='')}"
    if not re.search(r"/(FeatureServer|MapServer)/\d+$", path, re.I):
        raise SourceError(
            spec,
            gettext_noop("the address must be a layer (…/FeatureServer/0), or a service with the option layer."),
            code="options",
        )
    url = urlunsplit((parts.scheme, parts.netloc, f"{path}/query", parts.query, ""))
    params = {
        "where": spec.option("where", "1=1"),
        "outFields": spec.option("out_fields", "*"),
        "orderByFields": spec.option("order_by"),
        "returnGeometry": "true",
        "outSR": spec.option("out_sr", "4326"),
        "f": "geojson",
        "resultOffset": offset,
        "resultRecordCount": _page_size(spec),
    }
    return with_query(url, params)


def arcgis_pages(spec: SourceSpec, get: GetPage) -> Iterator[list[dict[str, Any]]]:
    offset, number = 0, 0
    while True:
        page = get(arcgis_query_url(spec, offset))
        number += 1
        _arcgis_error(spec, page, number)
        features = _features(spec, page, number)
        yield features
        offset += len(features)
        if not exceeded_transfer_limit(page):
            return
        if not features:
            raise SourceError(
                spec,
                gettext_noop("page %(page)d: the server says there is more but sent no features."),
                {"page": number},
                code="bad_answer",
            )


def exceeded_transfer_limit(page: dict[str, Any]) -> bool:
    properties = page.get("properties") if isinstance(page.get("properties"), dict) else {}
    return bool(page.get("exceededTransferLimit") or properties.get("exceededTransferLimit"))


def _arcgis_error(spec: SourceSpec, page: dict[str, Any], number: int) -> None:
    error = page.get("error")
    if not isinstance(error, dict):
        return
    details = "; ".join(str(detail) for detail in error.get("details") or ())
    raise SourceError(
        spec,
        gettext_noop("page %(page)d: the ArcGIS server answered error %(status)s: %(message)s"),
        {"page": number, "status": error.get("code", "?"), "message": f"{error.get('message', '')} {details}".strip()},
        code="http_status",
    )
