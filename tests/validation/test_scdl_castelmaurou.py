"""A real SCDL subsidies file in the pre-2.1 column set, against the SCDL 2.1.1 schema.

The README of shared/data says what fails: the columns added in 2.1 (rnaBeneficiaire,
dispositifAide) are missing. Every other check is recomputed from the raw CSV.
"""

from __future__ import annotations

from pathlib import Path

from datapolis.validation import load_schema, validate_relation

from .conftest import read_file, schema_json
from .independent import count_by, read_rows, violations

FILE = "subventions-castelmaurou/subventions-commune-de-castelmaurou.csv"


def test_castelmaurou_misses_the_columns_added_in_2_1(con, shared_datasets: Path, schemas: Path) -> None:
    prepared = read_file(con, shared_datasets / FILE)
    descriptor = schema_json(schemas / "scdl-subventions" / "schema.json")
    report = validate_relation(con, prepared.relation, prepared.fields, load_schema(descriptor))

    header, rows = read_rows(shared_datasets / FILE)
    expected_missing = [spec["name"] for spec in descriptor["fields"] if spec["name"] not in header]
    assert expected_missing == ["rnaBeneficiaire", "dispositifAide"]
    assert report.missing_fields == expected_missing
    schema_names = {spec["name"] for spec in descriptor["fields"]}
    assert report.extra_fields == [name.lower() for name in header if name not in schema_names] == []
    assert report.rows == len(rows) == 95
    assert not report.valid

    cell_errors = violations(rows, descriptor)
    assert report.by_rule == {"missing-field": 2, **count_by(cell_errors, 2)}
    assert report.error_count == 2 + len(cell_errors)
    assert [(issue.row, issue.schema_field, issue.rule) for issue in report.errors if issue.row] == cell_errors


def test_castelmaurou_report_names_the_schema(con, shared_datasets: Path, schemas: Path) -> None:
    prepared = read_file(con, shared_datasets / FILE)
    schema = load_schema(schemas / "scdl-subventions" / "schema.json")
    report = validate_relation(con, prepared.relation, prepared.fields, schema)
    assert report.schema["name"] == "subventions"
    assert report.schema["version"] == "2.1.1"
    assert report.schema["title"] == "Subventions"
    assert report.schema["url"].endswith("/v2.1.1/schema.json")
    missing = [issue for issue in report.errors if issue.rule == "missing-field"]
    assert [(issue.schema_field, issue.field, issue.row) for issue in missing] == [
        ("rnaBeneficiaire", None, None),
        ("dispositifAide", None, None),
    ]
