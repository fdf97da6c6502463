"""Previews: the same SQL over the first rows, JSON-able values, fast on 100,000 rows."""

from __future__ import annotations

import json

import pytest

from datapolis.engine.store import Prepared
from datapolis.schema import FieldSpec
from datapolis.steps import parse_steps, preview_steps

PIPELINE = [
    {"kind": "retype", "options": {"field": "montant", "type": "double", "decimal_comma": True}},
    {"kind": "trim", "options": {"fields": ["nom"]}},
    {"kind": "pad", "options": {"field": "code", "preset": "insee"}},
    {"kind": "parse_date", "options": {"field": "jour", "format": "dd/mm/yyyy"}},
    {"kind": "point_from_latlon", "options": {"lat": "lat", "lon": "lon"}},
    {"kind": "filter", "options": {"where": "montant > 10"}},
    {"kind": "dedupe", "options": {"fields": ["code"]}},
]


def _table(con, n: int) -> Prepared:
    con.execute(f"""CREATE TEMP TABLE big AS SELECT
        '  nom ' || i || '  ' AS nom, CAST(i % 36000 AS VARCHAR) AS code,
        replace(CAST(i % 997 AS VARCHAR) || '.5', '.', ',') AS montant,
        strftime(DATE '2020-01-01' + CAST(i % 700 AS INTEGER), '%d/%m/%Y') AS jour,
        47 + (i % 1000) / 1000.0 AS lat, -2 + (i % 777) / 777.0 AS lon FROM range({n}) t(i)""")
    types = {"nom": "text", "code": "text", "montant": "text", "jour": "text", "lat": "double", "lon": "double"}
    return Prepared("big", [FieldSpec(k, k, v) for k, v in types.items()])


def test_preview_is_json_and_counts_the_first_100k_rows(con):
    prepared = _table(con, 100_001)
    steps = parse_steps(PIPELINE)
    preview = preview_steps(con, prepared, steps, limit=20)  # bench/steps.py times it
    assert len(preview.rows) == 20
    json.dumps(preview.to_dict())
    first = preview.rows[0]
    # Row i = 10 is the first with a montant ("10,5") above 10.
    assert first["jour"] == "2020-01-11" and first["nom"] == "nom 10" and first["code"] == "00010"
    assert first["montant"] == 10.5
    assert first["geo_point_2d"] == {"lon": pytest.approx(-2 + 10 / 777), "lat": pytest.approx(47.01)}
    assert preview.counts[0].rows_in == 100_000  # the sample: the 100,001st row is not read
    assert preview.counts[5].rows_out < preview.counts[5].rows_in


def test_preview_shows_shapes_as_geojson(con, shared_datasets):
    from tests.steps.conftest import read_path

    prepared = read_path(con, shared_datasets / "france-geojson/communes-35-ille-et-vilaine.geojson")
    preview = preview_steps(con, prepared, parse_steps([{"kind": "area", "options": {"field": "geo_shape"}}]), limit=3)
    assert preview.rows[0]["geo_shape"]["type"] in ("Polygon", "MultiPolygon")
    assert preview.rows[0]["area_m2"] > 1e5
    assert [s.name for s in preview.fields] == ["code", "nom", "geo_shape", "area_m2"]
