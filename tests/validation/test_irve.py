"""The 2019 national IRVE aggregation against the IRVE schemas (v1, and the static v2.3.0).

Counts of each rule on each field are recomputed from the raw CSV with the csv module.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from datapolis.schema import normalise_field_name
from datapolis.validation import load_schema, validate_relation

from .conftest import read_file, schema_json
from .independent import count_by, read_rows, violations

FILE = "irve/bornes-IRVE-2019.csv"


@pytest.fixture
def irve(con, shared_datasets: Path):
    prepared = read_file(con, shared_datasets / FILE)
    header, rows = read_rows(shared_datasets / FILE, delimiter=";")
    return prepared, header, rows


def test_irve_2019_against_v1_counts_each_rule(con, irve, schemas: Path) -> None:
    prepared, _, rows = irve
    descriptor = schema_json(schemas / "irve-v1" / "schema.json")
    report = validate_relation(con, prepared.relation, prepared.fields, load_schema(descriptor))

    expected = violations(rows, descriptor)
    assert report.rows == len(rows) == 10030
    assert report.missing_fields == []
    assert report.extra_fields == ["source"]
    assert report.by_rule == dict(count_by(expected, 2))
    names = {spec["name"]: normalise_field_name(spec["name"]) for spec in descriptor["fields"]}
    assert report.by_field == {names[name]: n for name, n in count_by(expected, 1).items()}
    assert report.error_count == len(expected) > 1000
    kept = [(issue.row, issue.schema_field, issue.rule) for issue in report.errors]
    assert kept == expected[:1000]
    assert report.truncated


def test_irve_2019_values_point_at_the_raw_cells(con, irve, schemas: Path) -> None:
    prepared, _, rows = irve
    schema = load_schema(schemas / "irve-v1" / "schema.json")
    report = validate_relation(con, prepared.relation, prepared.fields, schema)
    for issue in report.errors:
        if issue.rule in ("pattern", "type"):
            assert issue.value == rows[issue.row - 1][issue.schema_field]
        if issue.rule == "required":
            assert issue.value is None and rows[issue.row - 1][issue.schema_field] == ""
    insee = next(issue for issue in report.errors if issue.field == "code_insee")
    assert insee.rule == "pattern" and insee.value == "-"
    assert "does not match the pattern" in insee.message


def test_irve_2019_against_static_v2(con, irve, schemas: Path) -> None:
    prepared, header, rows = irve
    descriptor = schema_json(schemas / "irve" / "schema-statique.json")
    report = validate_relation(con, prepared.relation, prepared.fields, load_schema(descriptor))

    schema_names = [spec["name"] for spec in descriptor["fields"]]
    assert report.missing_fields == [name for name in schema_names if name not in header]
    assert set(report.extra_fields) == {normalise_field_name(name) for name in header if name not in schema_names}
    # The reader types date_maj ("2018/06/04") as a date, written as the schema's ISO date.
    iso = [{**row, "date_maj": row["date_maj"].replace("/", "-")} for row in rows]
    expected = violations(iso, descriptor)
    assert count_by(violations(rows, descriptor), 2)["type"] == len(rows) + 2  # the raw dates would fail
    assert {key: n for key, n in report.by_rule.items() if key != "missing-field"} == dict(count_by(expected, 2))
    assert report.by_rule["missing-field"] == len(report.missing_fields) == 37
    assert report.error_count == len(expected) + 37
    assert report.schema == {
        "name": "schema-irve-statique",
        "title": "IRVE statique",
        "version": "v2.3.0",
        "url": "https://raw.githubusercontent.com/etalab/schema-irve/v2.3.0/statique/schema-statique.json",
    }
