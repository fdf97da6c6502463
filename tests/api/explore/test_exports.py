"""GET .../exports/{format}: the same rows as the records endpoint, streamed."""

from __future__ import annotations

import csv
import gzip
import io
import json

import pyarrow.parquet as pq


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_csv_export_applies_the_filters(api, velib) -> None:
    response = api(
        "/catalog/datasets/velib/exports/csv",
        where="capacite_de_la_station >= 40",
        select="identifiant_station, nom_de_la_station, capacite_de_la_station",
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="velib.csv"'
    text = body(response).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    expected = {row["Identifiant station"] for row in velib if int(row["Capacité de la station"]) >= 40}
    assert {row["identifiant_station"] for row in rows} == expected
    assert list(rows[0]) == ["identifiant_station", "nom_de_la_station", "capacite_de_la_station"]


def test_csv_with_labels_and_gzip(api, velib) -> None:
    response = api("/catalog/datasets/velib/exports/csv", use_labels="true", compressed="true", limit=5)
    text = gzip.decompress(body(response)).decode("utf-8-sig")
    header = text.splitlines()[0].split(";")
    assert "Nom de la station" in header and "Coordonnées géographiques" in header
    assert len(text.splitlines()) == 6


def test_json_export_is_an_array_of_records_like_the_api(api, velib) -> None:
    exported = json.loads(body(api("/catalog/datasets/velib/exports/json", order_by="identifiant_station")))
    page = api("/catalog/datasets/velib/records", order_by="identifiant_station", limit=100)
    assert len(exported) == 1468
    assert exported[:100] == page.data["results"]


def test_parquet_export_keeps_every_row(api, velib, tmp_path) -> None:
    path = tmp_path / "velib.parquet"
    path.write_bytes(body(api("/catalog/datasets/velib/exports/parquet", parquet_compression="zstd")))
    table = pq.read_table(path)
    assert table.num_rows == 1468
    assert "nom_de_la_station" in table.column_names


def test_geojson_export(api, velib) -> None:
    collection = json.loads(body(api("/catalog/datasets/velib/exports/geojson", limit=3)))
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 3
    assert collection["features"][0]["geometry"]["type"] == "Point"


def test_export_formats_and_errors(api, velib) -> None:
    formats = {link["rel"] for link in api("/catalog/datasets/velib/exports").data["_links"]}
    assert {"csv", "json", "jsonl", "geojson", "xlsx", "parquet", "shp", "kml", "gpx", "fgb"} <= formats
    assert api("/catalog/datasets/velib/exports/doc").status_code == 400
    assert api("/catalog/datasets/velib/exports/csv", delimiter="x").status_code == 400


def test_linked_data_predicates_name_the_dataset_fields(api, velib) -> None:
    turtle = body(api("/catalog/datasets/velib/exports/turtle", limit=2)).decode()
    assert "/api/explore/v2.1/catalog/datasets/velib/fields#nom_de_la_station" in turtle


def test_files_are_named_after_the_dataset(api, velib, tmp_path) -> None:
    import zipfile

    archive = tmp_path / "velib.zip"
    archive.write_bytes(body(api("/catalog/datasets/velib/exports/shp", limit=5)))
    assert {name.rsplit(".", 1)[0] for name in zipfile.ZipFile(archive).namelist()} == {"velib"}
