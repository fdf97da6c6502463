"""Opendatasoft portals (and Datapolis instances) through the Explore API v2.1.

The catalog is paged 100 datasets at a time (the API's limit); each dataset object
gives the metadata (`metas.default` and `metas.dcat`), the fields with their
annotations, the attachments, and the modification date compared between runs. Records
come through the Parquet export, which keeps types and multivalued fields as lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from datapolis.harvest.backends.base import Connection, Distribution, RemoteAttachment, RemoteDataset, text

API = "/api/explore/v2.1"
PAGE = 100
PARQUET = "parquet"
MAX_OFFSET = 10_000  # the Explore API answers no page beyond
FREQUENCIES = {
    "CONT": "continuous",
    "HOURLY": "hourly",
    "DAILY": "daily",
    "WEEKLY": "weekly",
    "MONTHLY": "monthly",
    "QUARTERLY": "quarterly",
    "ANNUAL": "annual",
    "IRREG": "irregular",
}
FIELD_TYPES = {"text", "int", "double", "boolean", "date", "datetime", "geo_point_2d", "geo_shape"}


def portal_base(url: str) -> str:
    """`https://data.example.fr` from the portal's address or any of its API addresses."""
    parts = urlsplit(url.strip())
    path = parts.path
    for marker in ("/api/", "/explore"):
        if marker in path:
            path = path[: path.index(marker)]
    return f"{parts.scheme}://{parts.netloc}{path.rstrip('/')}"


class OdsBackend:
    def __init__(self, url: str, connection: Connection) -> None:
        self.base = portal_base(url)
        self.connection = connection

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Apikey {self.connection.api_key}"} if self.connection.api_key else {}

    def get(self, path: str, **params: Any) -> Any:
        url = f"{self.base}{API}{path}" + (f"?{urlencode(params)}" if params else "")
        return self.connection.get_json(url, self.headers())

    def datasets(self) -> Iterator[RemoteDataset]:
        offset = 0
        while offset < MAX_OFFSET:
            page = self.get("/catalog/datasets", limit=PAGE, offset=offset, order_by="dataset_id")
            results = page.get("results") or []
            for item in results:
                yield self.remote_dataset(item)
            offset += len(results)
            if not results or offset >= int(page.get("total_count") or 0):
                return

    def remote_dataset(self, item: dict[str, Any]) -> RemoteDataset:
        dataset_id = item["dataset_id"]
        quoted = quote(dataset_id, safe="")
        default = (item.get("metas") or {}).get("default") or {}
        dcat = (item.get("metas") or {}).get("dcat") or {}
        has_records = bool(item.get("has_records")) and bool(item.get("data_visible", True))
        exports = f"{self.base}{API}/catalog/datasets/{quoted}/exports"
        return RemoteDataset(
            remote_id=dataset_id,
            uri=f"{self.base}/explore/dataset/{quoted}/",
            metadata=metadata(default, dcat),
            modified=text(default.get("modified")) + "|" + text(default.get("data_processed")),
            fields=[remote_field(field) for field in item.get("fields") or []],
            distribution=Distribution(f"{exports}/{PARQUET}", "parquet") if has_records else None,
            # Portals without the Parquet export: CSV with field names, `;` and `,` between multiple values.
            fallback=Distribution(f"{exports}/csv?delimiter=%3B&list_separator=%2C", "csv", ";")
            if has_records
            else None,
            attachments=[
                RemoteAttachment(
                    attachment_id=text(attachment.get("id")),
                    title=text(attachment.get("title")) or text(attachment.get("id")),
                    url=f"{self.base}{API}/catalog/datasets/{quoted}/attachments/{quote(text(attachment.get('id')))}",
                    mimetype=text(attachment.get("mimetype")) or "application/octet-stream",
                )
                for attachment in item.get("attachments") or []
                if attachment.get("id")
            ],
            restricted=item.get("visibility") == "restricted",
        )


def metadata(default: dict[str, Any], dcat: dict[str, Any]) -> dict[str, Any]:
    frequency = text(dcat.get("accrualperiodicity")).rsplit("/", 1)[-1]
    values: dict[str, Any] = {
        "title": text(default.get("title")),
        "description": text(default.get("description")),
        "themes": [text(theme) for theme in default.get("theme") or [] if text(theme)],
        "keywords": [text(word) for word in default.get("keyword") or [] if text(word)],
        "license": text(default.get("license")),
        "license_url": text(default.get("license_url")),
        "publisher": text(default.get("publisher")),
        "producer": text(dcat.get("creator")),
        "contact_name": text(dcat.get("contact_name")),
        "contact_email": text(dcat.get("contact_email")),
        "language": text(default.get("language"))[:10] or "fr",
        "territory": [text(place) for place in default.get("territory") or [] if text(place)],
        "temporal_start": text(dcat.get("temporal_coverage_start"))[:10] or None,
        "temporal_end": text(dcat.get("temporal_coverage_end"))[:10] or None,
        "update_frequency": FREQUENCIES.get(frequency.upper(), "unknown"),
    }
    return values


def remote_field(field: dict[str, Any]) -> dict[str, Any]:
    annotations = field.get("annotations") or {}
    if isinstance(annotations, list):  # the v1 shape: [{"name": "facet"}, {"name": "unit", "args": ["m"]}]
        annotations = {item.get("name"): item.get("args") or [] for item in annotations if item.get("name")}
    kind = text(field.get("type"))
    return {
        "name": text(field.get("name")),
        "label": text(field.get("label")) or text(field.get("name")),
        "type": kind if kind in FIELD_TYPES else "text",
        "description": text(field.get("description")),
        "unit": first(annotations.get("unit")),
        "facet": "facet" in annotations,
        "sortable": "sortable" in annotations,
        "multivalued": (first(annotations["multivalued"]) or ",") if "multivalued" in annotations else "",
    }


def first(value: Any) -> str:
    """An annotation's argument: `["m"]` in v2.1, sometimes a bare value."""
    if isinstance(value, list | tuple):
        return text(value[0]) if value else ""
    return text(value)
