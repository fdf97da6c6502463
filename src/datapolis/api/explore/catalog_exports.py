"""Catalog exports (§2.2): the caller's catalog as a file, tabular or DCAT-AP.

`csv`, `json` and `xlsx` write the catalog's metadata fields (queries.datasets.CATALOG_FIELDS) with
the engine's exporter, so select/where/group_by/order_by/limit and the CSV options behave
as they do for records. `dcat` and `rdf` (RDF/XML), `ttl` (Turtle) and `jsonld` describe
the datasets chosen by where/refine/exclude/order_by/limit/offset in DCAT-AP (api/dcat.py).

A catalog has at most a few thousand rows: the file is written completely before it is
sent (the engine exporter reads from a table it can see from its own cursor, which lives
only for the request), not streamed like record exports.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from pydantic import Field

from datapolis.access.querying import VisibleCatalog
from datapolis.api import dcat
from datapolis.api.explore import feeds
from datapolis.api.explore.catalog import dataset_object
from datapolis.api.explore.links import absolute, link
from datapolis.api.explore.params import ExportParams
from datapolis.catalog.storage import get_store
from datapolis.engine.sql import quote_identifier
from datapolis.odsql import compile_query
from datapolis.queries.datasets import CATALOG_FIELDS, DEFAULT_ORDER, CatalogTable
from datapolis.queries.errors import QueryError
from datapolis.queries.exports import export_options, start_export
from datapolis.queries.requests import export_bounds, query_spec

TABULAR_FORMATS = ("csv", "json", "xlsx")
# Catalog export format -> rdflib serialization of the DCAT-AP graph.
DCAT_FORMATS = {"dcat": "xml", "rdf": "xml", "ttl": "turtle", "jsonld": "json-ld"}
FEEDS = ("rss", "data.json")
FORMATS = (*TABULAR_FORMATS, *DCAT_FORMATS, *FEEDS)
FILENAME = "catalog"


class CatalogExportParams(ExportParams):
    include_exports: str | None = Field(
        None,
        description="DCAT: comma-separated dataset export formats described as distributions "
        "(default: every format each dataset can be exported in). Example: `csv,json,geojson,shp`.",
    )
    use_labels_in_exports: bool = Field(
        True, description="DCAT: CSV and XLSX distribution URLs ask for field labels in headers (`use_labels=true`)."
    )


def export_format_links(request: HttpRequest) -> list[dict[str, str]]:
    return [link(absolute(request, f"catalog/exports/{name}"), name) for name in FORMATS]


def export_catalog(request: HttpRequest, format: str, params: CatalogExportParams) -> HttpResponse:
    if format in DCAT_FORMATS:
        return _dcat_response(request, format, params)
    if format in TABULAR_FORMATS:
        return _tabular_response(request, format, params)
    if format in FEEDS:
        catalog = VisibleCatalog.of_request(request)
        datasets = [dataset_object(catalog.views[dataset_id], count=catalog.counts[dataset_id])
                    for dataset_id in _chosen_dataset_ids(catalog, params)]  # fmt: skip
        write = feeds.rss if format == "rss" else feeds.data_json
        return write(request, request.portal.name, datasets)
    raise QueryError(f"Unknown catalog export format: {format}. Available formats: {', '.join(FORMATS)}.")


# -- tabular ------------------------------------------------------------------------


def _tabular_response(request: HttpRequest, format: str, params: CatalogExportParams) -> HttpResponse:
    limit, offset = export_bounds(params.limit, params.offset)
    spec = query_spec(params, limit=limit, offset=offset)
    if not params.select and not params.group_by:
        spec.order_by = params.order_by or DEFAULT_ORDER
    catalog = VisibleCatalog.of_request(request)
    with _shared_table(catalog.table()) as relation:
        compiled = compile_query(spec, CATALOG_FIELDS, relation, storage_values=True)
        stream = start_export(get_store(), compiled, CATALOG_FIELDS, format, export_options(params, FILENAME))
        content = b"".join(stream)
    response = HttpResponse(content, content_type=stream.content_type)
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}{stream.filename_suffix}"'
    return response


@contextmanager
def _shared_table(catalog: CatalogTable) -> Iterator[str]:
    """The caller's catalog as a table of the in-memory database, dropped afterwards.

    The exporter runs on a new cursor, which sees tables but not the Arrow views
    registered on this thread's cursor.
    """
    cursor = get_store().cursor()
    name = f"catalog_export_{secrets.token_hex(8)}"
    table = f"memory.main.{quote_identifier(name)}"
    arrow_view = f"{name}_arrow"
    cursor.register(arrow_view, catalog.arrow())
    try:
        cursor.execute(f"CREATE TABLE {table} AS SELECT * FROM {quote_identifier(arrow_view)}")  # noqa: S608
    finally:
        cursor.unregister(arrow_view)
    try:
        yield table
    finally:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


# -- DCAT ---------------------------------------------------------------------------


def _dcat_response(request: HttpRequest, format: str, params: CatalogExportParams) -> HttpResponse:
    options = dcat.DistributionOptions(formats=_include_exports(params.include_exports),
                                       use_labels=params.use_labels_in_exports)  # fmt: skip
    catalog = VisibleCatalog.of_request(request)
    datasets = [
        {**dataset_object(catalog.views[dataset_id], count=catalog.counts[dataset_id]),
         "conforms_to": _conforms_to(catalog.views[dataset_id].dataset)}
        for dataset_id in _chosen_dataset_ids(catalog, params)
    ]  # fmt: skip
    graph = dcat.catalog_graph(_catalog_description(request), datasets, options)
    serialization = DCAT_FORMATS[format]
    return HttpResponse(dcat.serialize(graph, serialization), content_type=dcat.SERIALIZATIONS[serialization])


def _conforms_to(dataset) -> list[str]:
    """The Table Schema's address, when the dataset declares one (`dct:conformsTo`)."""
    url = dataset.table_schema_url or (dataset.table_schema or {}).get("path") or ""
    return [url] if isinstance(url, str) and url.startswith(("http://", "https://")) else []


def _include_exports(value: str | None) -> frozenset[str] | None:
    if value is None or not value.strip():
        return None
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    unknown = dcat.unknown_formats(names)
    if unknown:
        raise QueryError(
            f"Invalid value for include_exports API parameter: unknown export format {', '.join(unknown)}."
        )
    return frozenset(names)


def _chosen_dataset_ids(catalog: VisibleCatalog, params: CatalogExportParams) -> list[str]:
    """The datasets where/refine/exclude/order_by/limit/offset choose (select and group_by do not apply)."""
    limit, offset = export_bounds(params.limit, params.offset)
    spec = query_spec(params, limit=limit, offset=offset)
    spec.select, spec.group_by = "dataset_id", None
    spec.order_by = params.order_by or DEFAULT_ORDER
    table = catalog.table()
    with table.relation() as relation:
        compiled = compile_query(spec, CATALOG_FIELDS, relation)
        rows = compiled.decode_rows(table.run(compiled.sql, compiled.params))
    return [row["dataset_id"] for row in rows]


def _catalog_description(request: HttpRequest) -> dcat.CatalogDescription:
    portal = request.portal
    origin = request.build_absolute_uri("/").rstrip("/")
    return dcat.CatalogDescription(
        origin=origin,
        title=portal.name,
        description=portal.home_text or portal.name,
        language=settings.LANGUAGE_CODE.split("-")[0],
        issued=portal.created,
    )
