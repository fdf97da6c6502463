"""The preview's reading options: separator, encoding, sheet and projection, re-read in place with htmx."""

from __future__ import annotations

import shutil
from pathlib import Path

from datapolis.backoffice.models import Upload
from datapolis.catalog.models import Dataset
from tests.backoffice.conftest import field_forms, french_csv, metadata_form, start_upload

HTMX = {"HTTP_HX_REQUEST": "true"}


def read_again(client, upload_id: str, **options) -> str:
    response = client.post(f"/backoffice/uploads/{upload_id}/preview/", {"action": "reread", **options}, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def test_choosing_another_separator_re_reads_the_file_in_place(agent_client, catalog_store, tmp_path):
    upload_id = start_upload(agent_client, french_csv(tmp_path / "communes.csv", rows=10))

    partial = read_again(agent_client, upload_id, delimiter="|")

    assert "<html" not in partial  # only the preview area is sent back
    upload = Upload.objects.get(pk=upload_id)
    assert upload.options == {"delimiter": "|"}
    assert len(upload.preview["fields"]) == 1  # the whole line is one column now
    assert 'data-type="text"' in partial

    read_again(agent_client, upload_id, delimiter="")
    upload.refresh_from_db()
    assert upload.options == {}
    assert len(upload.preview["fields"]) == 8


def test_a_wrong_encoding_is_explained_and_detection_fixes_it(agent_client, catalog_store, tmp_path):
    path = tmp_path / "cp1252.csv"
    path.write_bytes("commune;région\nSèvres;Île-de-France\nÉvry;Île-de-France\n".encode("cp1252"))
    upload_id = start_upload(agent_client, path)
    page = agent_client.get(f"/backoffice/uploads/{upload_id}/preview/").content.decode()
    assert "Île-de-France" in page and "windows-1252" in page

    partial = read_again(agent_client, upload_id, encoding="utf-8")
    assert "Line 1, column 10" in partial  # the é of "région"
    assert "choose Windows-1252" in partial

    partial = read_again(agent_client, upload_id, encoding="")
    assert "Île-de-France" in partial


def test_a_sheet_of_a_workbook_can_be_chosen(agent_client, catalog_store, shared_datasets, tmp_path):
    workbook = tmp_path / "populations.xlsx"
    shutil.copy(shared_datasets / "insee-populations-legales" / "ensemble-2026.xlsx", workbook)
    upload_id = start_upload(agent_client, workbook)
    upload = Upload.objects.get(pk=upload_id)
    first, second = upload.preview["sheets"][:2]
    assert upload.preview["source"]["sheet"] == first

    partial = read_again(agent_client, upload_id, sheet=second)

    upload.refresh_from_db()
    assert upload.preview["source"]["sheet"] == second
    assert f'<option value="{second}" selected>' in partial


def test_a_projection_turns_x_y_into_points(agent_client, catalog_store, tmp_path):
    path = tmp_path / "equipements.csv"
    path.write_text("nom;x;y\nOrigine;700000;6600000\nParis;652469;6862035\n", encoding="utf-8")
    upload_id = start_upload(agent_client, path)
    assert "geo_point_2d" not in {f["type"] for f in Upload.objects.get(pk=upload_id).preview["fields"]}

    partial = read_again(agent_client, upload_id, epsg="2154")

    assert "points made from x + y" in partial
    assert "EPSG:2154" in partial
    upload = Upload.objects.get(pk=upload_id)
    agent_client.post(f"/backoffice/uploads/{upload_id}/fields/", field_forms(upload.fields))
    agent_client.post(f"/backoffice/uploads/{upload_id}/description/", metadata_form("equipements"))
    dataset = Dataset.objects.get(dataset_id="equipements")
    assert dataset.source["options"]["epsg"] == 2154
    relation = catalog_store.relation_sql("equipements")
    sql = f"SELECT geo_point_2d.lon, geo_point_2d.lat FROM {relation} WHERE nom = 'Origine'"
    point = catalog_store.cursor().execute(sql).fetchone()
    assert abs(point[0] - 3.0) < 1e-6 and abs(point[1] - 46.5) < 1e-6


def test_going_on_without_changes_does_not_read_the_file_again(agent_client, catalog_store, tmp_path):
    upload_id = start_upload(agent_client, french_csv(tmp_path / "communes.csv", rows=10))
    upload = Upload.objects.get(pk=upload_id)
    upload.path.write_text("the file changed meanwhile\n", encoding="utf-8")

    response = agent_client.post(f"/backoffice/uploads/{upload_id}/preview/", {"action": "next"})

    assert response.status_code == 302 and response["Location"].endswith("/fields/")
    assert len(Upload.objects.get(pk=upload_id).preview["fields"]) == 8


def test_a_replacement_keeps_the_previous_projection(agent_client, catalog_store, tmp_path):
    path = tmp_path / "equipements.csv"
    path.write_text("nom;x;y\nOrigine;700000;6600000\n", encoding="utf-8")
    from datapolis.catalog import services
    from datapolis.ingest import ReadOptions
    from tests.backoffice.conftest import ORGANISATION

    services.import_file(path, "equipements", options=ReadOptions(epsg=2154), metadata={"publisher": ORGANISATION})

    upload_id = start_upload(agent_client, path, url="/backoffice/datasets/equipements/replace/")

    upload = Upload.objects.get(pk=upload_id)
    assert upload.options == {"epsg": 2154}
    assert "geo_point_2d" in {f["type"] for f in upload.preview["fields"]}


def test_the_preview_step_offers_only_the_options_of_the_format(agent_client, catalog_store, shared_datasets, tmp_path):
    geojson = tmp_path / "arrondissements.geojson"
    shutil.copy(shared_datasets / "paris" / "arrondissements.geojson", geojson)
    page = agent_client.get(f"/backoffice/uploads/{start_upload(agent_client, geojson)}/preview/").content.decode()
    assert 'name="epsg"' in page
    assert 'name="delimiter"' not in page and 'name="encoding"' not in page and 'name="sheet"' not in page
    assert Path(geojson).exists()
