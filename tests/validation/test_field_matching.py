"""Schema fields match dataset fields by exact name, then by label, then by normalised name."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from datapolis.schema import FieldSpec, normalise_field_name
from datapolis.validation import load_schema, validate_relation
from datapolis.validation.matching import match_fields

from .conftest import read_file, schema_json

FILE = "subventions-castelmaurou/subventions-commune-de-castelmaurou.csv"


def test_camel_case_schema_fields_match_by_label(con, shared_datasets: Path, schemas: Path) -> None:
    prepared = read_file(con, shared_datasets / FILE)
    descriptor = schema_json(schemas / "scdl-subventions" / "schema.json")
    labels = {spec.label: spec.name for spec in prepared.fields}
    assert labels["nomAttribuant"] == "nomattribuant"  # Datapolis normalised the header

    matching = match_fields([spec["name"] for spec in descriptor["fields"]], prepared.fields)
    assert [(name, spec.name) for name, spec in matching.pairs] == [
        (name, labels[name]) for name in (spec["name"] for spec in descriptor["fields"]) if name in labels
    ]


def test_normalised_name_when_the_label_was_edited(con, shared_datasets: Path, schemas: Path) -> None:
    prepared = read_file(con, shared_datasets / FILE)
    relabelled = [dataclasses.replace(spec, label=f"Libellé {i}") for i, spec in enumerate(prepared.fields)]
    schema = load_schema(schemas / "scdl-subventions" / "schema.json")
    report = validate_relation(con, prepared.relation, relabelled, schema)
    assert report.missing_fields == ["rnaBeneficiaire", "dispositifAide"]
    assert report.extra_fields == []
    matching = match_fields(schema.fields, relabelled)
    assert all(spec.name == normalise_field_name(name) for name, spec in matching.pairs)


def test_exact_name_wins_over_label_and_each_field_matches_once() -> None:
    fields = [
        FieldSpec(name="code", label="id", type="text"),
        FieldSpec(name="id", label="Identifiant", type="text"),
        FieldSpec(name="nom_station", label="Nom", type="text"),
    ]
    matching = match_fields(["id", "code", "nomStation", "Nom"], fields)
    assert [(name, spec.name) for name, spec in matching.pairs] == [
        ("id", "id"),  # by name, though "code" is labelled "id"
        ("code", "code"),
        ("Nom", "nom_station"),  # by label, before nomStation could claim it...
    ]
    assert matching.missing == ["nomStation"]  # ...whose normalised name "nomstation" differs anyway
    assert matching.extra == []
