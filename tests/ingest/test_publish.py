"""End to end: Store.publish(dataset, prepare(path)) then read the version back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from datapolis.engine import Store
from datapolis.ingest import IngestError, ReadOptions, prepare


def test_csv_with_every_kind_of_field(store: Store, shared_datasets: Path) -> None:
    version = store.publish(
        "comptages", prepare(shared_datasets / "comptages-routiers-paris/comptages-routiers-permanents-washington.csv")
    )

    assert version.row_count == 8412
    assert version.source["format"] == "csv"
    relation = store.relation_sql("comptages")
    row = (
        store.cursor()
        .execute(
            f"SELECT identifiant_arc, date_et_heure_de_comptage, debit_horaire, date_debut_dispo_data, "
            f"geo_point_2d, ST_GeometryType(geo_shape) FROM {relation} "
            f"ORDER BY date_et_heure_de_comptage DESC LIMIT 1"
        )
        .fetchone()
    )
    assert row[0] == "4264"
    assert row[1].tzinfo is not None and isinstance(row[2], float)
    assert row[3] == dt.date(1996, 10, 10)
    assert row[4] == {"lon": pytest.approx(2.3017, abs=1e-3), "lat": pytest.approx(48.8715, abs=1e-3)}
    assert row[5] == "LINESTRING"


def test_spreadsheet_and_geojson(store: Store, shared_datasets: Path) -> None:
    populations = store.publish(
        "populations",
        prepare(shared_datasets / "insee-populations-legales/ensemble-2026.xlsx", ReadOptions(sheet="Communes")),
    )
    arrondissements = store.publish("arrondissements", prepare(shared_datasets / "paris/arrondissements.geojson"))

    assert (populations.row_count, arrondissements.row_count) == (34904, 20)
    cursor = store.cursor()
    total = cursor.execute(
        f"SELECT sum(population_municipale) FROM {store.relation_sql('populations')} WHERE code_departement = '35'"
    ).fetchone()[0]
    assert 1_100_000 < total < 1_200_000  # Ille-et-Vilaine
    area = cursor.execute(
        f"SELECT sum(ST_Area_Spheroid(ST_FlipCoordinates(geo_shape))) / 1e6 "
        f"FROM {store.relation_sql('arrondissements')}"
    ).fetchone()[0]
    assert 104 < area < 106  # Paris with its two woods: 105.4 km² (ST_Area_Spheroid wants lat/lon order)


def test_a_bad_file_publishes_nothing(store: Store, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("code;n\nA;1\n")
    store.publish("data", prepare(good))
    bad = tmp_path / "bad.csv"
    bad.write_text("code;n\nA;1\nB;2;3\n")

    with pytest.raises(IngestError):
        store.publish("data", prepare(bad))

    assert [v.number for v in store.versions("data")] == [1]
    assert store.cursor().execute(f"SELECT code, n FROM {store.relation_sql('data')}").fetchall() == [("A", 1)]
