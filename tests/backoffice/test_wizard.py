"""The publication wizard: file → preview → columns → description → draft or publish."""

from __future__ import annotations

from pathlib import Path

from datapolis.audit.models import AuditEvent
from datapolis.backoffice.models import Upload, UploadState
from datapolis.catalog.models import Dataset, Status
from tests.backoffice.conftest import ORGANISATION, field_forms, french_csv, metadata_form, start_upload


def test_preview_shows_the_detected_dialect_and_inferred_types(agent_client, catalog_store, tmp_path: Path):
    upload_id = start_upload(agent_client, french_csv(tmp_path / "communes.csv", rows=30))

    response = agent_client.get(f"/backoffice/uploads/{upload_id}/preview/")

    assert response.status_code == 200
    page = response.content.decode()
    upload = Upload.objects.get(pk=upload_id)
    assert upload.preview["source"]["delimiter"] == ";"
    types = {field["name"]: field["type"] for field in upload.preview["fields"]}
    assert types == {
        "identifiant": "text",
        "nom": "text",
        "population": "int",
        "surface_km2": "double",
        "date_recensement": "date",
        "latitude": "double",
        "longitude": "double",
        "geo_point_2d": "geo_point_2d",
    }
    assert len(upload.preview["rows"]) == 20
    assert 'data-type="date"' in page and "semicolon" in page
    assert "C00000" in page


def test_an_agent_publishes_a_new_dataset_with_edited_fields(agent_client, agent, portal, catalog_store, tmp_path):
    upload_id = start_upload(agent_client, french_csv(tmp_path / "communes.csv", rows=40))
    upload = Upload.objects.get(pk=upload_id)

    response = agent_client.post(
        f"/backoffice/uploads/{upload_id}/fields/",
        field_forms(
            upload.fields,
            population={"label": "Population municipale", "unit": "habitants", "description": "Au 1er janvier"},
            nom={"facet": True, "sortable": True},
            surface_km2={"type": "text"},
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"].endswith("/description/")

    response = agent_client.post(f"/backoffice/uploads/{upload_id}/description/", metadata_form("communes-testville"))

    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == "/backoffice/datasets/communes-testville/"
    dataset = Dataset.objects.get(dataset_id="communes-testville")
    assert dataset.status == Status.PUBLISHED
    assert dataset.portal == portal
    assert dataset.records_count == 40
    assert dataset.publisher == ORGANISATION
    assert dataset.keywords == ["communes", "population"]
    assert str(dataset.temporal_start) == "2020-01-01"
    assert dataset.license_url.startswith("https://www.etalab.gouv.fr/")
    fields = {field.name: field for field in dataset.fields.all()}
    assert fields["population"].label == "Population municipale"
    assert fields["population"].unit == "habitants"
    assert fields["population"].description == "Au 1er janvier"
    assert fields["nom"].facet and fields["nom"].sortable
    assert fields["surface_km2"].type == "text"  # forced through ReadOptions.field_types
    assert fields["geo_point_2d"].type == "geo_point_2d"
    assert catalog_store.version("communes-testville").row_count == 40
    actions = set(AuditEvent.objects.filter(target="communes-testville").values_list("action", flat=True))
    assert actions == {"dataset_created", "dataset_published"}
    assert Upload.objects.get(pk=upload_id).state == UploadState.IMPORTED
    assert not Upload.objects.get(pk=upload_id).path.exists()  # the uploaded file is deleted once imported

    page = agent_client.get(response["Location"]).content.decode()
    assert 'href="/dataset/communes-testville/"' in page
