"""The Explore API v2.1 endpoints (§2 of the reference). Thin: parse, check access, call services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import duckdb
from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import NinjaAPI, Path, Query, Swagger
from ninja.errors import ValidationError

from datapolis.access.policy import principal_from_request
from datapolis.access.querying import DatasetAccess, open_dataset
from datapolis.access.ratelimit import check_rate_limit
from datapolis.api.explore import catalog as catalog_service
from datapolis.api.explore import catalog_exports, links
from datapolis.api.explore import openapi_docs as docs
from datapolis.api.explore.errors import error_response, json_response
from datapolis.api.explore.params import (
    DatasetFacetParams,
    DatasetParams,
    DatasetRecordsParams,
    ExportParams,
    FacetParams,
    RecordParams,
    RecordsParams,
    VersionParams,
)
from datapolis.catalog.storage import recover_engine
from datapolis.engine.failures import is_data_error
from datapolis.net import client_ip
from datapolis.odsql import ODSQLError
from datapolis.queries.errors import NotFound, QueryError
from datapolis.queries.exports import export_records
from datapolis.queries.facets import Facet, default_facets, parse_facet
from datapolis.queries.facets import dataset_facets as facets_of_dataset
from datapolis.queries.records import query_records, record_by_id
from datapolis.queries.target import QueryTarget

logger = logging.getLogger(__name__)

API_DESCRIPTION = """
The Opendatasoft-compatible **Explore API v2.1** of this portal: apps written for
`https://<domain>/api/explore/v2.1/` work here by changing only the base URL.

Queries use **ODSQL** (`select`, `where`, `group_by`, `order_by`), facets refine results,
exports stream whole datasets in many formats. Send an API key as `Authorization: Apikey KEY`
or `?apikey=KEY` to see restricted datasets you have been granted.
"""

api = NinjaAPI(
    title="Datapolis Explore API",
    version="2.1",
    description=API_DESCRIPTION,
    urls_namespace="explore",
    docs_url="/console",
    # The console runs offline: assets from the ninja package (static files), and no call to
    # swagger.io's online validator, which would also send it this API's URL.
    docs=Swagger(settings={"validatorUrl": None}),
    openapi_url="/openapi.json",
)


@api.exception_handler(QueryError)
def _api_error(request: HttpRequest, error: QueryError) -> HttpResponse:
    return error_response(error)


@api.exception_handler(ODSQLError)
def _odsql_error(request: HttpRequest, error: ODSQLError) -> HttpResponse:
    return json_response(error.to_dict(), status=400)


@api.exception_handler(duckdb.Error)
def _engine_error(request: HttpRequest, error: duckdb.Error) -> HttpResponse:
    """A query the engine could not answer: 400 when the data refuses it, else 500.

    After an engine failure the process's connection is replaced, so the next request is
    answered normally (docs/performance.md, "Engine failures").
    """
    if isinstance(error, duckdb.InterruptException):  # the request's deadline (catalog.middleware)
        seconds = settings.DATAPOLIS_QUERY_TIMEOUT
        message = f"The query took more than {seconds:g} seconds and was stopped: narrow it with a filter, or export."
        return error_response(QueryError(message, error_code="QueryTimeout"))
    if is_data_error(error):
        message = "ODSQL query cannot be evaluated on this dataset's values (a value out of range or not converting)."
        return error_response(QueryError(message, error_code="ODSQLError"))
    logger.error("engine error on %s", request.get_full_path(), exc_info=error)
    recover_engine(error)
    message = "The query could not be answered because of an internal error. It has been logged; please retry."
    return error_response(QueryError(message, error_code="InternalServerError", status=500))


@api.exception_handler(ValidationError)
def _invalid_parameter(request: HttpRequest, error: ValidationError) -> HttpResponse:
    first = error.errors[0] if error.errors else {}
    name = str(first.get("loc", ("", "?"))[-1])
    value = request.GET.get(name, "")
    return error_response(
        QueryError(f"Invalid value for {name} API parameter: {value!r} ({first.get('msg', 'invalid')}).")
    )


# Path parameters, described in the OpenAPI document.
DatasetId = Path[str, docs.DATASET_ID]
RecordId = Path[str, docs.RECORD_ID]
AttachmentId = Path[str, docs.ATTACHMENT_ID]
DatasetFormat = Path[str, docs.DATASET_FORMAT]
CatalogFormat = Path[str, docs.CATALOG_FORMAT]


def route(path: str, **options: Any) -> Callable:
    """Register a GET endpoint under both `path` and `path/` (clients append a slash)."""

    def register(view: Callable) -> Callable:
        guarded = _guarded(view)
        api.get(path, **options)(guarded)
        api.get(
            path + "/", include_in_schema=False, operation_id=f"{options.get('operation_id', view.__name__)}_slash"
        )(guarded)
        return guarded

    return register


def _version_of(access: DatasetAccess, params: VersionParams) -> QueryTarget:
    """The dataset at the version `version` or `at` names (the current one without them)."""
    return access.pinned(version=params.version, at=params.at, timezone=params.timezone).target


def _requested_facets(params: FacetParams) -> list[Facet]:
    """The `facet` parameters; an empty one (`facet=`) asks for nothing."""
    return [parse_facet(text) for text in params.facet if text.strip()]


def _guarded(view: Callable) -> Callable:
    """Count the call against the caller's rate limits before running the view."""
    import functools

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        refused = check_rate_limit(principal_from_request(request), client_ip(request))
        if refused is not None:
            return refused
        return view(request, *args, **kwargs)

    return wrapper


