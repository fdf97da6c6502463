"""Table Schema validation of a dataset version (no Django).

A dataset may declare a Table Schema (the format of schema.data.gouv.fr). `load_schema`
reads and checks it; `validate_relation` exports a DuckDB relation to a temporary CSV in
the form the schema expects, streams it through frictionless and maps each error back to
a dataset field and a data row. The caller decides to warn or block (docs/validation.md).
"""

from datapolis.validation.report import ValidationError_, ValidationIssue, ValidationReport
from datapolis.validation.schemas import SchemaError, TableSchema, load_schema
from datapolis.validation.validate import validate_relation

__all__ = [
    "SchemaError",
    "TableSchema",
    "ValidationError_",
    "ValidationIssue",
    "ValidationReport",
    "load_schema",
    "validate_relation",
]
