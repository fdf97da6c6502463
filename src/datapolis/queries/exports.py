"""Exports of a dataset's records (§2.3), streamed in constant memory by the engine."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from datapolis.engine import Store
from datapolis.engine.exports import FORMATS, ExportColumn, ExportError, ExportOptions, ExportStream, export_query
from datapolis.odsql import CompiledQuery, compile_query
from datapolis.queries.errors import NotFound, QueryError
from datapolis.queries.requests import RecordsRequest, export_bounds
from datapolis.queries.target import QueryTarget
from datapolis.schema import FieldSpec


@dataclass
class ExportRequest(RecordsRequest):
    """Records to export (`limit=-1`: all of them) and the file's options."""

    limit: int = -1
    use_labels: bool = False
    compressed: bool = False
    epsg: int = 4326
    delimiter: str = ";"
    list_separator: str = ","
    quote_all: bool = False
    with_bom: bool = True
    parquet_compression: Literal["snappy", "zstd"] = "snappy"
    name_field: str | None = None
    description_field_list: str | None = None
    use_extension: bool = True


def export_options(request: ExportRequest, dataset_id: str, vocabulary_uri: str | None = None) -> ExportOptions:
    fields = tuple(name.strip() for name in (request.description_field_list or "").split(",") if name.strip())
    return ExportOptions(
        timezone=request.timezone or "UTC",
        use_labels=request.use_labels,
        compressed=request.compressed,
        epsg=request.epsg,
        delimiter=request.delimiter,
        list_separator=request.list_separator,
        quote_all=request.quote_all,
        with_bom=request.with_bom,
        parquet_compression=request.parquet_compression,
        name_field=request.name_field,
        description_field_list=fields,
        use_extension=request.use_extension,
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
    store: Store, compiled: CompiledQuery, fields: Iterable[FieldSpec], format: str, options: ExportOptions
) -> ExportStream:
    """Start the engine's export of `compiled`; an export the engine refuses is a `QueryError` (400)."""
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
        raise QueryError(str(error)) from None


def export_records(
    target: QueryTarget, format: str, request: ExportRequest, *, vocabulary_uri: str | None = None
) -> ExportStream:
    """The streamed file of the caller's records of `target` in `format`.

    `vocabulary_uri` names each field in linked-data exports (the dataset's fields URL).
    """
    if format not in FORMATS:
        raise QueryError(f"Unknown export format: {format}. Available formats: {', '.join(FORMATS)}.")
    limit, offset = export_bounds(request.limit, request.offset)
    spec = target.query_spec(request, limit=limit, offset=offset)
    if not target.has_data:
        raise NotFound(f"The dataset {target.dataset_id} has no records to export yet.")
    compiled = compile_query(spec, target.fields, target.relation(), storage_values=True)
    options = export_options(request, target.dataset_id, vocabulary_uri)
    return start_export(target.store, compiled, target.fields, format, options)
