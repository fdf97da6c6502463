"""Opendatasoft's download URL and its Search API v1, for the scripts and widgets using them.

- `/explore/dataset/<id>/download/?format=csv&…` and `/api/records/1.0/download/`, which
  odsclient, R and Excel imports and cities' "download" buttons call, are answered by the
  Explore API v2.1 export of the same records, not through a redirect, with ODS's option
  names (`use_labels_for_header`, `csv_separator`, `q`, `refine.<field>`, `apikey`).
- `/api/records/1.0/search/` (`q`, `refine.*`, `exclude.*`, `facet`, `rows`, `start`,
  `sort`, `fields`, `geofilter.distance`, `geofilter.polygon`, `timezone`) and
  `/api/datasets/1.0/search/`, `/api/datasets/1.0/<id>/` answer in v1's shapes (`nhits`,
  `parameters`, `records[].fields`, `facet_groups`), through the same query services and
  access gate as v2.1: the caller's rights apply as everywhere.

Errors are v1's `{"error": …, "errorcode": <HTTP status>}`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import resolve
from django.views.decorators.http import require_safe

from datapolis.access.policy import DatasetView, principal_from_request
from datapolis.access.querying import VisibleCatalog, open_dataset
from datapolis.access.ratelimit import check_rate_limit
from datapolis.api.explore.catalog import dataset_object
from datapolis.api.explore.errors import json_response
from datapolis.net import client_ip
from datapolis.odsql import ODSQLError, odsql_string
from datapolis.queries.datasets import query_catalog
from datapolis.queries.errors import QueryError
from datapolis.queries.facets import Facet, dataset_facets
from datapolis.queries.records import query_page
from datapolis.queries.requests import RecordsRequest
from datapolis.schema import RECORD_ID_COLUMN, RECORD_TIMESTAMP_COLUMN, FieldSpec

EXPORT_PATH = "/api/explore/v2.1/catalog/datasets/{dataset_id}/exports/{format}"
FORMATS = {"csv": "csv", "json": "json", "geojson": "geojson", "jsonl": "jsonl", "xls": "xlsx", "xlsx": "xlsx",
           "shp": "shp", "shapefile": "shp", "kml": "kml", "gpx": "gpx", "parquet": "parquet", "fgb": "fgb",
           "ov2": "ov2"}  # fmt: skip
OPTIONS = {"use_labels_for_header": "use_labels", "csv_separator": "delimiter", "timezone": "timezone", "lang": "lang",
           "epsg": "epsg", "apikey": "apikey"}  # fmt: skip


def export_parameters(query: QueryDict) -> QueryDict:
    """The v2.1 export's parameters of an ODS download: `q` a search, `refine.<f>=v` `refine=f:v`."""
    params = QueryDict(mutable=True)
    if query.get("q"):
        params.appendlist("where", odsql_string(query["q"]))
    for key in query:
        kind, _, name = key.partition(".")
        if kind in ("refine", "exclude") and name:
            for value in query.getlist(key):
                params.appendlist(kind, f"{name}:{value}")
    for theirs, ours in OPTIONS.items():
        if query.get(theirs):
            params[ours] = query[theirs]
    return params


def v1_error(status: int, message: str) -> HttpResponse:
    return json_response({"error": message, "errorcode": status}, status=status)


@require_safe
def download(request: HttpRequest, dataset_id: str) -> HttpResponse:
    asked = request.GET.get("format", "csv").lower()
    format = FORMATS.get(asked)
    if format is None:
        return v1_error(400, f"Unknown format: {asked}. Available formats: {', '.join(sorted(FORMATS))}.")
    match = resolve(EXPORT_PATH.format(dataset_id=dataset_id, format=format))
    request.GET = export_parameters(request.GET)
    response = match.func(request, *match.args, **match.kwargs)
    if response.status_code >= 400 and response.get("Content-Type", "").startswith("application/json"):
        return v1_error(response.status_code, orjson.loads(response.content).get("message", ""))
    return response


# -- the Search API v1: records and datasets ---------------------------------------------

MAX_ROWS = 10_000  # v1's window: start + rows


