"""The report keeps the first max_errors errors and counts them all."""

from __future__ import annotations

from pathlib import Path

from datapolis.validation import load_schema, validate_relation

from .conftest import read_file, schema_json
from .independent import count_by, read_rows, violations

FILE = "irve/bornes-IRVE-2019.csv"


def test_cap_keeps_the_first_errors_and_exact_totals(con, shared_datasets: Path, schemas: Path) -> None:
    prepared = read_file(con, shared_datasets / FILE)
    descriptor = schema_json(schemas / "irve-v1" / "schema.json")
    _, rows = read_rows(shared_datasets / FILE, delimiter=";")
    expected = violations(rows, descriptor)

    report = validate_relation(con, prepared.relation, prepared.fields, load_schema(descriptor), max_errors=25)
    assert len(report.errors) == 25
    assert [(issue.row, issue.schema_field, issue.rule) for issue in report.errors] == expected[:25]
    assert report.error_count == len(expected)
    assert sum(report.by_rule.values()) == len(expected)
    assert report.by_rule == dict(count_by(expected, 2))
    assert report.truncated
    assert report.rows == len(rows)


def test_no_truncation_under_the_cap(con, schemas: Path) -> None:
    example = schemas / "scdl-subventions" / "exemple_invalide_erreurs_cellules.csv"
    prepared = read_file(con, example)
    report = validate_relation(
        con, prepared.relation, prepared.fields, load_schema(schemas / "scdl-subventions" / "schema.json")
    )
    assert not report.truncated
    assert len(report.errors) == report.error_count