# -- sources ------------------------------------------------------------------------


@route(
    "",
    operation_id="getSources",
    description=docs.DESCRIPTIONS["sources"],
    openapi_extra=docs.SOURCES,
    tags=["Sources"],
    summary="The sources of this API.",
)
def sources(request: HttpRequest) -> HttpResponse:
    return json_response({"links": links.sources(request)})


@route(
    "/catalog",
    operation_id="getCatalogLinks",
    description=docs.DESCRIPTIONS["catalog"],
    openapi_extra=docs.CATALOG_LINKS,
    tags=["Sources"],
    summary="The endpoints of the catalog source.",
)
def catalog_root(request: HttpRequest) -> HttpResponse:
    return json_response({"links": links.catalog(request)})


# -- catalog ------------------------------------------------------------------------


@route(
    "/catalog/datasets",
    operation_id="getDatasets",
    description=docs.DESCRIPTIONS["datasets"],
    openapi_extra=docs.DATASETS,
    tags=["Catalog"],
    summary="Query the catalog's datasets.",
)
def datasets(request: HttpRequest, params: Query[RecordsParams]) -> HttpResponse:
    total, results = catalog_service.query_datasets(request, params)
    body: dict[str, Any] = {"total_count": total, "results": results}
    if params.include_links:
        body["_links"] = links.page(request, total, params)
    return json_response(body)


@route(
    "/catalog/facets",
    operation_id="getDatasetsFacets",
    description=docs.DESCRIPTIONS["catalog_facets"],
    openapi_extra=docs.CATALOG_FACETS,
    tags=["Catalog"],
    summary="Facets of the catalog.",
)
def catalog_facets(request: HttpRequest, params: Query[FacetParams]) -> HttpResponse:
    facets = _requested_facets(params)
    return json_response({"_links": [], "facets": catalog_service.catalog_facets(request, params, facets)})


@route(
    "/catalog/datasets/{dataset_id}",
    operation_id="getDataset",
    description=docs.DESCRIPTIONS["dataset"],
    openapi_extra=docs.DATASET,
    tags=["Catalog"],
    summary="One dataset's metadata.",
)
def dataset(request: HttpRequest, dataset_id: DatasetId, params: Query[DatasetParams]) -> HttpResponse:
    access = open_dataset(request, dataset_id, data=False)
    if params.select:
        body = catalog_service.select_metadata(access.view, params.select)
    else:
        body = catalog_service.dataset_object(access.view)
    if params.include_links:
        body["_links"] = links.dataset(request, dataset_id)
    return json_response(body)


@route(
    "/catalog/exports",
    operation_id="listExportFormats",
    description=docs.DESCRIPTIONS["catalog_exports"],
    openapi_extra=docs.CATALOG_EXPORT_FORMATS,
    tags=["Catalog"],
    summary="The export formats of the catalog.",
)
def catalog_export_formats(request: HttpRequest) -> HttpResponse:
    return json_response({"_links": catalog_exports.export_format_links(request)})


@route(
    "/catalog/exports/{format}",
    operation_id="exportDatasets",
    description=docs.DESCRIPTIONS["catalog_export"],
    openapi_extra=docs.CATALOG_EXPORT,
    tags=["Catalog"],
    summary="Export the catalog: csv, json, xlsx, or DCAT-AP as dcat/rdf (RDF/XML), ttl (Turtle), jsonld.",
)
def catalog_export(
    request: HttpRequest, format: CatalogFormat, params: Query[catalog_exports.CatalogExportParams]
) -> HttpResponse:
    return catalog_exports.export_catalog(request, format, params)


# -- dataset ------------------------------------------------------------------------


@route(
    "/catalog/datasets/{dataset_id}/records",
    operation_id="getRecords",
    description=docs.DESCRIPTIONS["records"],
    openapi_extra=docs.RECORDS,
    tags=["Dataset"],
    summary="Query a dataset's records: filter, select, aggregate, sort, page.",
)
def records(request: HttpRequest, dataset_id: DatasetId, params: Query[DatasetRecordsParams]) -> HttpResponse:
    target = _version_of(open_dataset(request, dataset_id), params)
    total, results = query_records(target, params, with_ids=params.include_links)
    body: dict[str, Any] = {"total_count": total, "results": results}
    if params.include_links:
        past = target.past_version
        links.add_record_links(request, dataset_id, results, version=past.number if past else None)
        body["_links"] = links.page(request, total, params)
    return json_response(body)


