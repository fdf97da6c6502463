"""OGC API – Features (Part 1 Core, Part 2 CRS by reference) at `/api/ogc/`, for GIS clients.

QGIS, OWSLib, GDAL's OAPIF driver and ArcGIS read a dataset with a geographic field as a
collection of features, with the caller's rights (the same gate and query services as the
Explore API):

    /api/ogc/                                   landing page
    /api/ogc/conformance                        the conformance classes
    /api/ogc/collections                        one collection per visible dataset with a geo field
    /api/ogc/collections/<id>                   its extent, CRSs and links
    /api/ogc/collections/<id>/items             GeoJSON features: limit (≤ 10,000), offset, bbox,
                                                bbox-crs, crs, and <field>=<value> property filters
    /api/ogc/collections/<id>/items/<fid>       one feature (its record id)

Coordinates are longitude, latitude (CRS84) unless `crs` asks for EPSG:4326 (latitude first)
or EPSG:2154 (Lambert-93, metres); `Content-Crs` names the one written. The geometry is the
dataset's first visible geographic field; its other fields are the properties.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import shapely
import shapely.geometry
import shapely.ops
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from pyproj import Transformer

from datapolis.access.policy import principal_from_request
from datapolis.access.querying import DatasetAccess, VisibleCatalog, open_dataset
from datapolis.access.ratelimit import check_rate_limit
from datapolis.api.explore.errors import json_response
from datapolis.net import client_ip
from datapolis.odsql import ODSQLError, odsql_field
from datapolis.queries.errors import NotFound, QueryError
from datapolis.queries.records import aggregate, query_page, record_by_id
from datapolis.queries.requests import RecordsRequest
from datapolis.schema import RECORD_ID_COLUMN, FieldSpec

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRSS = {CRS84: None, f"{EPSG}4326": "EPSG:4326", f"{EPSG}2154": "EPSG:2154"}
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
GEO_TYPES = ("geo_point_2d", "geo_shape")
DEFAULT_LIMIT, MAX_LIMIT = 10, 10_000
RESERVED = {"limit", "offset", "bbox", "bbox-crs", "crs", "f", "datetime", "apikey"}
GEOJSON, JSON = "application/geo+json", "application/json"


class OgcError(Exception):
    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status, self.code, self.description = status, code, description


def ogc_view(view: Callable[..., HttpResponse | dict[str, Any]]) -> Callable[..., HttpResponse]:
    """Rate limits, then the view; refusals as OGC's exception objects `{code, description}`."""

    @functools.wraps(view)
    def answer(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        refused = check_rate_limit(principal_from_request(request), client_ip(request))
        if refused is not None:
            return refused
        try:
            result = view(request, **kwargs)
        except OgcError as error:
            return json_response({"code": error.code, "description": error.description}, status=error.status)
        except NotFound as error:
            return json_response({"code": "NotFound", "description": error.message}, status=404)
        except (QueryError, ODSQLError) as error:
            return json_response({"code": "InvalidParameterValue", "description": error.message}, status=400)
        return result if isinstance(result, HttpResponse) else json_response(result)

    return require_safe(answer)


def _url(request: HttpRequest, path: str = "") -> str:
    return request.build_absolute_uri(f"/api/ogc/{path}")


def _link(href: str, rel: str, media_type: str = JSON, title: str = "") -> dict[str, str]:
    return {"href": href, "rel": rel, "type": media_type, **({"title": title} if title else {})}


@ogc_view
def landing(request: HttpRequest) -> dict[str, Any]:
    return {
        "title": request.portal.name,
        "description": "OGC API – Features of the portal's datasets with a geographic field",
        "links": [
            _link(_url(request), "self"),
            _link(_url(request, "conformance"), "conformance"),
            _link(_url(request, "collections"), "data"),
        ],
    }


@ogc_view
def conformance(request: HttpRequest) -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE}


def _geo_field(access: DatasetAccess) -> FieldSpec | None:
    return next((spec for spec in access.visible_specs if spec.type in GEO_TYPES), None)


