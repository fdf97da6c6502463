"""The access matrix over HTTP: every role × every Explore endpoint × every kind of dataset, on both portals.

For each cell the rows and fields a role may see are worked out from the matrix
(ROWS, the grants, the share), and every endpoint must show exactly those: the catalog
and its counts, the dataset object, records, each record by id, facets, full-text
search, aggregations and every export format. A dataset a role may not see answers 404
on every endpoint and is absent from the catalog.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass

import pyarrow.parquet as pq
import pytest
from django.test import Client
from python_calamine import CalamineWorkbook

from datapolis.access import services
from datapolis.engine.exports import FORMATS
from tests.access.fixtures import FIELDS, FILTERED_FIELDS, MAIN_HOST, MEUDON_HOST, ROLES, ROWS

BASE = "/api/explore/v2.1"
ALL_FIELDS = frozenset(FIELDS)
ALL_IDS = frozenset(row[0] for row in ROWS)
MEUDON_IDS = frozenset(row[0] for row in ROWS if row[1] == "Meudon")
COMMUNE = {row[0]: row[1] for row in ROWS}
POPULATION = {row[0]: row[2] for row in ROWS}
SECRET = {row[0]: row[3] for row in ROWS}


@dataclass(frozen=True)
class Cell:
    """What one role sees of one dataset on one portal."""

    ids: frozenset[int]
    fields: frozenset[str]


def expected(role: str, host: str, dataset: str) -> Cell | None:
    editor = role in ("admin", "publisher")
    if host == MEUDON_HOST:
        return Cell(MEUDON_IDS, ALL_FIELDS) if dataset == "shared" else None
    if dataset in ("public", "shared") or (editor and dataset != "public"):
        return Cell(ALL_IDS, ALL_FIELDS)
    if dataset == "filtered" and role == "member":
        return Cell(MEUDON_IDS, FILTERED_FIELDS)
    return None


class Caller:
    def __init__(self, key: str | None, host: str):
        self.client = Client()
        self.extra = {"HTTP_HOST": host}
        if key:
            self.extra["HTTP_AUTHORIZATION"] = f"Apikey {key}"

    def get(self, path: str, **params):
        return self.client.get(BASE + path, params, **self.extra)

    def json(self, path: str, **params):
        response = self.get(path, **params)
        assert response.status_code == 200, (path, params, response.status_code, response.content[:300])
        return response.json()


@pytest.fixture
def callers(matrix_with_data):
    keys = {role: services.create_api_key(role, actor="test")[1] for role in ROLES if role != "anonymous"}
    return {(role, host): Caller(keys.get(role), host) for role in ROLES for host in (MAIN_HOST, MEUDON_HOST)}


@pytest.fixture
def record_ids(callers):
    """Record id of each row of each dataset, as the admin sees them on the main portal."""
    admin = callers[("admin", MAIN_HOST)]
    ids = {}
    for dataset in ("public", "restricted", "filtered", "shared"):
        results = admin.json(f"/catalog/datasets/{dataset}/records", limit=100, include_links="true")["results"]
        ids[dataset] = {int(result["id"]): result["_id"] for result in results}
        assert set(ids[dataset]) == ALL_IDS
    return ids


def rows_of(results: list[dict]) -> dict[int, dict]:
    return {int(result["id"]): result for result in results}


def check_records(caller: Caller, dataset: str, cell: Cell) -> None:
    body = caller.json(f"/catalog/datasets/{dataset}/records", limit=100, select="*")
    assert body["total_count"] == len(cell.ids)
    rows = rows_of(body["results"])
    assert set(rows) == cell.ids
    for row_id, row in rows.items():
        assert set(row) == cell.fields
        assert (row["commune"], row["population"]) == (COMMUNE[row_id], POPULATION[row_id])


def check_record_by_id(caller: Caller, dataset: str, cell: Cell, record_ids: dict) -> None:
    for row_id, record_id in record_ids[dataset].items():
        response = caller.get(f"/catalog/datasets/{dataset}/records/{record_id}")
        if row_id in cell.ids:
            assert response.status_code == 200
            assert set(response.json()) == cell.fields
            assert int(response.json()["id"]) == row_id
        else:
            assert response.status_code == 404, (dataset, row_id)


def check_facets(caller: Caller, dataset: str, cell: Cell) -> None:
    facets = caller.json(f"/catalog/datasets/{dataset}/facets", facet="commune")["facets"]
    counts = {value["name"]: value["count"] for value in facets[0]["facets"]}
    expected_counts: dict[str, int] = {}
    for row_id in cell.ids:
        expected_counts[COMMUNE[row_id]] = expected_counts.get(COMMUNE[row_id], 0) + 1
    assert counts == expected_counts


def check_search(caller: Caller, dataset: str, cell: Cell) -> None:
    for word in ("Meudon", "Clamart"):
        body = caller.json(f"/catalog/datasets/{dataset}/records", where=f'"{word}"', limit=100)
        assert {int(r["id"]) for r in body["results"]} == {i for i in cell.ids if COMMUNE[i] == word}
    # A hidden field's values are not searchable: a hit would tell what it holds.
    body = caller.json(f"/catalog/datasets/{dataset}/records", where=f'"{SECRET[1]}"', limit=100)
    assert body["total_count"] == (1 if "secret" in cell.fields and 1 in cell.ids else 0)


def check_aggregations(caller: Caller, dataset: str, cell: Cell) -> None:
    grouped = caller.json(
        f"/catalog/datasets/{dataset}/records", select="commune, count(*) as n, sum(population) as total",
        group_by="commune", limit=100,
    )  # fmt: skip
    got = {r["commune"]: (r["n"], r["total"]) for r in grouped["results"]}
    want: dict[str, tuple[int, int]] = {}
    for row_id in cell.ids:
        n, total = want.get(COMMUNE[row_id], (0, 0))
        want[COMMUNE[row_id]] = (n + 1, total + POPULATION[row_id])
    assert got == want
    overall = caller.json(f"/catalog/datasets/{dataset}/records", select="count(*) as n")["results"]
    assert overall == [{"n": len(cell.ids)}]


def export_rows(fmt: str, content: bytes) -> dict[int, dict] | None:
    """The rows of an export, for the formats read back here; None for the others."""
    if fmt == "csv":
        text = content.decode("utf-8-sig")
        return rows_of(list(csv.DictReader(io.StringIO(text), delimiter=";")))
    if fmt == "json":
        return rows_of(json.loads(content))
    if fmt == "jsonl":
        return rows_of([json.loads(line) for line in content.decode().splitlines() if line.strip()])
    if fmt == "geojson":
        return rows_of([feature["properties"] for feature in json.loads(content)["features"]])
    if fmt == "parquet":
        return rows_of(pq.read_table(io.BytesIO(content)).to_pylist())
    if fmt == "xlsx":
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
        header = [str(name) for name in sheet[0]]
        return rows_of([dict(zip(header, values, strict=True)) for values in sheet[1:]])
    return None


def export_bytes(fmt: str, content: bytes) -> bytes:
    """Every byte of an export, archives unpacked, to look for values that must not be there."""
    if fmt == "shp":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return b"".join(archive.read(name) for name in archive.namelist())
    return content


def check_exports(caller: Caller, dataset: str, cell: Cell) -> None:
    hidden_ids = ALL_IDS - cell.ids
    for fmt in FORMATS:
        response = caller.get(f"/catalog/datasets/{dataset}/exports/{fmt}")
        assert response.status_code == 200, (fmt, response.status_code)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        rows = export_rows(fmt, content)
        if rows is not None:
            assert set(rows) == cell.ids, fmt
            for row in rows.values():
                assert set(row) - {"geo_point_2d"} <= cell.fields | {"geo"}, fmt
                assert "secret" not in row or "secret" in cell.fields, fmt
        raw = export_bytes(fmt, content)
        for row_id in hidden_ids:
            assert SECRET[row_id].encode() not in raw, (fmt, row_id)
        if "secret" not in cell.fields:
            assert b"secret-" not in raw, fmt
        if cell.ids == MEUDON_IDS:
            assert b"Clamart" not in raw, fmt


def check_invisible(caller: Caller, dataset: str, record_ids: dict) -> None:
    paths = [
        f"/catalog/datasets/{dataset}",
        f"/catalog/datasets/{dataset}/records",
        f"/catalog/datasets/{dataset}/facets",
        f"/catalog/datasets/{dataset}/exports",
        *(f"/catalog/datasets/{dataset}/exports/{fmt}" for fmt in FORMATS),
        *(f"/catalog/datasets/{dataset}/records/{record_id}" for record_id in record_ids[dataset].values()),
    ]
    for path in paths:
        response = caller.get(path)
        assert response.status_code == 404, path
        assert dataset in response.json()["message"] or "record" in response.json()["message"].lower()


def check_catalog(caller: Caller, role: str, host: str) -> None:
    body = caller.json("/catalog/datasets", limit=100)
    counts = {item["dataset_id"]: item["metas"]["default"]["records_count"] for item in body["results"]}
    want = {}
    for dataset in ("public", "restricted", "filtered", "shared"):
        cell = expected(role, host, dataset)
        if cell is not None:
            want[dataset] = len(cell.ids)
    assert counts == want
    assert body["total_count"] == len(want)
    facets = caller.json("/catalog/facets", facet="visibility")["facets"]
    total = sum(value["count"] for facet in facets for value in facet["facets"])
    assert total == len(want)


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_shows_exactly_what_the_role_may_see(callers, record_ids, role):
    for host in (MAIN_HOST, MEUDON_HOST):
        caller = callers[(role, host)]
        check_catalog(caller, role, host)
        for dataset in ("public", "restricted", "filtered", "shared"):
            cell = expected(role, host, dataset)
            if cell is None:
                check_invisible(caller, dataset, record_ids)
                continue
            dataset_object = caller.json(f"/catalog/datasets/{dataset}")
            assert dataset_object["metas"]["default"]["records_count"] == len(cell.ids)
            assert {field["name"] for field in dataset_object["fields"]} == cell.fields
            check_records(caller, dataset, cell)
            check_record_by_id(caller, dataset, cell, record_ids)
            check_facets(caller, dataset, cell)
            check_search(caller, dataset, cell)
            check_aggregations(caller, dataset, cell)
            check_exports(caller, dataset, cell)
