"""sitemap.xml: the pages of the portal that answers, and the datasets anyone may see on it.

Datasets come from the access policy as an anonymous visitor sees them on the request's
portal: restricted and draft datasets are never listed, and a sub-portal lists only what
it owns or is shared with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.sitemaps import Sitemap
from django.http import HttpRequest
from django.urls import reverse

from datapolis.access.policy import ANONYMOUS, visible_datasets_queryset
from datapolis.catalog.models import Dataset

SITE_PAGES = ("portal:home", "portal:catalog", "portal:legal-notice", "portal:accessibility")


class PortalSitemap(Sitemap):
    """Site pages first, then every public dataset's information and table pages."""

    limit = 25_000  # under the protocol's 50,000 URLs per file, with two URLs per dataset

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    def items(self) -> list[Any]:
        datasets = visible_datasets_queryset(ANONYMOUS, self.request.portal).order_by("dataset_id")
        pages: list[Any] = list(SITE_PAGES)
        for dataset in datasets.only("dataset_id", "modified"):
            pages += [(dataset, "portal:dataset"), (dataset, "portal:table")]
        return pages

    def location(self, item: Any) -> str:
        if isinstance(item, str):
            return reverse(item)
        dataset, name = item
        return reverse(name, args=[dataset.dataset_id])

    def lastmod(self, item: Any) -> datetime | None:
        return item[0].modified if isinstance(item, tuple) and isinstance(item[0], Dataset) else None

    def priority(self, item: Any) -> float:
        return 1.0 if item == "portal:home" else 0.5
