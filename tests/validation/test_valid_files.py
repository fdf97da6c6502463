"""Files that pass their schema fully, and the schema's own invalid example that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from datapolis.validation import load_schema, validate_relation

from .conftest import read_file, schema_json
from .independent import count_by, read_rows, violations


@pytest.mark.parametrize(
    ("example", "schema"),
    [
        ("irve/exemple-valide-statique.csv", "irve/schema-statique.json"),
        ("scdl-subventions/exemple_valide.csv", "scdl-subventions/schema.json"),
    ],
)
def test_valid_example_passes(con, schemas: Path, example: str, schema: str) -> None:
    prepared = read_file(con, schemas / example)
    descriptor = schema_json(schemas / schema)
    _, rows = read_rows(schemas / example)
    assert violations(rows, descriptor) == []  # the independent check agrees it is valid

    report = validate_relation(con, prepared.relation, prepared.fields, load_schema(descriptor))
    assert report.valid
    assert report.error_count == 0 and report.errors == []
    assert report.by_rule == {} and report.by_field == {}
    assert report.missing_fields == [] and report.extra_fields == []
    assert report.rows == len(rows) > 0


def test_invalid_cells_example_is_reported_row_by_row(con, schemas: Path) -> None:
    example = schemas / "scdl-subventions" / "exemple_invalide_erreurs_cellules.csv"
    prepared = read_file(con, example)
    descriptor = schema_json(schemas / "scdl-subventions" / "schema.json")
    header, rows = read_rows(example)
    report = validate_relation(con, prepared.relation, prepared.fields, load_schema(descriptor))

    expected = violations(rows, descriptor)
    assert len(expected) > 5
    assert not report.valid
    missing = [spec["name"] for spec in descriptor["fields"] if spec["name"] not in header]
    assert report.missing_fields == missing
    # The reader types notificationUE as a boolean: "no" and "yes" become booleans, written as the
    # schema's "non" and "oui". Validation checks typed values, so those two raw spellings pass.
    raw_booleans = [item for item in expected if item[1] == "notificationUE"]
    assert [rows[item[0] - 1]["notificationUE"] for item in raw_booleans] == ["no", "yes"]
    expected = [item for item in expected if item not in raw_booleans]
    cells = [(issue.row, issue.schema_field, issue.rule) for issue in report.errors if issue.row is not None]
    assert cells == expected
    assert {rule: n for rule, n in report.by_rule.items() if rule != "missing-field"} == dict(count_by(expected, 2))


def test_a_field_read_as_text_is_checked_in_its_raw_spelling(con, schemas: Path) -> None:
    example = schemas / "scdl-subventions" / "exemple_invalide_erreurs_cellules.csv"
    prepared = read_file(con, example, field_types={"notificationue": "text"})
    descriptor = schema_json(schemas / "scdl-subventions" / "schema.json")
    _, rows = read_rows(example)
    report = validate_relation(con, prepared.relation, prepared.fields, load_schema(descriptor))
    expected = [item for item in violations(rows, descriptor) if item[1] == "notificationUE"]
    found = [(issue.row, issue.schema_field, issue.rule) for issue in report.errors if issue.field == "notificationue"]
    assert found == expected == [(5, "notificationUE", "type"), (7, "notificationUE", "type")]
