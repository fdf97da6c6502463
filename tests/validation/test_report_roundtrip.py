"""The report is stored with each version as JSON: to_dict/from_dict round-trips it."""

from __future__ import annotations

import json
from pathlib import Path

from datapolis.validation import ValidationReport, load_schema, validate_relation

from .conftest import read_file


def test_report_round_trips_through_json(con, schemas: Path) -> None:
    example = schemas / "scdl-subventions" / "exemple_invalide_erreurs_cellules.csv"
    prepared = read_file(con, example)
    report = validate_relation(
        con, prepared.relation, prepared.fields, load_schema(schemas / "scdl-subventions" / "schema.json")
    )
    assert report.errors and not report.valid

    stored = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    again = ValidationReport.from_dict(stored)
    assert again == report
    assert stored["format"] == 1
    first = stored["errors"][1]
    assert set(first) == {"row", "field", "schema_field", "rule", "value", "message"}
    assert stored["schema"] == {
        "name": "subventions",
        "title": "Subventions",
        "version": "2.1.1",
        "url": report.schema["url"],
    }
