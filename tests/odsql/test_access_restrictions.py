"""Restrictions from the access layer and visible-field subsets cannot be widened by the user."""

from __future__ import annotations

import pytest

from datapolis.odsql import ODSQLError


def test_restrictions_are_anded_around_user_filters(no2):
    blum = sum(r["station"] == "Blum" for r in no2.rows)
    restricted = {"restrictions": ['station = "Blum"']}
    assert no2.count(**restricted) == blum
    assert no2.count(where='station = "Ampère" or true', **restricted) == blum
    with pytest.raises(ODSQLError):  # each clause is parsed alone: parentheses cannot escape it
        no2.count(where='station = "Ampère") or (true', **restricted)
    assert no2.count(where='"ampere" or "blum"', **restricted) == blum


def test_restrictions_apply_inside_aggregations_and_full_text(no2):
    restricted = {"restrictions": ['zone = "Angers"']}
    rows = no2.query(select="station, count(*) as n", group_by="station", **restricted)
    assert {r["station"] for r in rows} == {r["station"] for r in no2.rows if r["zone"] == "Angers"}
    assert no2.count(where='search(*, "Blum")', **restricted) == 0
    assert no2.count(group_by="station", **restricted) == len({r["station"] for r in no2.rows if r["zone"] == "Angers"})


def test_restrictions_may_use_fields_the_user_cannot_see(no2):
    visible = ["station", "niveau", "day"]
    count = no2.count(restrictions=['zone = "Angers"'], visible_fields=visible)
    assert count == sum(r["zone"] == "Angers" for r in no2.rows)


def test_hidden_fields_are_unknown_to_the_user(no2):
    visible = ["station", "niveau", "day"]
    rows = no2.query(visible_fields=visible, limit=1)
    assert list(rows[0]) == visible
    for clause, text in [("where", 'zone = "Angers"'), ("select", "zone"), ("group_by", "zone"), ("order_by", "zone")]:
        with pytest.raises(ODSQLError) as error:
            no2.query(visible_fields=visible, **{clause: text})
        assert error.value.clause == clause and "unknown field: zone" in error.value.message
    with pytest.raises(ODSQLError):
        no2.query(visible_fields=visible, refine=[("zone", "Angers")])


def test_full_text_searches_only_visible_fields(no2):
    assert no2.count(where='"Angers"') > 0
    assert no2.count(where='"Angers"', visible_fields=["station", "niveau"]) == 0


def test_include_and_exclude_patterns(no2):
    assert list(no2.query(select="include(d*)", limit=1)[0]) == ["departement", "day"]
    assert list(no2.query(select="exclude(d*), exclude(etat)", limit=1)[0]) == [
        "zone",
        "station",
        "code_station",
        "niveau",
    ]
    assert list(no2.query(select="*, exclude(zone)", limit=1)[0]) == [
        "departement",
        "station",
        "code_station",
        "niveau",
        "etat",
        "day",
    ]


def test_catalog_style_dotted_names(duck):
    from datapolis.schema import FieldSpec

    from .conftest import Dataset

    duck.execute(
        "CREATE OR REPLACE TABLE catalog AS SELECT * FROM (VALUES"
        " ('a', 'Air', TIMESTAMPTZ '2021-01-01 00:00:00+00', ['eau']),"
        " ('b', 'Bus', TIMESTAMPTZ '2023-01-01 00:00:00+00', ['air'])) v(dataset_id, title, modified, keyword)"
    )
    schema = [
        FieldSpec("dataset_id", "Id", "text"),
        FieldSpec("title", "Title", "text"),
        FieldSpec("modified", "Modified", "datetime"),
        FieldSpec("keyword", "Keywords", "text", annotations={"multivalued": [","]}),
    ]
    data = Dataset(duck, "catalog", schema, [])
    assert data.column("dataset_id", where="default.modified > date'2022'") == ["b"]
    assert data.column("dataset_id", where="modified > 2022") == ["b"]
    assert data.column("title", select="default.title", where='"air" in default.keyword') == ["Bus"]