def _collection(request: HttpRequest, access: DatasetAccess, geo: FieldSpec) -> dict[str, Any]:
    dataset_id = access.dataset.dataset_id
    return {
        "id": dataset_id,
        "title": access.dataset.title,
        "description": access.dataset.description or access.dataset.title,
        "itemType": "feature",
        "extent": {"spatial": {"bbox": [_extent(access, geo)], "crs": CRS84}},
        "crs": list(CRSS),
        "storageCrs": CRS84,
        "links": [
            _link(_url(request, f"collections/{dataset_id}"), "self"),
            _link(_url(request, f"collections/{dataset_id}/items"), "items", GEOJSON),
        ],
    }


_extents: dict[tuple, list[float]] = {}
_extents_lock = threading.Lock()


def _extent(access: DatasetAccess, geo: FieldSpec) -> list[float]:
    """The bounding box of the caller's features, measured once per version and row filters."""
    target = access.target
    key = (target.dataset_id, target.snapshot, geo.name, target.row_filters)
    with _extents_lock:
        known = _extents.get(key)
    if known is not None:
        return known
    box = aggregate(target, f"bbox({odsql_field(geo.name)}) as box").get("box") if target.has_data else None
    extent = list(shapely.geometry.shape(box["geometry"]).bounds) if box else [-180.0, -90.0, 180.0, 90.0]
    with _extents_lock:
        if len(_extents) > 1000:
            _extents.clear()
        _extents[key] = extent
    return extent


@ogc_view
def collections(request: HttpRequest) -> dict[str, Any]:
    catalog = VisibleCatalog.of_request(request)
    found = []
    for dataset_id, view in catalog.views.items():
        if not view.data_visible or not any(f.type in GEO_TYPES and view.field_visible(f.name) for f in
                                            view.dataset.fields.all()):  # fmt: skip
            continue
        access = open_dataset(request, dataset_id)
        found.append(_collection(request, access, _geo_field(access)))
    return {"links": [_link(_url(request, "collections"), "self")], "collections": found}


def _open(request: HttpRequest, collection_id: str) -> tuple[DatasetAccess, FieldSpec]:
    access = open_dataset(request, collection_id)
    geo = _geo_field(access)
    if geo is None:
        raise NotFound(f"Unknown collection: {collection_id}")
    return access, geo


@ogc_view
def collection(request: HttpRequest, collection_id: str) -> dict[str, Any]:
    access, geo = _open(request, collection_id)
    return _collection(request, access, geo)


def _crs(request: HttpRequest, name: str) -> str:
    uri = request.GET.get(name) or CRS84
    if uri not in CRSS:
        raise OgcError(400, "InvalidParameterValue", f"{name}: not one of {', '.join(CRSS)}")
    return uri


@functools.cache
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def _bbox_clause(request: HttpRequest, geo: FieldSpec) -> list[str]:
    text = request.GET.get("bbox")
    if not text:
        return []
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        raise OgcError(400, "InvalidParameterValue", "bbox: four numbers expected") from None
    if len(numbers) != 4:
        raise OgcError(400, "InvalidParameterValue", "bbox: four numbers expected (2D)")
    crs = _crs(request, "bbox-crs")
    x1, y1, x2, y2 = numbers
    if crs == f"{EPSG}4326":
        x1, y1, x2, y2 = y1, x1, y2, x2  # EPSG:4326 is latitude first
    elif crs == f"{EPSG}2154":
        x1, y1, x2, y2 = _transformer("EPSG:2154", "EPSG:4326").transform_bounds(x1, y1, x2, y2)
    ring = f"{x1!r} {y1!r}, {x2!r} {y1!r}, {x2!r} {y2!r}, {x1!r} {y2!r}, {x1!r} {y1!r}"
    return [f"intersects({odsql_field(geo.name)}, geom'POLYGON(({ring}))')"]


