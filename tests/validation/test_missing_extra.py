"""Schema fields absent from the data are errors; data fields the schema does not name are warnings."""

from __future__ import annotations

from pathlib import Path

from datapolis.validation import load_schema, validate_relation

from .conftest import read_file, schema_json
from .independent import read_rows

EXAMPLE = "irve/exemple-valide-statique.csv"


def test_extra_fields_warn_without_invalidating(con, schemas: Path) -> None:
    prepared = read_file(con, schemas / EXAMPLE)
    descriptor = schema_json(schemas / "irve" / "schema-statique.json")
    kept = [spec for spec in descriptor["fields"] if spec["name"] not in ("tarification", "observations")]
    optional_only = {**descriptor, "fields": kept}
    report = validate_relation(con, prepared.relation, prepared.fields, load_schema(optional_only))
    assert report.valid
    assert report.extra_fields == ["tarification", "observations"]
    assert [(issue.rule, issue.field) for issue in report.warnings] == [
        ("extra-field", "tarification"),
        ("extra-field", "observations"),
    ]
    assert report.error_count == 0


def test_missing_fields_are_errors_once_each(con, schemas: Path) -> None:
    prepared = read_file(con, schemas / EXAMPLE)
    dropped = {"horaires", "id_pdc_local", "date_maj"}
    fields = [spec for spec in prepared.fields if spec.name not in dropped]
    view = "without_three_fields"
    con.execute(f'CREATE VIEW {view} AS SELECT {", ".join(spec.name for spec in fields)} FROM "{prepared.relation}"')
    descriptor = schema_json(schemas / "irve" / "schema-statique.json")
    _, rows = read_rows(schemas / EXAMPLE)
    report = validate_relation(con, view, fields, load_schema(descriptor))

    assert report.missing_fields == [spec["name"] for spec in descriptor["fields"] if spec["name"] in dropped]
    assert report.error_count == 3 and report.by_rule == {"missing-field": 3}
    assert not report.valid
    required = {spec["name"] for spec in descriptor["fields"] if (spec.get("constraints") or {}).get("required")}
    for issue in report.errors:
        assert issue.row is None and issue.field is None
        assert ("required field" in issue.message) == (issue.schema_field in required)
    assert report.rows == len(rows)


def test_nothing_matches(con, schemas: Path) -> None:
    prepared = read_file(con, schemas / EXAMPLE)
    schema = load_schema({"fields": [{"name": "absent", "type": "string"}]})
    report = validate_relation(con, prepared.relation, prepared.fields, schema)
    assert report.missing_fields == ["absent"]
    assert len(report.extra_fields) == len(prepared.fields)
    assert report.error_count == 1
