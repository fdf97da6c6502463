"""Two more catalog exports Opendatasoft offers: `rss` (RSS 2.0) and `data.json` (Project Open Data 1.1).

Both describe the datasets the export's where/refine/exclude/order_by/limit/offset choose
(newest first by default), from the Explore dataset objects, as this caller sees them.
A dataset's link is its page on this portal (`/dataset/<id>/`); data.json lists, as
distributions, the exports its data can be downloaded in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.utils.feedgenerator import Rss201rev2Feed

from datapolis.api import dcat
from datapolis.engine.exports import FORMATS

POD_SCHEMA = "https://project-open-data.cio.gov/v1.1/schema"
DATA_JSON_FORMATS = ("csv", "json", "xlsx", "geojson", "shp")


def _page(request: HttpRequest, dataset_id: str) -> str:
    return request.build_absolute_uri(f"/dataset/{dataset_id}/")


def _date(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def rss(request: HttpRequest, portal_name: str, datasets: list[dict[str, Any]]) -> HttpResponse:
    feed = Rss201rev2Feed(
        title=portal_name,
        link=request.build_absolute_uri("/catalog/"),
        description=portal_name,
        language=request.LANGUAGE_CODE,
    )
    for dataset in datasets:
        metas = dataset["metas"]["default"]
        feed.add_item(
            title=metas["title"],
            link=_page(request, dataset["dataset_id"]),
            description=metas["description"] or "",
            unique_id=_page(request, dataset["dataset_id"]),
            pubdate=_date(metas["modified"]),
            categories=metas["theme"] + metas["keyword"],
            author_name=metas["publisher"],
        )
    return HttpResponse(feed.writeString("utf-8"), content_type="application/rss+xml; charset=utf-8")


@dataclass(frozen=True)
class ExportLink:
    name: str  # the export format: csv, json...
    url: str
    media_type: str
    filename: str


def export_links(request: HttpRequest, dataset: dict[str, Any], formats: tuple[str, ...]) -> list[ExportLink]:
    """The exports of `formats` a dataset's data can be downloaded in (none without data to see)."""
    if not dataset["has_records"] or not dataset.get("data_visible", True):
        return []
    geographic = "geo" in (dataset.get("features") or [])
    dataset_id = dataset["dataset_id"]
    base = f"/api/explore/v2.1/catalog/datasets/{dataset_id}/exports/"
    return [
        ExportLink(
            name,
            request.build_absolute_uri(base + name),
            dcat.MEDIA_TYPES[name],
            f"{dataset_id}{FORMATS[name].extension}",
        )
        for name in formats
        if geographic or not FORMATS[name].geographic
    ]


def _distributions(request: HttpRequest, dataset: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "@type": "dcat:Distribution",
            "title": link.filename,
            "downloadURL": link.url,
            "mediaType": link.media_type,
            "format": link.name.upper(),
        }
        for link in export_links(request, dataset, DATA_JSON_FORMATS)
    ]


def data_json(request: HttpRequest, portal_name: str, datasets: list[dict[str, Any]]) -> HttpResponse:
    entries = []
    for dataset in datasets:
        metas = dataset["metas"]["default"]
        publisher = metas["publisher"] or portal_name
        entry = {
            "@type": "dcat:Dataset",
            "identifier": _page(request, dataset["dataset_id"]),
            "title": metas["title"],
            "description": metas["description"] or metas["title"],
            "keyword": metas["keyword"] or metas["theme"],
            "modified": metas["modified"],
            "publisher": {"@type": "org:Organization", "name": publisher},
            "contactPoint": {"@type": "vcard:Contact", "fn": publisher},
            "accessLevel": "public" if dataset["visibility"] == "domain" else "restricted public",
            "landingPage": _page(request, dataset["dataset_id"]),
            "theme": metas["theme"],
            "language": [metas["language"]],
            "distribution": _distributions(request, dataset),
        }
        if metas["license_url"]:
            entry["license"] = metas["license_url"]
        entries.append(entry)
    catalog = {
        "@context": f"{POD_SCHEMA}/catalog.jsonld",
        "@type": "dcat:Catalog",
        "conformsTo": POD_SCHEMA,
        "describedBy": f"{POD_SCHEMA}/catalog.json",
        "dataset": entries,
    }
    return HttpResponse(orjson.dumps(catalog), content_type="application/json; charset=utf-8")
