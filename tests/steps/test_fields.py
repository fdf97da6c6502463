"""Field-list and row steps on the real schools file of Ille-et-Vilaine."""

from __future__ import annotations

import pytest

from datapolis.steps import StepError
from tests.steps.conftest import column, rows, run, spec


def test_rename_drop_reorder_keep_labels_and_types(con, schools):
    applied = run(
        con,
        schools,
        [
            {
                "kind": "rename",
                "options": {"fields": {"code_postal": "postcode"}, "labels": {"code_postal": "Postcode"}},
            },
            {"kind": "drop", "options": {"fields": ["lieu_dit", "boite_postale"]}},
            {"kind": "reorder", "options": {"fields": ["commune", "postcode"]}},
        ],
    )
    names = [s.name for s in applied.prepared.fields]
    original = [s.name for s in schools.fields if s.name not in ("lieu_dit", "boite_postale", "commune", "code_postal")]
    assert names == ["commune", "postcode", *original]
    assert spec(applied.prepared, "postcode").label == "Postcode"
    assert spec(applied.prepared, "date_ouverture").type == "date"
    assert column(con, applied.prepared, "postcode") == [r[0] for r in rows(con, schools, "code_postal")]


def test_retype_text_to_int_and_back(con, schools):
    applied = run(con, schools, [{"kind": "retype", "options": {"field": "code_commune", "type": "int"}}])
    expected = [int(v) for v in column(con, schools, "code_commune")]
    assert column(con, applied.prepared, "code_commune") == expected
    assert spec(applied.prepared, "code_commune").type == "int"
    assert spec(applied.prepared, "code_commune").label == "Code commune"


def test_retype_failure_names_row_and_value(con, schools):
    with pytest.raises(StepError) as caught:
        run(con, schools, [{"kind": "retype", "options": {"field": "code_etablissement", "type": "int"}}])
    first = column(con, schools, "code_etablissement")[0]
    assert caught.value.step == 1 and caught.value.row == 1 and caught.value.value == first
    assert "cannot be read as int" in str(caught.value)


def test_retype_text_point_lat_lon(con, schools):
    applied = run(
        con,
        schools,
        [
            {"kind": "retype", "options": {"field": "position", "type": "text"}},
            {"kind": "retype", "options": {"field": "position", "type": "geo_point_2d"}},
        ],
    )
    got = column(con, applied.prepared, "position")
    for point, (lat, lon) in zip(got, rows(con, schools, "latitude", "longitude"), strict=True):
        assert point["lat"] == pytest.approx(lat) and point["lon"] == pytest.approx(lon)


def test_compute_and_filter_with_odsql(con, schools):
    applied = run(
        con,
        schools,
        [
            {"kind": "compute", "options": {"field": "annee", "expression": "year(date_ouverture)"}},
            {"kind": "filter", "options": {"where": "nature = 'COLLEGE' and annee >= 1970"}},
        ],
    )
    source = rows(con, schools, "code_etablissement", "nature", "date_ouverture")
    expected = [(c, d.year) for c, n, d in source if n == "COLLEGE" and d is not None and d.year >= 1970]
    assert rows(con, applied.prepared, "code_etablissement", "annee") == expected
    assert 0 < len(expected) < len(source)
    assert applied.counts[1].rows_in == len(source) and applied.counts[1].rows_out == len(expected)


def test_compute_rejects_unknown_field(con, schools):
    with pytest.raises(StepError) as caught:
        run(con, schools, [{"kind": "compute", "options": {"field": "x", "expression": "upper(nope)"}}])
    assert caught.value.step == 1 and caught.value.option == "expression"


def test_dedupe_keeps_first_of_each_key_in_order(con, schools):
    applied = run(con, schools, [{"kind": "dedupe", "options": {"fields": ["commune"]}}])
    seen, expected = set(), []
    for code, commune in rows(con, schools, "code_etablissement", "commune"):
        if commune not in seen:
            seen.add(commune)
            expected.append(code)
    assert column(con, applied.prepared, "code_etablissement") == expected
    assert len(expected) < 117


def test_fill_empty_values(con, schools):
    applied = run(con, schools, [{"kind": "fill", "options": {"fields": ["lieu_dit"], "value": "(aucun)"}}])
    source = column(con, schools, "lieu_dit")
    assert column(con, applied.prepared, "lieu_dit") == [v if v and v.strip() else "(aucun)" for v in source]
    assert applied.counts[0].changed == sum(1 for v in source if not (v and v.strip()))


def test_fill_refuses_a_constant_of_the_wrong_type(con, schools):
    with pytest.raises(StepError, match="not a value"):
        run(con, schools, [{"kind": "fill", "options": {"fields": ["latitude"], "value": "abc"}}])


def test_unpivot_columns_to_rows(con, schools):
    applied = run(
        con,
        schools,
        [
            {"kind": "keep", "options": {"fields": ["code_etablissement", "latitude", "longitude"]}},
            {"kind": "unpivot", "options": {"fields": ["latitude", "longitude"], "key": "axe", "value": "valeur"}},
        ],
    )
    expected = []
    for code, lat, lon in rows(con, schools, "code_etablissement", "latitude", "longitude"):
        expected += [(code, "latitude", lat), (code, "longitude", lon)]
    assert rows(con, applied.prepared, "code_etablissement", "axe", "valeur") == expected
    assert spec(applied.prepared, "valeur").type == "double"
