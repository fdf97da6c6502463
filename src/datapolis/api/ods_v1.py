"""Opendatasoft's download URL, `/explore/dataset/<id>/download/?format=csv&…`, answered here.

Scripts and libraries (odsclient, R and Excel imports, city sites' "download" buttons)
call it; the Explore API v2.1 export of the same records answers it directly, not through a
redirect, with its options renamed and its errors in the shape those clients read
(`{"error": …, "errorcode": …}`).
"""

from __future__ import annotations

import orjson
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import resolve
from django.views.decorators.http import require_safe

from datapolis.api.explore.errors import json_response
from datapolis.odsql import odsql_string

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
