"""A dataset's information tab: metadata, attachments, versions, the caller's record count."""

from __future__ import annotations

from typing import Any

from datapolis.access.querying import filtered_count
from datapolis.catalog import services as catalog_services
from datapolis.frontoffice.pages.common import API_BASE, DatasetPage


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
    }
