"""A dataset's map tab: the tile URL with the page's filters, bounds, colour classes, the basemap."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest

from datapolis.access.policy import (
    dataset_view,
    principal_from_request,
    visible_datasets_queryset,
)
from datapolis.frontoffice.pages.common import GEO_TYPES, DatasetPage
from datapolis.frontoffice.state import (
    TIMEZONE,
)
from datapolis.odsql import ODSQLError, odsql_field
from datapolis.queries.records import aggregate
from datapolis.queries.requests import Filters
from datapolis.schema import FieldSpec


def map_config(page: DatasetPage, request: HttpRequest, params) -> dict[str, Any]:
    """What the map script needs: the tile URL with the filters, the layer kind, bounds, colours."""
    geo_fields = page.geo_fields
    if not geo_fields or not page.data_visible:
        return {}
    chosen = params.get("geo")
    geo = next((spec for spec in geo_fields if spec.name == chosen), geo_fields[0])
    numeric = [spec for spec in page.fields if spec.type in {"int", "double"}]
    color_name = params.get("color", "")
    color = next((spec for spec in numeric if spec.name == color_name), None)
    tooltip = [spec for spec in page.fields if spec.type not in GEO_TYPES][:6]
    attributes = list(dict.fromkeys([spec.name for spec in tooltip] + ([color.name] if color else [])))
    filters = page.state.filter_params()
    query = urlencode([*filters, ("field", geo.name), ("attributes", ",".join(attributes)), ("timezone", TIMEZONE)])
    tiles = f"/api/tiles/{page.dataset.dataset_id}/{{z}}/{{x}}/{{y}}.pbf?{query}"
    config: dict[str, Any] = {
        "tiles": request.build_absolute_uri("/")[:-1] + tiles,
        "kind": "points" if geo.type == "geo_point_2d" else "shapes",
        "geo_field": geo.name,
        "tooltip": [{"name": spec.name, "label": spec.label, "type": spec.type} for spec in tooltip],
        "bounds": _bounds(page, geo),
        "basemap": basemap_style_url(),
        "background": None if basemap_style_url() else background_layer(request, exclude=page.dataset.dataset_id),
        "color": None,
        "primary": request.portal.primary_color,
    }
    if color is not None:
        config["color"] = {"field": color.name, "label": color.label, "breaks": _breaks(page, color)}
    return {"config": config, "geo": geo, "geo_fields": geo_fields, "numeric": numeric, "color": color}


def basemap_style_url() -> str | None:
    """A MapLibre style URL for a real basemap (DATAPOLIS_BASEMAP_STYLE_URL); None: offline style."""
    return settings.DATAPOLIS_BASEMAP_STYLE_URL or None


BACKGROUND_LABEL_FIELDS = ("nom", "nom_commune", "libelle", "libelle_commune", "name", "nom_com", "lib_com")


def background_dataset_id() -> str:
    """The dataset named for the offline background (DATAPOLIS_BASEMAP_DATASET); "" picks one, "none" disables."""
    return (settings.DATAPOLIS_BASEMAP_DATASET or "").strip()


def background_layer(request: HttpRequest, exclude: str = "") -> dict[str, Any] | None:
    """The offline basemap: a polygons dataset (the territory's communes) drawn under the data with its names.

    The named dataset, else the first visible published dataset with a geo_shape field whose id,
    title or keywords speak of communes. It is read through the tile endpoint, so the caller's
    access rules apply to it as to any dataset.
    """
    chosen = background_dataset_id()
    if chosen.lower() == "none":
        return None
    principal = principal_from_request(request)
    candidates = visible_datasets_queryset(principal, request.portal).filter(fields__type="geo_shape").distinct()
    if chosen:
        candidates = candidates.filter(dataset_id=chosen)
    for dataset in candidates.prefetch_related("fields").order_by("dataset_id"):
        words = " ".join([dataset.dataset_id, dataset.title, *map(str, dataset.keywords or [])]).lower()
        if not chosen and ("commune" not in words or dataset.dataset_id == exclude):
            continue
        view = dataset_view(principal, request.portal, dataset.dataset_id)
        if view is None or not view.data_visible or dataset.current_snapshot is None:
            continue
        fields = [spec for spec in dataset.fields.all() if view.field_visible(spec.name)]
        shape = next((spec.name for spec in fields if spec.type == "geo_shape"), None)
        texts = [spec.name for spec in fields if spec.type == "text"]
        label = next((name for name in BACKGROUND_LABEL_FIELDS if name in texts), texts[0] if texts else "")
        if shape is None:
            continue
        query = urlencode([("field", shape), ("attributes", label), ("cluster", "false")])
        tiles = f"/api/tiles/{dataset.dataset_id}/{{z}}/{{x}}/{{y}}.pbf?{query}"
        return {
            "dataset_id": dataset.dataset_id,
            "title": dataset.title,
            "tiles": request.build_absolute_uri("/")[:-1] + tiles,
            "label": label,
        }
    return None


def _aggregate(page: DatasetPage, select: str) -> dict[str, Any]:
    state = page.state
    filters = Filters(where=state.where_clauses(), refine=state.refine, exclude=state.exclude, timezone=TIMEZONE)
    return aggregate(page.access.target, select, filters)


def _bounds(page: DatasetPage, geo: FieldSpec) -> list[float] | None:
    try:
        box = _aggregate(page, f"bbox({odsql_field(geo.name)}) as box").get("box")
    except ODSQLError:
        return None
    if not box:
        return None
    ring = box["geometry"]["coordinates"][0] if box["geometry"]["type"] == "Polygon" else None
    if ring is None:
        lon, lat = box["geometry"]["coordinates"]
        return [lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01]
    lons = [point[0] for point in ring]
    lats = [point[1] for point in ring]
    return [min(lons), min(lats), max(lons), max(lats)]


def _breaks(page: DatasetPage, spec: FieldSpec) -> list[float]:
    """Quintile breaks of a numeric field under the filters (a choropleth's classes)."""
    name = odsql_field(spec.name)
    select = ", ".join(f"percentile({name}, {p}) as p{p}" for p in (0, 20, 40, 60, 80, 100))
    try:
        row = _aggregate(page, select)
    except ODSQLError:
        return []
    values = [row.get(f"p{p}") for p in (0, 20, 40, 60, 80, 100)]
    return sorted({float(value) for value in values if value is not None})
