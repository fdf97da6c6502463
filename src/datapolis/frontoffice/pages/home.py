"""The home page: themes, the latest and the most viewed datasets the caller may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F
from django.http import HttpRequest

from datapolis.access.policy import (
    principal_from_request,
    visible_datasets_queryset,
)
from datapolis.catalog.models import Theme
from datapolis.frontoffice.pages.common import dataset_cards


def home(request: HttpRequest) -> dict[str, Any]:
    visible = visible_datasets_queryset(principal_from_request(request), request.portal)
    themes = (
        Theme.objects.filter(datasets__in=visible)
        .annotate(count=Count("datasets", distinct=True))
        .order_by("-count", "name")
    )
    prefetch = ("themes", "fields")
    latest = list(visible.prefetch_related(*prefetch).order_by(F("data_modified").desc(nulls_last=True), "-pk")[:6])
    popular = list(visible.filter(views__gt=0).prefetch_related(*prefetch).order_by("-views", "-pk")[:6])
    return {
        "themes": list(themes),
        "latest": dataset_cards(request, latest),
        "popular": dataset_cards(request, popular),
        "total": visible.count(),
    }
