"""Vector tiles of a dataset: `/api/tiles/<dataset_id>/<z>/<x>/<y>.pbf`.

The caller's access (policy) and the page's filters (Explore API parameters `where`,
`refine`, `exclude`, `timezone`) go to the engine, which compiles them with ODSQL.
Other parameters: `field` (the geographic field; the first visible one by default),
`attributes` (comma-separated fields kept on features, for tooltips and styling) and
`cluster=false` (send points one by one at every zoom).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from datapolis.access.querying import open_dataset
from datapolis.api.explore.errors import error_response
from datapolis.odsql import ODSQLError
from datapolis.queries.errors import NotFound, QueryError
from datapolis.queries.requests import refines
from datapolis.tiles import GEO_TYPES, TileCache, TileError, TileRequest, cached_tile

MVT_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"
MAX_ATTRIBUTES = 20

_cache: TileCache | None = None


def tile_cache() -> TileCache:
    global _cache
    if _cache is None:
        _cache = TileCache(max_bytes=settings.DATAPOLIS_TILE_CACHE_BYTES)
    return _cache


@require_GET
def tile(request: HttpRequest, dataset_id: str, z: int, x: int, y: int) -> HttpResponse:
    try:
        body = _tile(request, dataset_id, z, x, y)
    except QueryError as error:
        return error_response(error)
    except (TileError, ODSQLError) as error:
        return error_response(QueryError(str(error)))
    response = HttpResponse(body, content_type=MVT_CONTENT_TYPE)
    # Tiles depend on who asks (row filters): browsers may keep them, shared caches may not.
    response["Cache-Control"] = "private, max-age=300"
    return response


def _version(request: HttpRequest) -> int | None:
    """`?version=N`: the tiles of a past version (the portal's map of it)."""
    value = request.GET.get("version")
    if value is None:
        return None
    if not value.isdigit():
        raise QueryError(
            f"Invalid value for version API parameter: {value!r} was found but a version number is expected."
        )
    return int(value)


def _tile(request: HttpRequest, dataset_id: str, z: int, x: int, y: int) -> bytes:
    target = open_dataset(request, dataset_id).pinned(version=_version(request)).target
    if not target.has_data:
        raise NotFound(f"Unknown dataset: {dataset_id}")
    geo_fields = [spec.name for spec in target.visible_specs if spec.type in GEO_TYPES]
    geo_field = request.GET.get("field") or (geo_fields[0] if geo_fields else "")
    if geo_field not in geo_fields:
        raise QueryError(f"Invalid value for field API parameter: {geo_field!r} is not a visible geographic field.")
    attributes = tuple(name.strip() for name in request.GET.get("attributes", "").split(",") if name.strip())
    tile_request = TileRequest(
        z=z,
        x=x,
        y=y,
        geo_field=geo_field,
        attributes=attributes[:MAX_ATTRIBUTES],
        where=tuple(request.GET.getlist("where")),
        refine=tuple(refines(request.GET.getlist("refine"), "refine")),
        exclude=tuple(refines(request.GET.getlist("exclude"), "exclude")),
        restrictions=target.row_filters,
        visible_fields=target.visible_fields,
        timezone=request.GET.get("timezone") or "UTC",
        cluster=request.GET.get("cluster", "true").lower() not in {"false", "0", "no"},
    )
    return cached_tile(
        tile_cache(),
        target.store.cursor(),
        target.dataset_id,
        target.snapshot,
        tile_request,
        list(target.fields),
        target.relation(),
    )
