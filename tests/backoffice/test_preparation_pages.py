"""Preparing a dataset in the back office: source and schedule, processing steps, schema, personal data.

Real files from the shared data: the schools of Ille-et-Vilaine (education-35), imported with
`catalog.import_file`; a folder source inside the instance's `sources` folder, refreshed by a
job run at once (Huey immediate); steps added, previewed and saved, the new version's row
count computed here from the CSV with the standard library; a Table Schema of
schema.data.gouv.fr's collection uploaded as a file. Editors may do all this; a publisher of
another organisation gets the 403 page on every page and every action.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User

from datapolis.access.models import PublisherRole
from datapolis.catalog import services as catalog
from datapolis.catalog.models import Dataset, PersonalData
from datapolis.jobs.models import Job, JobStatus
from datapolis.sources.models import DatasetSource, Incident, Outcome
from tests.backoffice.conftest import ORGANISATION, signed_in
from tests.i18n.test_translations import compiled  # noqa: F401 (the fixture compiling the catalogs)

SCHOOLS = "fr-en-adresse-et-geolocalisation-etablissements-premier-et-second-degre.csv"
DATASET = "etablissements-35"
PUBLIC_FILTER = "secteur_public_prive = 'Public'"


@pytest.fixture
def schools_csv(shared_datasets: Path) -> Path:
    return shared_datasets / "education-35" / SCHOOLS


@pytest.fixture
def school_rows(schools_csv: Path) -> list[dict[str, str]]:
    with schools_csv.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture
def dataset(catalog_store, portal, schools_csv) -> Dataset:
    metadata = {"title": "Établissements scolaires d’Ille-et-Vilaine", "publisher": ORGANISATION}
    return catalog.import_file(schools_csv, DATASET, metadata=metadata, actor="test").dataset


@pytest.fixture
def outsider(portal) -> User:
    """A publisher, but of another organisation: not an editor of the dataset."""
    user = User.objects.create_user("outsider", password="x")
    PublisherRole.objects.create(user=user, organisation="Autre collectivité")
    return user


def content(response) -> str:
    return response.content.decode()


def steps_post(draft: list[dict], action: str = "", **extra) -> dict[str, str]:
    return {"draft": json.dumps(draft), "action": action, **extra}


def reload(dataset: Dataset) -> Dataset:
    return Dataset.objects.get(pk=dataset.pk)


# Who may ------------------------------------------------------------------------------


PAGES = ["source/", "steps/", "schema/", "personal-data/"]
ACTIONS = ["source/refresh/", "source/remove/", "steps/preview/", "schema/remove/", "personal-data/withdraw/"]


def test_every_page_and_action_is_for_the_dataset_editors_only(dataset, outsider, agent_client):
    client = signed_in(outsider)
    for page in PAGES:
        url = f"/backoffice/datasets/{DATASET}/{page}"
        refused = client.get(url)
        assert refused.status_code == 403, url
        assert "You are not an editor of this dataset." in content(refused)
        assert client.post(url, steps_post([], "save")).status_code == 403, url
        assert agent_client.get(url).status_code == 200, url
    for action in ACTIONS:
        assert client.post(f"/backoffice/datasets/{DATASET}/{action}").status_code == 403, action
    assert reload(dataset).steps == []
    assert Job.objects.count() == 0


def test_actions_are_posts_with_a_csrf_token(dataset, agent):
    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(agent)
    page = client.get(f"/backoffice/datasets/{DATASET}/steps/")
    assert 'name="csrfmiddlewaretoken"' in content(page)
    response = client.post(f"/backoffice/datasets/{DATASET}/steps/", steps_post([{"kind": "drop", "options": {
        "fields": ["fax"]}}], "save"))  # fmt: skip
    assert response.status_code == 403
    assert reload(dataset).steps == []
    assert client.get(f"/backoffice/datasets/{DATASET}/source/refresh/").status_code == 405


def test_the_dataset_page_links_to_the_preparation_tabs(dataset, agent_client):
    page = content(agent_client.get(f"/backoffice/datasets/{DATASET}/"))
    for tab in PAGES:
        assert f'href="/backoffice/datasets/{DATASET}/{tab}"' in page
    steps_page = content(agent_client.get(f"/backoffice/datasets/{DATASET}/steps/"))
    assert re.search(r'id="tab-steps" aria-current="page"', steps_page)


# Processing steps ---------------------------------------------------------------------


def test_an_editor_adds_a_filter_previews_it_and_publishes_a_new_version(dataset, agent_client, school_rows):
    url = f"/backoffice/datasets/{DATASET}/steps/"
    expected = sum(1 for row in school_rows if row["Secteur Public/Privé"] == "Public")
    assert 0 < expected < len(school_rows)

    page = agent_client.get(url)
    assert page.status_code == 200
    assert "No step: the data is published as it is read." in content(page)
    assert 'id="preview-rows"' in content(page)  # the first rows as read

    # Choosing a processor shows the form its options make: a text for the where clause.
    chosen = content(agent_client.post(url, {**steps_post([], "choose"), "kind": "filter"}))
    assert "New step: Keep matching rows" in chosen
    assert 'name="opt-where"' in chosen
    assert 'name="editing_kind" value="filter"' in chosen

    # The live preview (htmx) counts the rows the step being edited keeps, before it is added.
    preview = agent_client.post(
        f"/backoffice/datasets/{DATASET}/steps/preview/",
        {**steps_post([]), "editing": "0", "editing_kind": "filter", "opt-where": PUBLIC_FILTER},
        headers={"HX-Request": "true"},
    )
    assert preview.status_code == 200
    assert f'id="preview-count" data-rows="{expected}"' in content(preview)
    assert f'data-rows-in="{len(school_rows)}" data-rows-out="{expected}"' in content(preview)
    assert "<html" not in content(preview)  # a fragment

    # Adding it puts it in the draft; nothing is saved yet.
    added = agent_client.post(
        url, {**steps_post([], "apply"), "editing": "0", "editing_kind": "filter", "opt-where": PUBLIC_FILTER}
    )
    assert added.status_code == 200
    draft = json.loads(html.unescape(re.search(r'name="draft" value="([^"]*)"', content(added)).group(1)))
    assert draft == [{"kind": "filter", "options": {"where": PUBLIC_FILTER}}]
    assert "not saved" in content(added)
    assert reload(dataset).steps == []

    saved = agent_client.post(url, steps_post(draft, "save"), follow=True)
    assert saved.status_code == 200
    dataset = reload(dataset)
    assert dataset.steps == draft
    assert dataset.current_version == 2
    assert dataset.records_count == expected
    assert f"The steps are saved and published: version 2, {expected} records." in content(saved)
    assert dataset.source["step_counts"][0]["rows_out"] == expected


def test_steps_are_edited_moved_and_removed_in_the_draft(dataset, agent_client):
    url = f"/backoffice/datasets/{DATASET}/steps/"
    draft = [
        {"kind": "filter", "options": {"where": PUBLIC_FILTER}},
        {"kind": "keep", "options": {"fields": ["code_etablissement", "appellation_officielle", "commune"]}},
    ]
    moved = content(agent_client.post(url, steps_post(draft, "down:0")))
    assert re.findall(r'<li data-kind="(\w+)"', moved) == ["keep", "filter"]

    editing = content(agent_client.post(url, steps_post(draft, "edit:1")))
    assert "Step 2: Keep fields" in editing
    assert re.search(r'<option value="commune" selected>commune</option>', editing)  # the step's fields, chosen
    # A list of fields is chosen among those the previous step makes.
    assert '<option value="secteur_public_prive">' in editing

    updated = content(agent_client.post(url, {**steps_post(draft, "apply"), "editing": "1", "editing_kind": "keep",
                                              "opt-fields": ["code_etablissement", "commune"]}))  # fmt: skip
    assert "code_etablissement, commune" in updated
    removed = content(agent_client.post(url, steps_post(draft, "remove:0")))
    assert re.findall(r'<li data-kind="(\w+)"', removed) == ["keep"]
    assert reload(dataset).steps == []


def test_a_step_that_fails_on_a_value_names_it_and_nothing_is_saved(dataset, agent_client, school_rows):
    url = f"/backoffice/datasets/{DATASET}/steps/"
    failing = [{"kind": "retype", "options": {"field": "appellation_officielle", "type": "int"}}]
    first_name = school_rows[0]["Appellation officielle"]

    preview = content(agent_client.post(f"/backoffice/datasets/{DATASET}/steps/preview/", steps_post(failing)))
    assert 'id="preview-error" data-step="1"' in preview
    assert "Step 1 (Change a field&#x27;s type)" in preview
    assert "on row 1, value" in preview
    assert first_name.replace("'", "&#x27;") in preview

    refused = agent_client.post(url, steps_post(failing, "save"))
    assert refused.status_code == 400
    page = content(refused)
    assert "The steps cannot be saved" in page
    assert "Step 1 (Change a field&#x27;s type)" in page and "on row 1" in page
    assert "Nothing was saved: the published data has not changed." in page
    dataset = reload(dataset)
    assert dataset.steps == []
    assert dataset.current_version == 1
    assert dataset.records_count == len(school_rows)


def test_a_failing_step_is_explained_in_french(dataset, agent, compiled):  # noqa: F811
    client = signed_in(agent)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    failing = [{"kind": "retype", "options": {"field": "appellation_officielle", "type": "int"}}]
    preview = html.unescape(content(client.post(f"/backoffice/datasets/{DATASET}/steps/preview/", steps_post(failing))))
    assert "champ 'appellation_officielle'\u00a0: la valeur ne peut pas être lue comme int" in preview
    unknown = [{"kind": "trim", "options": {"fields": ["nulle_part"]}}]
    preview = html.unescape(content(client.post(f"/backoffice/datasets/{DATASET}/steps/preview/", steps_post(unknown))))
    assert "aucun champ nommé 'nulle_part'" in preview


def test_an_invalid_option_is_shown_next_to_its_field(dataset, agent_client):
    url = f"/backoffice/datasets/{DATASET}/steps/"
    data = {**steps_post([], "apply"), "editing": "0", "editing_kind": "compute", "opt-field": "Pas Un Nom",
            "opt-expression": "upper(commune)"}  # fmt: skip
    response = agent_client.post(url, data)
    assert response.status_code == 400
    page = content(response)
    assert re.search(r'data-option="field">.*?must be a field name', page, re.S)
    assert reload(dataset).steps == []


# Source and schedule ------------------------------------------------------------------


@pytest.fixture
def source_folder(schools_csv) -> Path:
    folder = Path(django_settings.DATAPOLIS_SOURCE_FOLDERS[0]) / "education-35"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(schools_csv, folder / SCHOOLS)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def source_form(location: str, **changes) -> dict[str, str]:
    data = {"kind": "folder", "location": location, "username": "", "password": "", "schedule": "1d",
            "delimiter": ";", "encoding": "", "options": ""}  # fmt: skip
    data.update(changes)
    return data


def test_a_folder_source_is_set_refreshed_now_and_listed(dataset, agent_client, source_folder, immediate_jobs):
    url = f"/backoffice/datasets/{DATASET}/source/"
    saved = agent_client.post(url, source_form(str(source_folder / SCHOOLS)))
    assert saved.status_code == 302, content(saved)[:3000]
    source = DatasetSource.objects.get(dataset=dataset)
    assert (source.kind, source.schedule, source.read_options) == ("folder", "1d", {"delimiter": ";"})

    page = content(agent_client.get(url))
    assert 'value="1d"' in page and "Not refreshed yet." in page

    refreshed = agent_client.post(f"/backoffice/datasets/{DATASET}/source/refresh/", {"force": "on"})
    job = Job.objects.get(kind="refresh")
    assert refreshed["Location"] == f"/backoffice/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED
    job_page = content(agent_client.get(refreshed["Location"]))
    assert "Refresh of" in job_page and "Done: new version 2." in job_page

    page = content(agent_client.get(url))
    assert re.search(r'<tr data-outcome="changed">.*?New version.*?<td class="bo-num">2</td>', page, re.S)
    assert 'data-freshness="fresh"' in page
    assert reload(dataset).current_version == 2

    # Again, unchanged: no version.
    agent_client.post(f"/backoffice/datasets/{DATASET}/source/refresh/")
    assert source.refreshes.first().outcome == Outcome.UNCHANGED
    assert "Unchanged" in content(agent_client.get(url))


def test_a_failing_source_shows_the_error_the_incident_and_the_dashboard_flag(
    dataset, agent_client, source_folder, immediate_jobs
):
    url = f"/backoffice/datasets/{DATASET}/source/"
    agent_client.post(url, source_form(str(source_folder / "absent.csv")))
    assert DatasetSource.objects.filter(dataset=dataset).exists()
    agent_client.post(f"/backoffice/datasets/{DATASET}/source/refresh/")
    page = content(agent_client.get(url))
    assert 'data-freshness="failing"' in page
    assert '<tr data-outcome="failed">' in page
    assert "The last refresh failed:" in page
    assert Incident.objects.filter(dataset=dataset, closed__isnull=True).exists()
    assert 'data-incident="refresh_failed"' in page

    dashboard = content(agent_client.get("/backoffice/"))
    assert 'data-freshness="refresh_failed"' in dashboard
    filtered = content(agent_client.get("/backoffice/?freshness=problem"))
    assert DATASET in filtered
    Incident.objects.update(closed=dataset.modified)
    assert "No dataset is late or failing." in content(agent_client.get("/backoffice/?freshness=problem"))


def test_a_refused_source_shows_why_next_to_the_field(dataset, agent_client, tmp_path):
    url = f"/backoffice/datasets/{DATASET}/source/"
    outside = agent_client.post(url, source_form(str(tmp_path / "elsewhere.csv")))
    assert outside.status_code == 400
    assert re.search(r"id_location_error.*?outside the folders sources may read", content(outside), re.S)
    bad_schedule = agent_client.post(url, source_form("https://data.example.fr/x.csv", kind="url", schedule="often"))
    assert bad_schedule.status_code == 400
    assert re.search(r"id_schedule_error.*?The source cannot be saved", content(bad_schedule), re.S)
    assert not DatasetSource.objects.filter(dataset=dataset).exists()


def test_a_password_is_never_shown_back_and_kept_when_left_empty(dataset, agent_client):
    from datapolis.sources.services import spec_of

    url = f"/backoffice/datasets/{DATASET}/source/"
    secret = "mot-de-passe-tres-secret"
    form = source_form("sftp://sftp.example.fr/exports/ecoles.csv", kind="sftp", username="agent", password=secret)
    assert agent_client.post(url, form).status_code == 302
    page = content(agent_client.get(url))
    assert secret not in page
    assert "A password is stored." in page
    assert agent_client.post(url, {**form, "password": "", "schedule": "6h"}).status_code == 302
    source = DatasetSource.objects.get(dataset=dataset)
    assert source.schedule == "6h" and spec_of(source).password == secret
    assert agent_client.post(f"/backoffice/datasets/{DATASET}/source/remove/").status_code == 302
    assert not DatasetSource.objects.filter(dataset=dataset).exists()


# Schema -------------------------------------------------------------------------------


def test_a_schema_file_is_uploaded_and_the_report_shown(dataset, agent_client, shared_data):
    schema_path = shared_data / "schemas" / "scdl-equipements" / "schema.json"
    descriptor = json.loads(schema_path.read_text(encoding="utf-8"))
    url = f"/backoffice/datasets/{DATASET}/schema/"
    with schema_path.open("rb") as handle:
        saved = agent_client.post(url, {"file": handle, "url": "", "mode": "warn"})
    assert saved.status_code == 302, content(saved)[:3000]
    dataset = reload(dataset)
    assert dataset.table_schema["fields"] == descriptor["fields"]
    assert dataset.schema_mode == "warn"

    page = content(agent_client.get(url))
    report = catalog.validate_current(dataset, max_errors=200)
    assert not report.valid
    assert f'data-valid="false" data-errors="{report.error_count}"' in page
    assert 'id="by-rule"' in page and 'id="report-errors"' in page
    for name in report.missing_fields[:3]:
        assert f"<code>{name}</code>" in page
    first = report.errors[0]
    assert f"<code>{first.rule}</code>" in page

    # Only the mode changes; then the schema is removed.
    assert agent_client.post(url, {"url": "", "mode": "block"}).status_code == 302
    assert reload(dataset).schema_mode == "block"
    assert agent_client.post(f"/backoffice/datasets/{DATASET}/schema/remove/").status_code == 302
    assert reload(dataset).table_schema == {}


def test_a_file_that_is_not_a_schema_is_refused(dataset, agent_client, schools_csv):
    with schools_csv.open("rb") as handle:
        refused = agent_client.post(f"/backoffice/datasets/{DATASET}/schema/", {"file": handle, "mode": "warn"})
    assert refused.status_code == 400
    assert "This is not a valid Table Schema" in content(refused)
    assert reload(dataset).table_schema == {}


# Personal data ------------------------------------------------------------------------


def test_personal_data_is_declared_with_a_warning_until_a_step_protects_it(dataset, agent_client):
    url = f"/backoffice/datasets/{DATASET}/personal-data/"
    page = content(agent_client.get(url))
    assert 'name="personal_fields" value="patronyme_uai"' in page
    declared = agent_client.post(url, {"personal_fields": ["patronyme_uai", "adresse"], "purpose": "Annuaire",
                                       "legal_basis": "public_task", "retention": "5 ans",
                                       "contact": "dpo@testville.fr"})  # fmt: skip
    assert declared.status_code == 302, content(declared)[:3000]
    assert PersonalData.objects.get(dataset=dataset).fields == ["patronyme_uai", "adresse"]
    page = content(agent_client.get(url))
    assert 'id="unprotected"' in page
    assert "<code>patronyme_uai</code>, <code>adresse</code>" in page

    # Published as open data: a step that leaves a field unprotected cannot be saved.
    steps_url = f"/backoffice/datasets/{DATASET}/steps/"
    refused = agent_client.post(steps_url, steps_post([{"kind": "drop", "options": {"fields": ["adresse"]}}], "save"))
    assert refused.status_code == 400
    assert "patronyme_uai" in content(refused) and reload(dataset).steps == []
    protecting = [{"kind": "drop", "options": {"fields": ["adresse"]}},
                  {"kind": "anonymise", "options": {"fields": ["patronyme_uai"], "method": "hash"}}]  # fmt: skip
    assert agent_client.post(steps_url, steps_post(protecting, "save")).status_code == 302
    page = content(agent_client.get(url))
    assert 'id="unprotected"' not in page and 'id="protected"' in page

    assert agent_client.post(f"/backoffice/datasets/{DATASET}/personal-data/withdraw/").status_code == 302
    assert not PersonalData.objects.filter(dataset=dataset).exists()


@pytest.mark.usefixtures("compiled")
def test_the_pages_speak_french(dataset, agent):
    client = signed_in(agent)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = content(client.get(f"/backoffice/datasets/{DATASET}/steps/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Étapes de traitement" in page
    assert "Enregistrer et publier" in page
    chosen = content(client.post(f"/backoffice/datasets/{DATASET}/steps/", {**steps_post([], "choose"),
                                 "kind": "filter"}, HTTP_ACCEPT_LANGUAGE="fr"))  # fmt: skip
    assert "Garder les lignes correspondantes" in chosen
    source = content(client.get(f"/backoffice/datasets/{DATASET}/source/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Source et planification" in source
