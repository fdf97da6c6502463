"""The dataset page of the back office: status, versions and rollback, new data, description, deletion — all audited."""

from __future__ import annotations

import pytest

from datapolis.audit.models import AuditEvent
from datapolis.backoffice.models import Upload
from datapolis.catalog import services as catalog
from datapolis.catalog.models import Dataset, Status, Visibility
from tests.backoffice.conftest import ORGANISATION, field_forms, french_csv, metadata_form, signed_in, start_upload


@pytest.fixture
def dataset(catalog_store, portal, tmp_path) -> Dataset:
    catalog.import_file(
        french_csv(tmp_path / "v1.csv", rows=10), "communes", metadata={"title": "Communes", "publisher": ORGANISATION}
    )
    dataset = catalog.import_file(french_csv(tmp_path / "v2.csv", rows=12, seed=2), "communes", author="alice").dataset
    AuditEvent.objects.all().delete()  # each test sees the events of what it does
    return dataset


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, target="communes"))


def test_the_page_shows_status_versions_and_a_link_to_the_portal(agent_client, dataset):
    page = agent_client.get("/backoffice/datasets/communes/").content.decode()
    assert 'id="dataset-status"' in page and "Published" in page
    assert 'data-version="2"' in page and 'data-version="1"' in page
    assert "alice" in page  # the author of version 2
    assert "Import of v1.csv" in page and "Import of v2.csv" in page
    # Rolling back starts with a question (a link to it), never with a one-click form.
    assert 'href="/backoffice/datasets/communes/versions/1/rollback/"' in page
    assert 'action="/backoffice/datasets/communes/versions/1/rollback/"' not in page
    assert "/backoffice/datasets/communes/versions/2/rollback/" not in page  # the current one
    assert 'href="/dataset/communes/"' in page


def test_rolling_back_serves_an_earlier_version_as_a_new_one(agent_client, agent, dataset, catalog_store):
    response = agent_client.post("/backoffice/datasets/communes/versions/1/rollback/")

    assert response.status_code == 302
    version = catalog_store.version("communes")
    assert (version.number, version.restored_from, version.row_count) == (3, 1, 10)
    assert version.author == "agent"
    dataset.refresh_from_db()
    assert (dataset.current_version, dataset.records_count) == (3, 10)
    (event,) = events("dataset_rolled_back")
    assert event.actor == agent and event.details == {"to_version": 1, "version": 3}
    assert "Version 1 is served again, as version 3." in agent_client.get(response["Location"]).content.decode()


def test_rolling_back_to_an_unknown_version_is_404(agent_client, dataset):
    assert agent_client.post("/backoffice/datasets/communes/versions/9/rollback/").status_code == 404