def _whole_number(request: HttpRequest, name: str, default: int, highest: int | None = None) -> int:
    try:
        value = int(request.GET.get(name, default))
    except ValueError:
        raise OgcError(400, "InvalidParameterValue", f"{name}: a whole number is expected") from None
    if value < 0 or (highest is not None and value > highest):
        raise OgcError(400, "InvalidParameterValue", f"{name}: between 0 and {highest}")
    return value


def _geometry(value: Any, spec: FieldSpec, crs: str) -> dict[str, Any] | None:
    if value is None:
        return None
    shape = (shapely.geometry.Point(value["lon"], value["lat"]) if spec.type == "geo_point_2d"
             else shapely.geometry.shape(value.get("geometry", value)))  # fmt: skip
    if crs == f"{EPSG}2154":
        shape = shapely.ops.transform(_transformer("EPSG:4326", "EPSG:2154").transform, shape)
    elif crs == f"{EPSG}4326":
        shape = shapely.ops.transform(lambda x, y, z=None: (y, x), shape)
    return shapely.geometry.mapping(shape)


def _feature(row: dict[str, Any], access: DatasetAccess, geo: FieldSpec, crs: str) -> dict[str, Any]:
    properties = {spec.name: row.get(spec.name) for spec in access.visible_specs if spec.type not in GEO_TYPES}
    return {"type": "Feature", "id": row.get(RECORD_ID_COLUMN), "geometry": _geometry(row.get(geo.name), geo, crs),
            "properties": properties}  # fmt: skip


def _geojson(body: dict[str, Any], crs: str) -> HttpResponse:
    response = json_response(body)
    response["Content-Type"] = GEOJSON
    response["Content-Crs"] = f"<{crs}>"
    return response


@ogc_view
def items(request: HttpRequest, collection_id: str) -> HttpResponse:
    access, geo = _open(request, collection_id)
    limit = _whole_number(request, "limit", DEFAULT_LIMIT, MAX_LIMIT)
    offset = _whole_number(request, "offset", 0)
    crs = _crs(request, "crs")
    names = {spec.name for spec in access.visible_specs if spec.type not in GEO_TYPES}
    unknown = [key for key in request.GET if key not in RESERVED and key not in names]
    if unknown:
        raise OgcError(400, "InvalidParameterValue", f"unknown parameter or property: {', '.join(unknown)}")
    refine = [f"{key}:{request.GET[key]}" for key in request.GET if key in names]
    search = RecordsRequest(where=_bbox_clause(request, geo), refine=refine, order_by=None)
    matched, rows = query_page(access.target, search, limit, offset, with_ids=True)
    base = _url(request, f"collections/{collection_id}/items")
    query = {key: request.GET[key] for key in request.GET if key not in ("offset", "limit")}
    links = [_link(_page_url(base, query, limit, offset), "self", GEOJSON)]
    if offset + len(rows) < matched:
        links.append(_link(_page_url(base, query, limit, offset + limit), "next", GEOJSON))
    if offset > 0:
        links.append(_link(_page_url(base, query, limit, max(offset - limit, 0)), "prev", GEOJSON))
    body = {
        "type": "FeatureCollection",
        "features": [_feature(row, access, geo, crs) for row in rows],
        "numberMatched": matched,
        "numberReturned": len(rows),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": links,
    }
    return _geojson(body, crs)


def _page_url(base: str, query: dict[str, str], limit: int, offset: int) -> str:
    return f"{base}?{urlencode({**query, 'limit': limit, 'offset': offset})}"


@ogc_view
def item(request: HttpRequest, collection_id: str, feature_id: str) -> HttpResponse:
    access, geo = _open(request, collection_id)
    crs = _crs(request, "crs")
    row = record_by_id(access.target, feature_id)
    row[RECORD_ID_COLUMN] = feature_id
    feature = _feature(row, access, geo, crs)
    feature["links"] = [_link(_url(request, f"collections/{collection_id}/items/{feature_id}"), "self", GEOJSON),
                        _link(_url(request, f"collections/{collection_id}"), "collection")]  # fmt: skip
    return _geojson(feature, crs)
