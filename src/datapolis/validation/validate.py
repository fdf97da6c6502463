"""Validating a DuckDB relation against a Table Schema with frictionless.

The matched fields are exported to a temporary CSV by DuckDB (datapolis.validation.export),
which frictionless streams row by row: no dataset is loaded into Python objects. Every
error is counted; the first `max_errors` are kept with their data row, dataset field,
rule and value. Schema fields absent from the data are errors ("missing-field"); data
fields the schema does not name are warnings ("extra-field").
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
from frictionless import Control, Detector, Dialect, Resource
from frictionless.error import Error

from datapolis.engine.sql import quote_identifier
from datapolis.schema import FieldSpec
from datapolis.validation.export import export_csv
from datapolis.validation.matching import Matching, match_fields
from datapolis.validation.messages import extra_field_issue, issue_from_error, missing_field_issue
from datapolis.validation.report import Collector, ValidationIssue, ValidationReport
from datapolis.validation.schemas import TableSchema

CSV_NAME = "data.csv"


def validate_relation(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    fields: list[FieldSpec],
    schema: TableSchema,
    *,
    max_errors: int = 1000,
) -> ValidationReport:
    """Validate the rows of `relation` (a view or table in `con`) against `schema`."""
    started = time.perf_counter()
    matching = match_fields(schema.fields, fields)
    collector = Collector(max_errors)
    for name in matching.missing:
        collector.add(missing_field_issue(schema, name))
    rows = _count(con, relation)
    if matching.pairs:
        for issue in _stream_issues(con, relation, matching, schema):
            collector.add(issue)
    return ValidationReport(
        valid=collector.count == 0,
        rows=rows,
        error_count=collector.count,
        errors=collector.errors,
        by_rule=collector.by_rule,
        by_field=collector.by_field,
        missing_fields=matching.missing,
        extra_fields=matching.extra,
        warnings=[extra_field_issue(name) for name in matching.extra],
        schema=schema.info(),
        truncated=collector.count > len(collector.errors),
        seconds=round(time.perf_counter() - started, 3),
    )


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    query = f"SELECT count(*) FROM {quote_identifier(relation)}"  # noqa: S608
    return int(con.execute(query).fetchone()[0])


def _stream_issues(
    con: duckdb.DuckDBPyConnection, relation: str, matching: Matching, schema: TableSchema
) -> Iterator[ValidationIssue]:
    names = [name for name, _ in matching.pairs]
    dataset_names = {name: spec.name for name, spec in matching.pairs}
    descriptors = {name: schema.field_descriptor(name) for name in names}
    with tempfile.TemporaryDirectory(prefix="datapolis-validation-") as folder:
        export_csv(con, relation, matching.pairs, descriptors, Path(folder) / CSV_NAME)
        resource = _resource(folder, schema, names)
        with resource:
            for error in _errors(resource):
                yield issue_from_error(error, dataset_names, descriptors)


def _resource(folder: str, schema: TableSchema, names: list[str]) -> Resource:
    return Resource(
        path=CSV_NAME,
        basepath=folder,
        format="csv",
        encoding="utf-8",
        schema=schema.frictionless_schema(names),
        dialect=Dialect(header_rows=[1], controls=[Control.from_descriptor({"type": "csv", "delimiter": ","})]),
        detector=Detector(schema_sync=False),
    )


def _errors(resource: Resource) -> Iterator[Error]:
    yield from resource.header.errors
    for row in resource.row_stream:
        yield from row.errors
