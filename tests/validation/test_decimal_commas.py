"""Numbers written with a decimal comma, under headers with accents, pass numeric checks.

The SSMSI crime statistics file writes "308491,1600513844" and "7,83177350511023e-03";
the reader converts them to doubles, and the export writes them with a point, as the
schema's `number` type reads them. Fields are matched by their label ("Code.département").
"""

from __future__ import annotations

from pathlib import Path

from datapolis.validation import load_schema, validate_relation

from .conftest import read_file
from .independent import count_by, read_rows, violations

FILE = "delinquance-ssmsi/donnee-dep-data.gouv-2023-geographie2024-produit-le2024-07-05.csv"

SCHEMA = {
    "name": "delinquance-departementale",
    "title": "Crimes et délits enregistrés par département",
    "version": "0.1.0",
    "fields": [
        {"name": "classe", "type": "string", "constraints": {"required": True}},
        {"name": "Code.département", "type": "string", "constraints": {"pattern": r"(\d{2}|2A|2B|97\d)"}},
        {
            "name": "unité.de.compte",
            "type": "string",
            "constraints": {"enum": ["victime", "victime entendue", "Mis en cause", "infraction", "véhicule"]},
        },
        {"name": "faits", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "LOG", "type": "number", "constraints": {"required": True, "minimum": 1000}},
        {"name": "tauxpourmille", "type": "number", "constraints": {"minimum": 0, "maximum": 5}},
    ],
}


def test_decimal_commas_and_accented_labels(con, shared_datasets: Path) -> None:
    prepared = read_file(con, shared_datasets / FILE)
    types = {spec.label: spec.type for spec in prepared.fields}
    assert types["LOG"] == types["tauxpourmille"] == "double"
    header, rows = read_rows(shared_datasets / FILE, delimiter=";")
    assert rows[0]["LOG"] == "308491,1600513844"

    report = validate_relation(con, prepared.relation, prepared.fields, load_schema(SCHEMA))
    expected = violations(rows, SCHEMA, decimal_comma=True)
    assert report.missing_fields == []
    assert report.by_rule == dict(count_by(expected, 2))
    assert [(issue.row, issue.schema_field, issue.rule) for issue in report.errors] == expected[:1000]
    assert count_by(expected, 2)["maximum"] > 0  # the check can fail: some rates exceed 5 per thousand
    assert "type" not in report.by_rule
    matched = {issue.schema_field: issue.field for issue in report.errors}
    assert matched.get("tauxpourmille") == "tauxpourmille"
    extra = {name for name in header if name not in {spec["name"] for spec in SCHEMA["fields"]}}
    assert len(report.extra_fields) == len(extra)
