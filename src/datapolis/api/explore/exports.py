"""Exports of a dataset's records (§2.3), streamed in constant memory by the engine."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest, StreamingHttpResponse

from datapolis.api.explore.datasets import DatasetAccess
from datapolis.api.explore.errors import ApiError, NotFound
from datapolis.api.explore.params import ExportParams, export_bounds, query_spec
from datapolis.catalog.storage import get_store
from datapolis.engine.exports import FORMATS, ExportColumn, ExportError, ExportOptions, ExportStream, export_query
from datapolis.odsql import CompiledQuery, compile_query
from datapolis.schema import FieldSpec


def export_options(params: ExportParams, dataset_id: str, vocabulary_uri: str | None = None) -> ExportOptions:
    fields = tuple(name.strip() for name in (params.description_field_list or "").split(",") if name.strip())
    return ExportOptions(
        timezone=params.timezone or "UTC",
        use_labels=params.use_labels,
        compressed=params.compressed,
        epsg=params.epsg,
        delimiter=params.delimiter,
        list_separator=params.list_separator,
        quote_all=params.quote_all,
        with_bom=params.with_bom,
        parquet_compression=params.parquet_compression,
        name_field=params.name_field,
        description_field_list=fields,
        use_extension=params.use_extension,
        layer_name=_layer_name(dataset_id),
        **({"vocabulary_uri": vocabulary_uri} if vocabulary_uri else {}),
    )


def _layer_name(dataset_id: str) -> str:
    """The layer, sheet and archive members take the dataset's name (`[A-Za-z0-9_-]`, 64 at most)."""
    return dataset_id[:64]


def export_columns(compiled: CompiledQuery, fields: Iterable[FieldSpec]) -> list[ExportColumn]:
    """The compiled query's columns, labelled from `fields` (a column's own name if none)."""
    labels = {spec.name: spec.label for spec in fields}
    return [
        ExportColumn(
            name=column.sql_name,
            label=labels.get(column.name, column.name),
            type=column.type,
            multivalued=column.multivalued,
        )
        for column in compiled.columns
    ]


def start_export(
    compiled: CompiledQuery, fields: Iterable[FieldSpec], format: str, options: ExportOptions
) -> ExportStream:
    """Start the engine's export of `compiled`; an export the engine refuses is an `ApiError` (400)."""
    store = get_store()
    try:
        return export_query(
            store.cursor(),
            compiled.sql,
            compiled.params,
            export_columns(compiled, fields),
            format,
            options,
            temp_dir=store.location.temp_directory,
        )
    except ExportError as error:
        raise ApiError(str(error)) from None


def _vocabulary(request: HttpRequest, dataset_id: str) -> str:
    """Linked-data exports name each field by the dataset's API URL followed by the field name."""
    return request.build_absolute_uri(f"/api/explore/v2.1/catalog/datasets/{dataset_id}/fields#")


def export_records(request: HttpRequest, access: DatasetAccess, format: str, params: ExportParams):
    """The streamed file of the caller's records in `format`."""
    if format not in FORMATS:
        raise ApiError(f"Unknown export format: {format}. Available formats: {', '.join(FORMATS)}.")
    limit, offset = export_bounds(params.limit, params.offset)
    spec = query_spec(
        params, restrictions=access.row_filters, visible_fields=access.visible_fields, limit=limit, offset=offset
    )
    if not access.has_data:
        raise NotFound(f"The dataset {access.dataset.dataset_id} has no records to export yet.")
    compiled = compile_query(spec, access.fields, access.relation(), storage_values=True)
    options = export_options(params, access.dataset.dataset_id, _vocabulary(request, access.dataset.dataset_id))
    stream = start_export(compiled, access.fields, format, options)
    response = StreamingHttpResponse(stream, content_type=stream.content_type)
    filename = f"{access.dataset.dataset_id}{stream.filename_suffix}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
