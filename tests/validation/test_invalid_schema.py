"""load_schema refuses what is not a Table Schema, with a message saying why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datapolis.validation import SchemaError, load_schema


@pytest.mark.parametrize(
    ("descriptor", "words"),
    [
        ({}, "no list of fields"),
        ({"fields": "name"}, "no list of fields"),
        ({"fields": [{"name": "a", "type": "strng"}]}, 'field type "strng" is not supported'),
        ({"fields": [{"type": "string"}]}, "'name' is a required property"),
        ({"fields": [{"name": "a", "constraints": {"pattern": "(["}}]}, 'pattern of the field "a"'),
    ],
)
def test_invalid_descriptor_raises_schema_error(descriptor: dict, words: str) -> None:
    with pytest.raises(SchemaError) as caught:
        load_schema(descriptor)
    assert words in str(caught.value)


def test_not_json_file(tmp_path: Path) -> None:
    path = tmp_path / "schema.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(SchemaError, match="is not JSON"):
        load_schema(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="Cannot read the schema file"):
        load_schema(tmp_path / "absent.json")


def test_url_needs_the_callers_fetcher(schemas: Path) -> None:
    url = "https://schema.data.gouv.fr/schemas/etalab/schema-irve-statique/2.3.0/schema-statique.json"
    with pytest.raises(SchemaError, match="no fetcher"):
        load_schema(url)

    def refused(address: str) -> bytes:
        raise PermissionError(f"{address} is not allowed")

    with pytest.raises(SchemaError, match="not allowed"):
        load_schema(url, fetch=refused)

    content = (schemas / "irve" / "schema-statique.json").read_bytes()
    fetched: list[str] = []
    schema = load_schema(url, fetch=lambda address: fetched.append(address) or content)
    assert fetched == [url]
    assert schema.url == url
    assert schema.fields == [spec["name"] for spec in json.loads(content)["fields"]]


def test_real_schemas_with_tolerated_deviations_load(schemas: Path) -> None:
    # irve-v1 has examples frictionless cannot parse ("1, 10" for an integer); they are documentation.
    schema = load_schema(schemas / "irve-v1" / "schema.json")
    assert schema.version == "1.0.1" and "code_insee" in schema.fields
    # comptage-mobilites puts "required" beside the type instead of in the constraints.
    counting = load_schema(schemas / "comptage-mobilites-channel" / "schema.json")
    required = [spec for spec in counting.descriptor["fields"] if spec.get("required")]
    assert required
    restricted = counting.frictionless_schema([required[0]["name"]])
    assert restricted.fields[0].constraints["required"] is True
