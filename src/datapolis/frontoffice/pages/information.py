"""A dataset's information tab: metadata, attachments, versions, the caller's record count.

And how the data is prepared: the Table Schema it follows (with the current version's
validation), its lineage (where the data was fetched from, when, its SHA-256; the
processing steps with rows in and out) and a freshness badge when a problem is open.
"""

from __future__ import annotations

from typing import Any

from datapolis.access.querying import filtered_count
from datapolis.catalog import services as catalog_services
from datapolis.catalog.models import Dataset
from datapolis.frontoffice.pages.common import API_BASE, DatasetPage, freshness_badge


def information(page: DatasetPage) -> dict[str, Any]:
    dataset = page.dataset
    try:
        versions = list(reversed(catalog_services.versions(dataset)))[:20] if dataset.has_records else []
    except Exception:  # a dataset whose data is gone still shows its metadata
        versions = []
    from datapolis.catalog.dataset_objects import LICENSE_URLS

    return {
        "themes": [theme.name for theme in dataset.themes.all()],
        "license_url": dataset.license_url or LICENSE_URLS.get((dataset.license or "").lower(), ""),
        "attachments": [
            {
                "title": item.title,
                "mimetype": item.mimetype,
                "url": f"{API_BASE}/catalog/datasets/{dataset.dataset_id}/attachments/{item.attachment_id}",
            }
            for item in (dataset.attachments.all() if page.access.view.data_visible else ())
        ],
        "versions": versions,
        "records_count": filtered_count(page.access.view),
        "table_schema": table_schema(dataset),
        "lineage": lineage(dataset) if page.access.view.data_visible else None,
        "freshness": freshness_badge(dataset),
    }


def table_schema(dataset: Dataset) -> dict[str, Any] | None:
    """The Table Schema the dataset follows, and whether its current version is valid (the report of its import)."""
    if not dataset.table_schema:
        return None
    descriptor = dataset.table_schema
    report = (dataset.source or {}).get("validation") or None
    url = dataset.table_schema_url or (descriptor.get("path") if str(descriptor.get("path", "")).startswith(
        ("http://", "https://")) else "")  # fmt: skip
    return {
        "title": descriptor.get("title") or descriptor.get("name") or "",
        "version": descriptor.get("version") or "",
        "url": url,
        "validated": report is not None,
        "valid": bool(report and report.get("valid")),
        "error_count": int(report.get("error_count") or 0) if report else 0,
    }


LOCATION_KINDS = {"url", "ogc_features", "wfs", "arcgis"}  # a server folder's path is not shown to visitors


def lineage(dataset: Dataset) -> dict[str, Any] | None:
    """Where the current version comes from and what the processing steps did to it."""
    origin = dataset.source or {}
    fetched = origin.get("fetched") or {}
    counts = {count.get("step"): count for count in origin.get("step_counts") or []}
    steps = [
        {"kind": step.get("kind", ""), "rows_in": counts.get(position, {}).get("rows_in"),
         "rows_out": counts.get(position, {}).get("rows_out")}
        for position, step in enumerate(origin.get("steps") or [], start=1)
    ]  # fmt: skip
    url = str(origin.get("url") or "")
    if fetched:
        location = fetched.get("location") if fetched.get("kind") in LOCATION_KINDS else ""
    else:
        location = url if url.startswith(("http://", "https://")) else ""
    if not (fetched or steps or origin.get("filename") or origin.get("url")):
        return None
    return {
        "location": location or "",
        "filename": fetched.get("filename") or origin.get("filename") or "",
        "fetched_at": _moment(fetched.get("fetched_at")),
        "sha256": fetched.get("sha256") or "",
        "steps": steps,
    }


def _moment(text: str | None):
    from django.utils.dateparse import parse_datetime

    return parse_datetime(text) if text else None
