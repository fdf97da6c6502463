"""A bad file is explained in plain words, with its line and column and what to do; nothing published changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from datapolis.backoffice.errors import explain
from datapolis.backoffice.models import Upload, UploadState
from datapolis.catalog import services as catalog
from datapolis.catalog.models import Dataset, Status
from datapolis.ingest import IngestError
from tests.backoffice.conftest import ORGANISATION, field_forms, french_csv, metadata_form, start_upload


@pytest.fixture
def published(catalog_store, portal, tmp_path) -> Dataset:
    result = catalog.import_file(
        french_csv(tmp_path / "v1.csv", rows=10), "communes", metadata={"title": "Communes", "publisher": ORGANISATION}
    )
    return result.dataset


def test_a_ragged_row_is_shown_with_its_line_and_column(agent_client, catalog_store, tmp_path):
    bad = tmp_path / "ragged.csv"
    bad.write_text("commune;population\nMeudon;45000\nClamart;52000;en trop\nSèvres;23000\n", encoding="utf-8")

    upload_id = start_upload(agent_client, bad)
    page = agent_client.get(f"/backoffice/uploads/{upload_id}/preview/").content.decode()

    assert "Line 3, column 3" in page
    assert "This row has 3 cells where the header has 2." in page
    assert "What to do:" in page and "choose the separator yourself" in page
    assert "Next: the columns" not in page  # nothing to go on with
    assert agent_client.get(f"/backoffice/uploads/{upload_id}/fields/").status_code == 302
    assert not Dataset.objects.exists()


def test_a_value_that_does_not_fit_a_chosen_type_is_located(agent_client, catalog_store, tmp_path):
    upload_id = start_upload(agent_client, french_csv(tmp_path / "communes.csv", rows=10))
    upload = Upload.objects.get(pk=upload_id)

    response = agent_client.post(
        f"/backoffice/uploads/{upload_id}/fields/", field_forms(upload.fields, nom={"type": "int"})
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 2, column 2 (“nom”)" in page
    assert "The value Commune n°0 of field nom is not a valid whole number." in page
    assert "keep the type the reader proposed" in page


def test_explanations_name_types_in_words():
    error = IngestError(
        "x.csv",
        "The value %(value)s of field %(field)s is not a valid %(type)s.",
        {"value": "abc", "field": "population", "type": "double"},
        code="bad_value",
        line=3,
        column=2,
        field="population",
    )
    explanation = explain(error)
    assert (
        str(explanation)
        == "Line 3, column 2 (“population”) : The value abc of field population is not a valid decimal number."
    )


def test_a_bad_replacement_leaves_the_published_version_alone(agent_client, published, catalog_store, tmp_path):
    bad = tmp_path / "v2.csv"
    bad.write_text('identifiant;nom\n"C1;Meudon\n', encoding="utf-8")

    upload_id = start_upload(agent_client, bad, url="/backoffice/datasets/communes/replace/")
    page = agent_client.get(f"/backoffice/uploads/{upload_id}/preview/").content.decode()

    assert "Line 2" in page and "What to do:" in page
    assert catalog_store.version("communes").number == 1
    dataset = Dataset.objects.get(dataset_id="communes")
    assert (dataset.status, dataset.current_version, dataset.records_count) == (Status.PUBLISHED, 1, 10)


def test_an_error_found_only_by_the_import_is_explained_and_changes_nothing(
    agent_client, published, catalog_store, settings, tmp_path
):
    """Large files are previewed on their beginning: a bad line further down stops the import."""
    settings.DATAPOLIS_BACKOFFICE_PREVIEW_SAMPLE_BYTES = 4_000
    path = french_csv(tmp_path / "v2.csv", rows=400)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[350] += ";cellule en trop"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    upload_id = start_upload(agent_client, path, url="/backoffice/datasets/communes/replace/")
    upload = Upload.objects.get(pk=upload_id)
    assert upload.preview["sampled"] and not upload.preview.get("error")
    assert agent_client.post(f"/backoffice/uploads/{upload_id}/fields/", field_forms(upload.fields)).status_code == 302
    response = agent_client.post(f"/backoffice/uploads/{upload_id}/import/", {"action": "publish"})

    assert response.status_code == 302
    assert response["Location"] == f"/backoffice/uploads/{upload_id}/preview/"
    page = agent_client.get(response["Location"]).content.decode()
    assert "The import stopped" in page
    assert "Line 351, column 8" in page
    assert "Nothing was published" in page
    assert catalog_store.version("communes").number == 1
    assert Dataset.objects.get(dataset_id="communes").records_count == 10
    assert Upload.objects.get(pk=upload_id).state == UploadState.FAILED


def test_a_new_dataset_whose_import_fails_is_not_left_behind(agent_client, catalog_store, settings, tmp_path):
    settings.DATAPOLIS_BACKOFFICE_PREVIEW_SAMPLE_BYTES = 4_000
    path = french_csv(tmp_path / "communes.csv", rows=400)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[300] = lines[300].split(";", 1)[0]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    upload_id = start_upload(agent_client, path)
    upload = Upload.objects.get(pk=upload_id)
    agent_client.post(f"/backoffice/uploads/{upload_id}/fields/", field_forms(upload.fields))

    response = agent_client.post(f"/backoffice/uploads/{upload_id}/description/", metadata_form("communes-ratees"))

    assert response["Location"] == f"/backoffice/uploads/{upload_id}/preview/"
    assert not Dataset.objects.filter(dataset_id="communes-ratees").exists()
    assert not catalog_store.has_dataset("communes-ratees")
    assert Upload.objects.get(pk=upload_id).metadata["title"] == "Communes de Testville"  # kept for the retry
    assert Path(Upload.objects.get(pk=upload_id).path).exists()


def test_new_data_keeps_the_column_types_unless_the_agent_chooses_the_proposed_one(
    agent_client, published, catalog_store, tmp_path
):
    path = french_csv(tmp_path / "v2.csv", rows=10)
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[4].split(";")
    cells[2] = "environ 500"
    lines[4] = ";".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    upload_id = start_upload(agent_client, path, url="/backoffice/datasets/communes/replace/")
    upload = Upload.objects.get(pk=upload_id)
    population = upload.fields_by_name["population"]
    assert (population["type"], population["inferred_type"]) == ("int", "text")
    page = agent_client.get(f"/backoffice/uploads/{upload_id}/fields/").content.decode()
    assert "Proposed: text" in page

    response = agent_client.post(f"/backoffice/uploads/{upload_id}/fields/", field_forms(upload.fields))
    assert response.status_code == 400
    assert "Line 5, column 3 (“population”)" in response.content.decode()

    response = agent_client.post(
        f"/backoffice/uploads/{upload_id}/fields/", field_forms(upload.fields, population={"type": "text"})
    )
    assert response.status_code == 302
    agent_client.post(f"/backoffice/uploads/{upload_id}/import/", {"action": "publish"})
    assert Dataset.objects.get(dataset_id="communes").fields.get(name="population").type == "text"
    assert catalog_store.version("communes").number == 2