class V1Error(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def v1_view(view: Callable[..., dict[str, Any]]) -> Callable[..., HttpResponse]:
    """Answer the view's body as JSON, any refusal in v1's error shape, after the rate limits."""

    @functools.wraps(view)
    def answer(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        refused = check_rate_limit(principal_from_request(request), client_ip(request))
        if refused is not None:
            return refused
        try:
            return json_response(view(request, **kwargs))
        except V1Error as error:
            return v1_error(error.status, error.message)
        except QueryError as error:
            return v1_error(error.status, error.message)
        except ODSQLError as error:
            return v1_error(400, error.message)

    return require_safe(answer)


def _whole_number(query: QueryDict, name: str, default: int) -> int:
    try:
        value = int(query.get(name, default))
    except ValueError:
        raise V1Error(400, f"Invalid value for {name}: a whole number is expected.") from None
    if value < 0:
        raise V1Error(400, f"Invalid value for {name}: it cannot be negative.")
    return value


def _facet_pairs(query: QueryDict, kind: str) -> list[str]:
    return [f"{key.partition('.')[2]}:{value}" for key in query if key.startswith(f"{kind}.")
            for value in query.getlist(key) if value]  # fmt: skip


def _order_by(sort: str) -> str | None:
    """v1 sorts by a field descending, and ascending with a leading `-` (v2.1 says it the other way)."""
    keys = [key.strip() for key in sort.split(",") if key.strip()]
    return ", ".join(f"`{key[1:]}` asc" if key.startswith("-") else f"`{key}` desc" for key in keys) or None


def _geofilters(query: QueryDict, geo: FieldSpec | None) -> list[str]:
    """`geofilter.distance=lat,lon,metres` and `geofilter.polygon=(lat,lon),(lat,lon),...` as ODSQL."""
    clauses = []
    for name in ("geofilter.distance", "geofilter.polygon"):
        if not query.get(name):
            continue
        if geo is None:
            raise V1Error(400, f"{name} needs a geographic field, and this dataset has none.")
        try:
            clauses.append(_distance(geo, query[name]) if name.endswith("distance") else _polygon(geo, query[name]))
        except ValueError:
            raise V1Error(400, f"Invalid value for {name}: {query[name]}") from None
    return clauses


def _numbers(texts: list[str]) -> list[float]:
    numbers = [float(text) for text in texts]
    if not all(math.isfinite(number) for number in numbers):
        raise ValueError(texts)
    return numbers


def _distance(geo: FieldSpec, text: str) -> str:
    lat, lon, metres = _numbers(text.split(","))
    return f"within_distance(`{geo.name}`, geom'POINT({lon!r} {lat!r})', {metres!r}m)"


def _polygon(geo: FieldSpec, text: str) -> str:
    pairs = [pair.strip("() ").split(",") for pair in text.split("),")]
    points = [tuple(reversed(_numbers(pair))) for pair in pairs]
    if len(points) < 3:
        raise ValueError(text)
    ring = ", ".join(f"{lon!r} {lat!r}" for lon, lat in [*points, points[0]])
    return f"intersects(`{geo.name}`, geom'POLYGON(({ring}))')"


def _v1_fields(row: dict[str, Any], specs: list[FieldSpec], chosen: set[str] | None) -> tuple[dict, dict | None]:
    """A record's `fields` as v1 writes them (points as [lat, lon], shapes as geometries, no nulls)."""
    fields: dict[str, Any] = {}
    geometry = None
    for spec in specs:
        value = row.get(spec.name)
        if value is None or (chosen is not None and spec.name not in chosen):
            continue
        if spec.type == "geo_point_2d":
            fields[spec.name] = [value["lat"], value["lon"]]
            geometry = geometry or {"type": "Point", "coordinates": [value["lon"], value["lat"]]}
        elif spec.type == "geo_shape":
            fields[spec.name] = value.get("geometry", value)
        else:
            fields[spec.name] = value
    return fields, geometry


def _facet_groups(facets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def entry(item: dict[str, Any]) -> dict[str, Any]:
        result = {"name": item["name"], "path": item["value"], "count": item.get("count"), "state": item["state"]}
        if item.get("facets"):
            result["facets"] = [entry(child) for child in item["facets"]]
        return result

    return [{"name": group["name"], "facets": [entry(item) for item in group["facets"]]} for group in facets if
            group["facets"]]  # fmt: skip


@v1_view
def records_search(request: HttpRequest) -> dict[str, Any]:
    """`/api/records/1.0/search/?dataset=…`: nhits, parameters, records[].fields, facet_groups."""
    query = request.GET
    dataset_id = query.get("dataset", "")
    if not dataset_id:
        raise V1Error(400, "The dataset parameter is required.")
    rows, start = _whole_number(query, "rows", 10), _whole_number(query, "start", 0)
    if start + rows > MAX_ROWS:
        raise V1Error(400, f"start + rows cannot exceed {MAX_ROWS}.")
    access = open_dataset(request, dataset_id)
    specs = access.visible_specs
    geo = next((spec for spec in specs if spec.type in ("geo_point_2d", "geo_shape")), None)
    filters = RecordsRequest(
        where=([odsql_string(query["q"])] if query.get("q") else []) + _geofilters(query, geo),
        refine=_facet_pairs(query, "refine"),
        exclude=_facet_pairs(query, "exclude"),
        order_by=_order_by(query.get("sort", "")),
        timezone=query.get("timezone") or "UTC",
    )
    total, results = query_page(access.target, filters, rows, start, with_ids=True)
    chosen = {name.strip() for name in query["fields"].split(",")} if query.get("fields") else None
    records = []
    for row in results:
        fields, geometry = _v1_fields(row, specs, chosen)
        record = {"datasetid": dataset_id, "recordid": row.get(RECORD_ID_COLUMN), "fields": fields,
                  "record_timestamp": row.get(RECORD_TIMESTAMP_COLUMN)}  # fmt: skip
        if geometry is not None:
            record["geometry"] = geometry
        records.append(record)
    body: dict[str, Any] = {"nhits": total, "parameters": _parameters(query, rows, start), "records": records}
    facets = [Facet(name) for name in query.getlist("facet") if name]
    if facets:
        body["facet_groups"] = _facet_groups(dataset_facets(access.target, filters, facets) if access.has_data else [])
    return body


def _parameters(query: QueryDict, rows: int, start: int) -> dict[str, Any]:
    """The request's parameters as v1 echoes them."""
    echoed: dict[str, Any] = {"timezone": query.get("timezone") or "UTC", "rows": rows, "start": start,
                              "format": "json"}  # fmt: skip
    for name in ("dataset", "q", "sort"):
        if query.get(name):
            echoed[name] = query[name] if name != "sort" else [query[name]]
    for kind in ("refine", "exclude"):
        pairs = {key.partition(".")[2]: query[key] for key in query if key.startswith(f"{kind}.")}
        if pairs:
            echoed[kind] = pairs
    if query.getlist("facet"):
        echoed["facet"] = query.getlist("facet")
    return echoed


@require_safe
def records_download(request: HttpRequest) -> HttpResponse:
    """`/api/records/1.0/download/?dataset=…&format=…`: the same as ODS's download URL."""
    dataset_id = request.GET.get("dataset", "")
    if not dataset_id:
        return v1_error(400, "The dataset parameter is required.")
    return download(request, dataset_id)


def _v1_dataset(view: DatasetView, count: int | None = None) -> dict[str, Any]:
    explored = dataset_object(view, count=count)
    return {
        "datasetid": explored["dataset_id"],
        "has_records": explored["has_records"],
        "features": explored["features"],
        "metas": explored["metas"]["default"],
        "fields": explored["fields"],
        "attachments": explored["attachments"],
    }


@v1_view
def datasets_search(request: HttpRequest) -> dict[str, Any]:
    """`/api/datasets/1.0/search/`: the caller's catalog, v1's shape."""
    query = request.GET
    rows, start = _whole_number(query, "rows", 10), _whole_number(query, "start", 0)
    catalog = VisibleCatalog.of_request(request)
    search = RecordsRequest(
        where=[odsql_string(query["q"])] if query.get("q") else [],
        refine=_facet_pairs(query, "refine"),
        exclude=_facet_pairs(query, "exclude"),
        order_by=_order_by(query.get("sort", "")),
        limit=rows,
        offset=start,
    )
    total, found, _ = query_catalog(catalog.table(), search)
    datasets = [_v1_dataset(catalog.views[row["dataset_id"]], catalog.counts[row["dataset_id"]]) for row in found]
    return {"nhits": total, "parameters": _parameters(query, rows, start), "datasets": datasets}


@v1_view
def dataset(request: HttpRequest, dataset_id: str) -> dict[str, Any]:
    """`/api/datasets/1.0/<id>/`: one dataset, v1's shape."""
    return _v1_dataset(open_dataset(request, dataset_id, data=False).view)
