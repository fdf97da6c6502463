"""Typed values are written in the form the schema expects: datetimes, dates in a format,
points as geopoints, geometries as GeoJSON, multivalued text joined by its separator."""

from __future__ import annotations

import json
from pathlib import Path

from datapolis.validation import load_schema, validate_relation
from datapolis.validation.export import cell_sql

from .conftest import read_file, schema_json
from .independent import read_rows

COUNTS = "comptages-routiers-paris/comptages-routiers-permanents-washington.csv"

SCHEMA = {
    "fields": [
        {"name": "Date et heure de comptage", "type": "datetime", "constraints": {"required": True}},
        {"name": "Date debut dispo data", "type": "date", "format": "%d/%m/%Y"},
        {"name": "geo_point_2d", "type": "geopoint", "format": "array"},
        {"name": "geo_shape", "type": "geojson", "constraints": {"required": True}},
        {"name": "Débit horaire", "type": "integer", "constraints": {"minimum": 0}},
    ]
}


def test_typed_values_pass_their_schema_types(con, shared_datasets: Path) -> None:
    prepared = read_file(con, shared_datasets / COUNTS)
    _, rows = read_rows(shared_datasets / COUNTS, delimiter=";")
    report = validate_relation(con, prepared.relation, prepared.fields, load_schema(SCHEMA))
    # Raw counts are written "1034.0": integral doubles are written without ".0" for an integer field.
    assert sum(1 for row in rows if row["Débit horaire"].endswith(".0")) > len(rows) / 2
    fractional = sum(1 for row in rows if row["Débit horaire"] and float(row["Débit horaire"]) % 1)
    assert report.by_rule.get("type", 0) == fractional
    assert report.missing_fields == []
    assert report.error_count == fractional
    assert report.rows == len(rows)


def test_cell_forms(con, shared_datasets: Path) -> None:
    prepared = read_file(con, shared_datasets / COUNTS)
    specs = {spec.label: spec for spec in prepared.fields}
    _, rows = read_rows(shared_datasets / COUNTS, delimiter=";")
    first = rows[0]

    def cell(label: str, descriptor: dict) -> str:
        sql = cell_sql(specs[label], descriptor)
        return con.execute(f'SELECT {sql} FROM "{prepared.relation}" LIMIT 1').fetchone()[0]

    assert first["Date et heure de comptage"] == "2024-01-04T22:00:00+01:00"
    assert cell("Date et heure de comptage", {"type": "datetime"}) == "2024-01-04T21:00:00Z"
    assert cell("Date debut dispo data", {"type": "date", "format": "%d/%m/%Y"}) == "10/10/1996"
    lat, lon = (part.strip() for part in first["geo_point_2d"].split(","))
    assert json.loads(cell("geo_point_2d", {"type": "geopoint", "format": "array"})) == [float(lon), float(lat)]
    assert cell("geo_point_2d", {"type": "geopoint"}).split(",") == [lon, lat]
    assert cell("geo_point_2d", {"type": "string"}) == f"{lat},{lon}"
    shape = json.loads(cell("geo_shape", {"type": "geojson"}))
    assert shape == json.loads(first["geo_shape"])
    assert cell("Débit horaire", {"type": "integer"}) == "1034"
    assert cell("Débit horaire", {"type": "number", "decimalChar": ","}) == "1034.0".replace(".", ",")


def test_multivalued_text_is_joined_by_its_separator(con, schemas: Path) -> None:
    example = schemas / "scdl-subventions" / "exemple_invalide_erreurs_cellules.csv"
    prepared = read_file(con, example, multivalued={"nature": ","})
    nature = next(spec for spec in prepared.fields if spec.name == "nature")
    assert nature.annotations.get("multivalued") == [","]
    schema = load_schema(schema_json(schemas / "scdl-subventions" / "schema.json"))
    report = validate_relation(con, prepared.relation, prepared.fields, schema)
    _, rows = read_rows(example)
    enum = [issue for issue in report.errors if issue.rule == "enum"]
    assert [(issue.row, issue.value) for issue in enum] == [(15, rows[14]["nature"])]
    assert rows[14]["nature"] == "aide en numéraire,aide en nature"
    as_array = cell_sql(nature, {"type": "array"})
    value = con.execute(f'SELECT {as_array} FROM "{prepared.relation}" LIMIT 14 OFFSET 14').fetchone()[0]
    assert json.loads(value) == ["aide en numéraire", "aide en nature"]