def test_rolling_back_asks_first_what_will_happen(agent_client, dataset, catalog_store):
    response = agent_client.get("/backoffice/datasets/communes/versions/1/rollback/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Restore version 1?" in page
    assert "Its data will be published as version 3; the current version (2) stays in the history" in page
    assert '<form method="post"' in page and 'name="csrfmiddlewaretoken"' in page
    assert 'href="/backoffice/datasets/communes/"' in page  # cancel
    assert catalog_store.version("communes").number == 2  # asking changed nothing
    assert events("dataset_rolled_back") == []


def test_the_rollback_question_in_french(agent, dataset, catalog_store):
    client = signed_in(agent)
    client.cookies.load({"django_language": "fr"})
    page = client.get("/backoffice/datasets/communes/versions/1/rollback/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Restaurer la version 1\u00a0?" in page
    assert "Ses données seront publiées comme version 3\u00a0; la version actuelle (2) reste dans l’historique" in page
    assert "Import de v1.csv" in page
    assert catalog_store.version("communes").number == 2


def test_a_rollback_restores_the_source_file_of_the_version(agent_client, dataset):
    assert dataset.source["filename"] == "v2.csv"
    agent_client.post("/backoffice/datasets/communes/versions/1/rollback/")

    dataset.refresh_from_db()
    assert dataset.source["filename"] == "v1.csv"
    page = agent_client.get("/backoffice/datasets/communes/").content.decode()
    summary = page.split('id="summary-title"')[1].split("</section>")[0]
    assert "<dd>v1.csv</dd>" in summary and "v2.csv" not in summary
    versions = page.split('id="versions"')[1].split("</table>")[0]
    assert "Version 1 restored" in versions


def test_unpublish_then_publish_again(agent_client, dataset):
    agent_client.post("/backoffice/datasets/communes/unpublish/")
    dataset.refresh_from_db()
    assert dataset.status == Status.DRAFT
    assert len(events("dataset_unpublished")) == 1
    assert (
        '"/backoffice/datasets/communes/publish/"'
        in agent_client.get("/backoffice/datasets/communes/").content.decode()
    )

    agent_client.post("/backoffice/datasets/communes/publish/")
    dataset.refresh_from_db()
    assert dataset.status == Status.PUBLISHED
    assert len(events("dataset_published")) == 1


def test_deleting_asks_for_the_identifier(agent_client, dataset, catalog_store):
    page = agent_client.get("/backoffice/datasets/communes/delete/").content.decode()
    assert "Type <code>communes</code> below to confirm." in page
    assert "12 records" in page

    response = agent_client.post("/backoffice/datasets/communes/delete/", {"confirmation": "commune"})
    assert response.status_code == 400
    assert "Type communes exactly" in response.content.decode()
    assert Dataset.objects.filter(dataset_id="communes").exists()

    response = agent_client.post("/backoffice/datasets/communes/delete/", {"confirmation": "communes"})
    assert response.status_code == 302 and response["Location"] == "/backoffice/"
    assert not Dataset.objects.filter(dataset_id="communes").exists()
    assert not catalog_store.has_dataset("communes")
    (event,) = events("dataset_deleted")
    assert event.actor_name == "agent"


def test_editing_the_description_is_audited_with_what_changed(agent_client, dataset):
    form = metadata_form("ignored", title="Communes de Testville (2024)", visibility="restricted")
    form.pop("dataset_id")
    form["new_themes"] = "Territoire, Population"

    response = agent_client.post("/backoffice/datasets/communes/description/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    dataset.refresh_from_db()
    assert dataset.title == "Communes de Testville (2024)"
    assert dataset.visibility == Visibility.RESTRICTED
    assert sorted(dataset.themes.values_list("name", flat=True)) == ["Population", "Territoire"]
    (changed,) = events("dataset_metadata_changed")
    assert {"title", "visibility", "themes", "keywords", "temporal_start"} <= set(changed.details["fields"])
    assert "language" not in changed.details["fields"]  # unchanged values are not reported
    (visibility,) = events("visibility_changed")
    assert visibility.details == {"before": "public", "after": "restricted"}


def test_the_description_form_shows_current_values_and_explains_each_field(agent_client, dataset):
    page = agent_client.get("/backoffice/datasets/communes/description/").content.decode()
    assert 'value="Communes"' in page
    assert 'name="dataset_id"' not in page  # identifiers never change
    assert page.count('class="helptext"') >= 15
    assert "Licence Ouverte" in page


def test_an_organisation_publisher_must_keep_their_organisation(agent_client, dataset):
    form = metadata_form("x", publisher="Quelqu'un d'autre")
    form.pop("dataset_id")
    response = agent_client.post("/backoffice/datasets/communes/description/", form)
    assert response.status_code == 200
    assert "Name one of your organisations" in response.content.decode()
    dataset.refresh_from_db()
    assert dataset.publisher == ORGANISATION


def test_editing_the_columns(agent_client, dataset):
    fields = [{"name": f.name, "label": f.label, "type": f.type} for f in dataset.fields.all()]
    data = field_forms(fields, population={"label": "Habitants", "unit": "hab.", "facet": True})
    for key in [key for key in data if key.endswith("-type")]:
        del data[key]

    response = agent_client.post("/backoffice/datasets/communes/fields/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    field = dataset.fields.get(name="population")
    assert (field.label, field.unit, field.facet) == ("Habitants", "hab.", True)
    (event,) = events("dataset_metadata_changed")
    assert event.details == {"columns": ["population"]}


def test_replacing_the_data_makes_a_new_version_and_keeps_column_descriptions(
    agent_client, dataset, catalog_store, tmp_path
):
    field = dataset.fields.get(name="population")
    field.description = "Population municipale"
    field.save()
    upload_id = start_upload(
        agent_client, french_csv(tmp_path / "v3.csv", rows=30, seed=3), url="/backoffice/datasets/communes/replace/"
    )
    upload = Upload.objects.get(pk=upload_id)
    assert upload.fields_by_name["population"]["description"] == "Population municipale"

    response = agent_client.post(f"/backoffice/uploads/{upload_id}/fields/", field_forms(upload.fields))
    assert response["Location"] == f"/backoffice/uploads/{upload_id}/import/"
    page = agent_client.get(response["Location"]).content.decode()
    assert "Publish the new version" in page
    response = agent_client.post(f"/backoffice/uploads/{upload_id}/import/", {"action": "publish"})

    assert response["Location"] == "/backoffice/datasets/communes/"
    assert catalog_store.version("communes").row_count == 30
    dataset.refresh_from_db()
    assert (dataset.current_version, dataset.records_count) == (3, 30)
    assert dataset.fields.get(name="population").description == "Population municipale"
    (event,) = events("dataset_data_replaced")
    assert event.details["version"] == 3 and event.details["records"] == 30 and event.details["file"] == "v3.csv"
    (published,) = events("dataset_published")  # the new version, by the catalog
    assert published.details == {"version": 3, "created": False} and published.actor_name == "agent"


def test_a_draft_is_imported_but_not_published(agent_client, catalog_store, tmp_path):
    upload_id = start_upload(agent_client, french_csv(tmp_path / "brouillon.csv", rows=5))
    upload = Upload.objects.get(pk=upload_id)
    agent_client.post(f"/backoffice/uploads/{upload_id}/fields/", field_forms(upload.fields))

    agent_client.post(f"/backoffice/uploads/{upload_id}/description/", metadata_form("brouillon", action="draft"))

    dataset = Dataset.objects.get(dataset_id="brouillon")
    assert dataset.status == Status.DRAFT and dataset.records_count == 5
    assert AuditEvent.objects.filter(target="brouillon", action="dataset_created").exists()
    assert not AuditEvent.objects.filter(target="brouillon", action="dataset_published").exists()
    assert AuditEvent.objects.filter(target="brouillon", action="dataset_draft_saved").exists()
    from django.test import Client

    assert Client().get("/api/explore/v2.1/catalog/datasets/brouillon").status_code == 404
