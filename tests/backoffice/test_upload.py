"""Uploads: size and type checked, kept under the instance's uploads folder with a random name, never served."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings

from datapolis.backoffice.models import Upload
from tests.backoffice.conftest import french_csv, post_file, start_upload


def stored_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "backoffice"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_an_upload_is_stored_under_a_random_name_in_the_uploads_folder(agent_client, catalog_store, tmp_path):
    source = french_csv(tmp_path / "Mes communes (2024).csv", rows=5)
    upload = Upload.objects.get(pk=start_upload(agent_client, source))

    assert upload.original_name == "Mes communes (2024).csv"
    assert upload.size == source.stat().st_size
    assert upload.path.parent == Path(settings.MEDIA_ROOT) / "backoffice"
    assert "communes" not in upload.stored_name and len(upload.stored_name) == 32 + len(".csv")
    assert upload.path.read_bytes() == source.read_bytes()
    assert oct(upload.path.stat().st_mode & 0o777) == "0o600"


def test_uploaded_files_are_not_served(agent_client, catalog_store, tmp_path):
    upload = Upload.objects.get(pk=start_upload(agent_client, french_csv(tmp_path / "a.csv", rows=5)))
    for url in (f"/media/backoffice/{upload.stored_name}", f"/backoffice/{upload.stored_name}", "/media/"):
        assert agent_client.get(url).status_code == 404


def test_a_file_over_the_size_limit_is_refused_and_not_kept(agent_client, catalog_store, settings, tmp_path):
    settings.DATAPOLIS_MAX_UPLOAD_BYTES = 10_000
    big = french_csv(tmp_path / "big.csv", rows=1000)
    assert big.stat().st_size > 10_000

    response = post_file(agent_client, big)

    assert response.status_code == 413
    assert "larger than the 10.0 KB" in response.content.decode()
    assert Upload.objects.count() == 0
    assert stored_files() == []


def test_a_file_of_an_unknown_type_is_refused(agent_client, catalog_store, tmp_path):
    pdf = tmp_path / "rapport.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    response = post_file(agent_client, pdf)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Files of type .pdf cannot be published" in page
    assert stored_files() == []


def test_binary_content_under_a_csv_name_is_refused(agent_client, catalog_store, tmp_path):
    fake = tmp_path / "donnees.csv"
    fake.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 50)
    response = post_file(agent_client, fake)
    assert response.status_code == 400
    assert "What to do:" in response.content.decode()
    assert stored_files() == []


def test_a_bare_shapefile_is_refused_with_advice(agent_client, catalog_store, tmp_path):
    shp = tmp_path / "parcelles.shp"
    shp.write_bytes(b"\x00\x00\x27\x0a" + b"\x00" * 100)
    response = post_file(agent_client, shp)
    assert response.status_code == 400
    assert "one zip archive" in response.content.decode()


def test_a_workbook_is_accepted_by_its_content(agent_client, catalog_store, shared_datasets, tmp_path):
    workbook = tmp_path / "populations.xlsx"
    shutil.copy(shared_datasets / "insee-populations-legales" / "ensemble-2026.xlsx", workbook)
    upload = Upload.objects.get(pk=start_upload(agent_client, workbook))
    assert upload.preview["source"]["format"] == "xlsx"
    assert len(upload.preview["sheets"]) > 1


def test_neither_file_nor_address_asks_for_one(agent_client, catalog_store):
    response = agent_client.post("/backoffice/new/", {})
    assert response.status_code == 200
    assert "one of the two" in response.content.decode()


def test_a_cancelled_upload_leaves_no_file(agent_client, catalog_store, tmp_path):
    upload = Upload.objects.get(pk=start_upload(agent_client, french_csv(tmp_path / "a.csv", rows=5)))
    response = agent_client.post(f"/backoffice/uploads/{upload.pk}/cancel/")
    assert response.status_code == 302
    assert not Upload.objects.filter(pk=upload.pk).exists()
    assert stored_files() == []


def test_an_agent_cannot_open_another_agents_upload(agent_client, admin_client, catalog_store, tmp_path):
    upload_id = start_upload(agent_client, french_csv(tmp_path / "a.csv", rows=5))
    assert admin_client.get(f"/backoffice/uploads/{upload_id}/preview/").status_code == 404


def test_extra_files_sent_with_the_form_are_not_kept(agent_client, catalog_store, tmp_path):
    first, second = french_csv(tmp_path / "a.csv", rows=5), french_csv(tmp_path / "b.csv", rows=6)
    with first.open("rb") as one, second.open("rb") as two:
        response = agent_client.post("/backoffice/new/", {"file": [one, two], "other": one})
    assert response.status_code == 302
    assert [path.name for path in stored_files()] == [Upload.objects.get().stored_name]
