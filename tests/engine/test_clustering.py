"""Large serving copies carry a copy clustered by a category field, read by equality filters.

On the hourly NO2 measures of Air Pays de la Loire (19,121 rows, 25 stations), with the
threshold lowered so that this file counts as large.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from datapolis.engine import LakeLocation, Store, clustering
from datapolis.engine.serving import ServingCache
from datapolis.ingest import prepare
from datapolis.odsql import QuerySpec, compile_count, compile_page_with_total, compile_query
from datapolis.odsql.facets import FacetCount, compile_facet_counts
from tests.conftest import new_lake_location

STATION = "Beaux Arts"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("clustering")
    with new_lake_location(folder) as location:
        store = Store(location, serving=ServingCache(folder / "serving", cluster_min_rows=10_000))
        yield store
        store.close()


@pytest.fixture(scope="module")
def measures(store: Store, shared_datasets: Path):
    version = store.publish("no2", prepare(shared_datasets / "qualite-air-pays-de-la-loire" / "mesures_NO2.csv"))
    return version, store.serving_relation_sql("no2", version.snapshot_id)


def run(store: Store, compiled) -> list[tuple]:
    return store.cursor().execute(compiled.sql, compiled.params).fetchall()


def test_the_most_selective_category_is_chosen(store: Store, measures):
    _version, relation = measures
    stations, departements = (
        store.cursor()
        .execute(f"SELECT count(DISTINCT nom_station), count(DISTINCT nom_departement) FROM {relation}")
        .fetchone()
    )

    assert relation.clustered_by == "nom_station"
    assert 2 <= departements < stations <= clustering.MAX_VALUES


def test_the_clustered_copy_holds_the_same_rows_grouped_by_value_in_their_order(store: Store, measures):
    version, relation = measures
    cursor = store.cursor()
    in_data = cursor.execute(f"SELECT nom_station, _id FROM {relation} ORDER BY rowid").fetchall()
    in_clustered = cursor.execute(f"SELECT nom_station, _id FROM {relation.clustered} ORDER BY rowid").fetchall()

    assert sorted(in_data) == sorted(in_clustered) and len(in_clustered) == version.row_count
    runs = [station for i, (station, _) in enumerate(in_clustered) if i == 0 or in_clustered[i - 1][0] != station]
    assert len(runs) == len(set(runs))  # each station's rows are consecutive
    for station in set(runs):
        assert [i for s, i in in_data if s == station] == [i for s, i in in_clustered if s == station]


def test_a_small_dataset_has_no_clustered_copy(lake_location: LakeLocation, tmp_path: Path, shared_datasets: Path):
    store = Store(lake_location, serving=ServingCache(tmp_path / "serving"))
    try:
        version = store.publish("no2", prepare(shared_datasets / "qualite-air-pays-de-la-loire" / "mesures_NO2.csv"))
        relation = store.serving_relation_sql("no2", version.snapshot_id)
        assert relation.clustered is None and relation.clustered_by is None
    finally:
        store.close()


PICKING_ONE_STATION = [
    QuerySpec(where=[f'nom_station = "{STATION}"'], limit=-1),
    QuerySpec(where=[f'"{STATION}" = nom_station', "niveau > 20"], limit=50, offset=10),
    QuerySpec(refine=[("nom_station", STATION)], order_by="niveau desc, date", limit=20, offset=5),
    QuerySpec(where=[f'nom_station = "{STATION}" and date >= date"2019-06-01"'], order_by="date", limit=10),
    QuerySpec(
        select="nom_zone, count(*) as n, avg(niveau) as moyenne",
        where=[f'nom_station = "{STATION}"'],
        group_by="nom_zone",
    ),
    QuerySpec(restrictions=[f'nom_station = "{STATION}"'], where=["niveau < 15"], order_by="-niveau", limit=7),
]


@pytest.mark.parametrize("spec", PICKING_ONE_STATION)
def test_one_value_of_the_field_is_read_from_the_clustered_copy_with_the_same_result(store: Store, measures, spec):
    version, relation = measures
    fields, scanned = version.fields, str(relation)  # a plain text: no clustered copy to pick

    compiled = compile_query(spec, fields, relation)
    assert clustering.CLUSTERED_TABLE in compiled.sql
    assert run(store, compiled) == run(store, compile_query(spec, fields, scanned))
    assert run(store, compile_count(spec, fields, relation)) == run(store, compile_count(spec, fields, scanned))
    assert clustering.CLUSTERED_TABLE in compile_count(spec, fields, relation).sql


def test_pages_with_their_total_and_facets_read_the_clustered_copy(store: Store, measures):
    version, relation = measures
    spec = QuerySpec(where=[f'nom_station = "{STATION}" and niveau > 10'], order_by="niveau desc, date", limit=10)
    page = compile_page_with_total(spec, version.fields, relation)
    facets = [FacetCount("etat"), FacetCount("nom_zone", "alphanum")]
    counted = compile_facet_counts(spec, version.fields, relation, facets)
    expected = run(store, compile_query(spec, version.fields, str(relation)))

    assert clustering.CLUSTERED_TABLE in page.sql and clustering.CLUSTERED_TABLE in counted.sql
    rows = run(store, page)
    assert [row[:-1] for row in rows] == expected and len(expected) == 10
    assert rows[0][-1] == run(store, compile_count(spec, version.fields, str(relation)))[0][0]
    unclustered = compile_facet_counts(spec, version.fields, str(relation), facets)
    assert run(store, counted) == run(store, unclustered)


@pytest.mark.parametrize(
    "where",
    [
        f'nom_station = "{STATION}" and "angers"',  # the word index's row ids are those of `data`
        f'nom_station = "{STATION}" and search(nom_zone, "angers")',
        f'nom_station = "{STATION}" or niveau > 50',
        f'nom_station in ("{STATION}", "Bouteillerie")',
        f'nom_station != "{STATION}"',
        'nom_departement = "Maine et Loire"',
    ],
)
def test_other_filters_read_the_rows_in_their_order(store: Store, measures, where: str):
    version, relation = measures
    compiled = compile_query(QuerySpec(where=[where], limit=100), version.fields, relation)

    assert clustering.CLUSTERED_TABLE not in compiled.sql
    assert run(store, compiled)