@route(
    "/catalog/datasets/{dataset_id}/records/{record_id}",
    operation_id="getRecord",
    description=docs.DESCRIPTIONS["record"],
    openapi_extra=docs.RECORD,
    tags=["Dataset"],
    summary="One record by its id.",
)
def record(
    request: HttpRequest, dataset_id: DatasetId, record_id: RecordId, params: Query[RecordParams]
) -> HttpResponse:
    access = open_dataset(request, dataset_id)
    found = record_by_id(
        _version_of(access, params), record_id, select=params.select, timezone=params.timezone, lang=params.lang
    )
    return json_response(found)


@route(
    "/catalog/datasets/{dataset_id}/facets",
    operation_id="getRecordsFacets",
    description=docs.DESCRIPTIONS["dataset_facets"],
    openapi_extra=docs.DATASET_FACETS,
    tags=["Dataset"],
    summary="Facets of a dataset: values and counts under the filters.",
)
def dataset_facets(request: HttpRequest, dataset_id: DatasetId, params: Query[DatasetFacetParams]) -> HttpResponse:
    access = open_dataset(request, dataset_id)
    if not access.has_data:
        facets = _requested_facets(params) or default_facets(access.fields, access.target.visible_fields)
        return json_response({"_links": [], "facets": [{"name": facet.name, "facets": []} for facet in facets]})
    target = _version_of(access, params)
    facets = _requested_facets(params) or default_facets(list(target.fields), target.visible_fields)
    return json_response({"_links": [], "facets": facets_of_dataset(target, params, facets)})


@route(
    "/catalog/datasets/{dataset_id}/attachments",
    operation_id="getDatasetAttachments",
    description=docs.DESCRIPTIONS["attachments"],
    openapi_extra=docs.ATTACHMENTS,
    tags=["Dataset"],
    summary="A dataset's attached files.",
)
def attachments(request: HttpRequest, dataset_id: DatasetId) -> HttpResponse:
    access = open_dataset(request, dataset_id)  # attachments are data: a metadata-only grant does not reach them
    items = [
        {
            "href": links.absolute(request, f"catalog/datasets/{dataset_id}/attachments/{item.attachment_id}"),
            "metas": {"mime-type": item.mimetype, "title": item.title, "id": item.attachment_id},
        }
        for item in access.dataset.attachments.all()
    ]
    return json_response({"_links": [], "attachments": items})


@route(
    "/catalog/datasets/{dataset_id}/attachments/{attachment_id}",
    operation_id="getDatasetAttachment",
    description=docs.DESCRIPTIONS["attachment"],
    openapi_extra=docs.ATTACHMENT,
    tags=["Dataset"],
    summary="Download an attached file.",
)
def attachment(request: HttpRequest, dataset_id: DatasetId, attachment_id: AttachmentId) -> HttpResponse:
    from django.http import FileResponse

    access = open_dataset(request, dataset_id)
    item = access.dataset.attachments.filter(attachment_id=attachment_id).first()
    if item is None:
        raise NotFound(f"Unknown attachment: {attachment_id}")
    return FileResponse(item.file.open("rb"), content_type=item.mimetype, as_attachment=True,
                        filename=item.file.name.rsplit("/", 1)[-1])  # fmt: skip


@route(
    "/catalog/datasets/{dataset_id}/exports",
    operation_id="listDatasetExportFormats",
    description=docs.DESCRIPTIONS["dataset_exports"],
    openapi_extra=docs.DATASET_EXPORT_FORMATS,
    tags=["Dataset"],
    summary="The export formats of a dataset.",
)
def dataset_exports(request: HttpRequest, dataset_id: DatasetId) -> HttpResponse:
    open_dataset(request, dataset_id)
    return json_response({"_links": links.export_formats(request, f"catalog/datasets/{dataset_id}/exports")})


@route(
    "/catalog/datasets/{dataset_id}/exports/{format}",
    operation_id="exportRecords",
    description=docs.DESCRIPTIONS["dataset_export"],
    openapi_extra=docs.DATASET_EXPORT,
    tags=["Dataset"],
    summary="Export a dataset's records, streamed: csv, json, jsonl, geojson, xlsx, parquet, shp, kml, gpx, fgb...",
)
def dataset_export(
    request: HttpRequest, dataset_id: DatasetId, format: DatasetFormat, params: Query[ExportParams]
) -> HttpResponse:
    access = open_dataset(request, dataset_id)
    # Linked-data exports name each field by the dataset's fields URL followed by its name.
    dataset_id = access.dataset.dataset_id
    vocabulary = request.build_absolute_uri(f"/api/explore/v2.1/catalog/datasets/{dataset_id}/fields#")
    stream = export_records(_version_of(access, params), format, params, vocabulary_uri=vocabulary)
    response = StreamingHttpResponse(stream, content_type=stream.content_type)
    response["Content-Disposition"] = f'attachment; filename="{dataset_id}{stream.filename_suffix}"'
    return response
