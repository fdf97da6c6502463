"""Our own OpenAPI document (`/api/explore/v2.1/openapi.json`) documents every endpoint."""

from __future__ import annotations

import pytest
import schemathesis
from django.test import Client

ODS_OPERATION_IDS = {
    "getDatasets",
    "getDataset",
    "getDatasetsFacets",
    "listExportFormats",
    "exportDatasets",
    "getRecords",
    "getRecord",
    "getRecordsFacets",
    "getDatasetAttachments",
    "listDatasetExportFormats",
    "exportRecords",
}


@pytest.fixture
def document(db) -> dict:
    response = Client().get("/api/explore/v2.1/openapi.json", HTTP_HOST="data.example.fr")
    assert response.status_code == 200
    return response.json()


def operations(document: dict) -> list[dict]:
    return [operation for item in document["paths"].values() for operation in item.values()]


def test_every_operation_is_documented(document) -> None:
    for operation in operations(document):
        name = operation["operationId"]
        assert operation["summary"] and operation["description"] and operation["tags"], name
        for parameter in operation.get("parameters", []):
            assert parameter.get("description"), (name, parameter["name"])
        ok = operation["responses"]["200"]
        assert ok["description"] and ok["content"], name
        examples = [media.get("examples") or media.get("example") for media in ok["content"].values()]
        assert all(example is not None for example in examples), name
        assert {"400", "401", "429"} <= set(operation["responses"]), name
        if "{dataset_id}" in str(operation.get("parameters")):
            assert "404" in operation["responses"], name


def test_the_reference_operations_keep_their_ids(document) -> None:
    assert {operation["operationId"] for operation in operations(document)} >= ODS_OPERATION_IDS


def test_the_document_loads_as_openapi(document) -> None:
    schema = schemathesis.openapi.from_dict(document)

    loaded = [result.ok() for result in schema.get_all_operations()]

    assert len(loaded) == len(operations(document)) == 14
