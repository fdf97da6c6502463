"""Harvesting in the back office (issue 13): instance admins list, add and follow harvest sources.

No network: runs are created with their report (`HarvestRun.objects.create`), and "Run now"
only queues a job (Huey is not immediate here), whose page is then checked in each state.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from datapolis.access.models import PortalAdmin
from datapolis.access.policy import ANONYMOUS, may_manage_harvests, principal_for_user
from datapolis.audit.models import AuditEvent
from datapolis.catalog import services as catalog
from datapolis.harvest import secrets, services
from datapolis.harvest.models import HarvestedDataset, HarvestRun, HarvestSource, RunStatus
from datapolis.jobs.models import Job, JobStatus
from tests.backoffice.conftest import signed_in
from tests.i18n.test_translations import compiled  # noqa: F401 (the fixture compiling the catalogs)

API_KEY = "k3y-of-the-old-portal-0123456789"
PAGES = ["/backoffice/harvest/", "/backoffice/harvest/add/", "/backoffice/harvest/sources/ancien-portail/"]


def form(**changes) -> dict[str, str]:
    data = {
        "name": "ancien-portail",
        "url": "https://data.metropole.example.fr",
        "kind": "ods",
        "organisation": "Métropole de Testville",
        "schedule": "1d",
        "other_every": "",
        "api_key": API_KEY,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def source(admin) -> HarvestSource:
    return services.add_source(
        "ancien-portail",
        "https://data.metropole.example.fr",
        "ods",
        organisation="Métropole de Testville",
        every=dt.timedelta(hours=6),
        api_key=API_KEY,
        actor=admin,
    )


def content(response) -> str:
    return response.content.decode()


# The rule ----------------------------------------------------------------------------


def test_only_instance_admins_manage_harvests(admin, agent, portal):
    portal_admin = User.objects.create_user("portal-admin", password="x")
    PortalAdmin.objects.create(user=portal_admin, portal=portal)

    assert may_manage_harvests(principal_for_user(admin))
    assert not may_manage_harvests(principal_for_user(agent))
    assert not may_manage_harvests(principal_for_user(portal_admin))
    assert not may_manage_harvests(ANONYMOUS)


# Listing and adding ------------------------------------------------------------------


def test_the_admin_finds_harvesting_in_the_navigation_and_an_empty_list(admin_client):
    dashboard = content(admin_client.get("/backoffice/"))
    assert re.search(r'<a href="/backoffice/harvest/"[^>]*>Harvesting</a>', dashboard)

    response = admin_client.get("/backoffice/harvest/")
    assert response.status_code == 200
    assert 'aria-current="page" id="harvest-link"' in content(response)
    assert "No harvest source yet." in content(response)
    assert 'href="/backoffice/harvest/add/"' in content(response)


def test_an_admin_adds_a_scheduled_source_with_an_api_key_and_sees_it_listed(admin_client, admin):
    page = content(admin_client.get("/backoffice/harvest/add/"))
    assert '<select name="kind"' in page and 'value="dcat"' in page and 'value="ckan"' in page
    assert '<input type="password" name="api_key"' in page

    response = admin_client.post("/backoffice/harvest/add/", form())

    assert response.status_code == 302
    assert response["Location"] == "/backoffice/harvest/sources/ancien-portail/"
    source = HarvestSource.objects.get(name="ancien-portail")
    assert (source.kind, source.url) == ("ods", "https://data.metropole.example.fr")
    assert source.organisation == "Métropole de Testville"
    assert source.every == dt.timedelta(days=1) and source.next_run is not None and not source.metadata_only
    assert API_KEY not in source.api_key_encrypted and secrets.decrypt(source.api_key_encrypted) == API_KEY
    event = AuditEvent.objects.get(action="harvest_source_added")
    assert (event.actor, event.target, event.details["api_key"]) == (admin, "ancien-portail", True)

    source_page = content(admin_client.get(response["Location"]))
    assert "The source “ancien-portail” is added. The job worker harvests it within a minute." in source_page
    assert "Every day" in source_page and "stored, encrypted" in source_page
    assert "This source has not been harvested yet." in source_page

    listing = content(admin_client.get("/backoffice/harvest/"))
    row = re.search(r'<tr data-source="ancien-portail">.*?</tr>', listing, re.S).group(0)
    for text in ("Opendatasoft (Explore API v2.1)", "https://data.metropole.example.fr", "Every day", "Never run"):
        assert text in row
    assert API_KEY not in listing and API_KEY not in source_page


def test_a_source_by_hand_with_another_period_and_metadata_only(admin_client):
    data = form(name="partenaires", kind="dcat", schedule="", api_key="")
    response = admin_client.post("/backoffice/harvest/add/", data)
    assert response.status_code == 302
    by_hand = HarvestSource.objects.get(name="partenaires")
    assert (by_hand.kind, by_hand.every, by_hand.next_run, by_hand.has_api_key) == ("dcat", None, None, False)
    assert "Harvest it with “Run now”." in content(admin_client.get(response["Location"]))

    data = form(name="ckan-region", kind="ckan", schedule="other", other_every="6h", metadata_only="on")
    assert admin_client.post("/backoffice/harvest/add/", data).status_code == 302
    every_6h = HarvestSource.objects.get(name="ckan-region")
    assert every_6h.every == dt.timedelta(hours=6) and every_6h.metadata_only

    listing = content(admin_client.get("/backoffice/harvest/"))
    assert "By hand only" in listing and "Every 6 hours" in listing
    assert "DCAT-AP catalog (RDF/XML, Turtle, JSON-LD)" in listing and "CKAN (action API)" in listing


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "Ancien Portail"}, "name", "Use lowercase letters, digits, “-” and “_”"),
        ({"url": "ftp://data.example.fr/catalog"}, "url", "Give an http:// or https:// address."),
        ({"url": "not an address"}, "url", "Enter a valid URL."),
        ({"kind": "socrata"}, "kind", "Select a valid choice."),
        ({"schedule": "other", "other_every": ""}, "other_every", "Write the period, e.g. 6h."),
        ({"schedule": "other", "other_every": "6x"}, "other_every", "Write a number and a unit, m, h, d or w"),
        ({"schedule": "other", "other_every": "0h"}, "other_every", "Write a number and a unit, m, h, d or w"),
        ({"schedule": "1d", "other_every": "6h"}, "other_every", "Choose “Another period” as the schedule"),
    ],
)
def test_a_form_with_errors_says_what_to_change_and_adds_nothing(admin_client, changes, field, message):
    response = admin_client.post("/backoffice/harvest/add/", form(**changes))

    assert response.status_code == 400
    page = content(response)
    assert message in page
    assert 'aria-invalid="true"' in page and f'id="id_{field}_error"' in page
    assert 'value="' + API_KEY not in page and API_KEY not in page  # the key is typed again, never shown back
    assert HarvestSource.objects.count() == 0


def test_a_name_already_taken_and_a_refusal_of_the_service_are_shown_on_the_form(admin_client, source, monkeypatch):
    response = admin_client.post("/backoffice/harvest/add/", form())
    assert response.status_code == 400
    assert "A source is already called ancien-portail." in content(response)

    def refuse(*args, **kwargs):
        raise services.HarvestError("the source refuses this")

    monkeypatch.setattr(services, "add_source", refuse)
    response = admin_client.post("/backoffice/harvest/add/", form(name="autre"))
    assert response.status_code == 400
    assert "The source cannot be added: the source refuses this" in content(response)
    assert API_KEY not in content(response)


# A source and its runs ---------------------------------------------------------------


def test_a_source_page_shows_each_run_with_its_report(admin_client, source):
    velos = catalog.create_draft("velos", title="Vélos")
    HarvestedDataset.objects.create(source=source, dataset=velos, remote_id="velos", remote_uri="https://x/velos")
    parkings = catalog.create_draft("ancien-portail-parkings", title="Parkings")
    HarvestedDataset.objects.create(source=source, dataset=parkings, remote_id="parkings", remote_uri="https://x/p")
    started = timezone.now() - dt.timedelta(hours=2)
    first = HarvestRun.objects.create(
        source=source,
        status=RunStatus.FAILED,
        started=started - dt.timedelta(days=1),
        finished=started - dt.timedelta(days=1),
        error="https://data.metropole.example.fr answered HTTP 503",
        report={"created": [], "updated": [], "unchanged": [], "gone": [], "failed": []},
    )
    second = HarvestRun.objects.create(
        source=source,
        status=RunStatus.SUCCEEDED,
        started=started,
        finished=started + dt.timedelta(minutes=3),
        report={
            "created": ["velos", "ancien-portail-parkings"],
            "updated": [],
            "unchanged": ["deleted-since"],
            "gone": ["old-dataset"],
            "failed": [
                {"id": "parkings", "reason": "the file is not a table"},
                {"id": "https://x/never-harvested", "reason": "HTTP 404"},
            ],
        },
    )

    page = content(admin_client.get("/backoffice/harvest/sources/ancien-portail/"))

    assert page.index(f'id="run-{second.pk}"') < page.index(f'id="run-{first.pk}"')  # the latest first
    report = re.search(rf'<article[^>]*id="run-{second.pk}".*?</article>', page, re.S).group(0)
    assert "Succeeded" in report and "2 created, 0 updated, 1 unchanged, 1 gone, 2 failed" in report
    assert "<summary>2 created</summary>" in report and "<summary>1 gone</summary>" in report
    assert '<a href="/backoffice/datasets/velos/"><code>velos</code></a>' in report
    assert '<a href="/backoffice/datasets/ancien-portail-parkings/"><code>ancien-portail-parkings</code></a>' in report
    assert "<code>deleted-since</code>" in report and 'href="/backoffice/datasets/deleted-since/"' not in report
    # A failure names the remote dataset (linked when it became one here) and why.
    parkings_link = '<a href="/backoffice/datasets/ancien-portail-parkings/"><code>parkings</code></a>'
    assert f"{parkings_link} — the file is not a table" in report
    assert "<code>https://x/never-harvested</code> — HTTP 404" in report
    assert "<summary>0" not in report  # empty outcomes are left out
    failed = re.search(rf'<article[^>]*id="run-{first.pk}".*?</article>', page, re.S).group(0)
    assert "Failed" in failed and "The run failed: https://data.metropole.example.fr answered HTTP 503" in failed
    assert 'data-datasets="2"' in page and "Every 6 hours" in page and "Métropole de Testville" in page
    assert API_KEY not in page

    listing = content(admin_client.get("/backoffice/harvest/"))
    row = re.search(r'<tr data-source="ancien-portail">.*?</tr>', listing, re.S).group(0)
    assert "Succeeded" in row and "2 created, 0 updated, 1 unchanged, 1 gone, 2 failed" in row
    assert '<td class="bo-num">2</td>' in row


def test_the_datasets_gone_from_the_source_are_counted(admin_client, source):
    for dataset_id, gone in (("un", False), ("deux", True)):
        dataset = catalog.create_draft(dataset_id)
        HarvestedDataset.objects.create(source=source, dataset=dataset, remote_id=dataset_id, remote_uri="", gone=gone)

    assert "1 gone" in content(admin_client.get("/backoffice/harvest/"))
    page = content(admin_client.get("/backoffice/harvest/sources/ancien-portail/"))
    assert "1 gone from the source, still served" in page


def test_an_unknown_source_is_not_found(admin_client):
    assert admin_client.get("/backoffice/harvest/sources/nothing/").status_code == 404
    assert admin_client.post("/backoffice/harvest/sources/nothing/run/").status_code == 404


# Run now and the job page ------------------------------------------------------------


def test_run_now_queues_a_harvest_job_and_leads_to_its_page(admin_client, admin, source):
    assert 'action="/backoffice/harvest/sources/ancien-portail/run/"' in content(
        admin_client.get("/backoffice/harvest/sources/ancien-portail/")
    )
    assert admin_client.get("/backoffice/harvest/sources/ancien-portail/run/").status_code == 405

    response = admin_client.post("/backoffice/harvest/sources/ancien-portail/run/")

    job = Job.objects.get()
    assert (job.kind, job.dataset_id, job.parameters) == ("harvest", "", {"source": "ancien-portail"})
    assert job.created_by == admin
    assert job.status == JobStatus.QUEUED
    assert response.status_code == 302 and response["Location"] == f"/backoffice/jobs/{job.pk}/"
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    assert "<h1>Harvest of ancien-portail</h1>" in content(page)
    assert "The harvest waits for the job worker." in content(page)
    assert "Importing" not in content(page) and API_KEY not in content(page)

    # Clicked again while it waits: the same job, not a second one; the list and the page say it is queued.
    again = admin_client.post("/backoffice/harvest/sources/ancien-portail/run/")
    assert again["Location"] == f"/backoffice/jobs/{job.pk}/" and Job.objects.count() == 1
    assert "A harvest is queued: follow it." in content(admin_client.get("/backoffice/harvest/"))
    source_page = content(admin_client.get("/backoffice/harvest/sources/ancien-portail/"))
    assert f'href="/backoffice/jobs/{job.pk}/"' in source_page


def test_another_admin_follows_a_scheduled_harvest_and_sees_how_it_ended(admin_client, source):
    job = Job.objects.create(kind="harvest", dataset_id="", parameters={"source": "ancien-portail"})  # by the schedule
    run = HarvestRun.objects.create(source=source, job_id=job.pk, status=RunStatus.SUCCEEDED, finished=timezone.now())
    job.status = JobStatus.SUCCEEDED
    job.result = {"run": run.pk, "created": 3, "updated": 1, "unchanged": 0, "gone": 0, "failed": 1}
    job.save()

    page = content(admin_client.get(f"/backoffice/jobs/{job.pk}/"))
    assert "Done: 3 created, 1 updated, 0 unchanged, 0 gone, 1 failed." in page
    assert f'href="/backoffice/harvest/sources/ancien-portail/#run-{run.pk}"' in page
    assert "hx-get" not in page
    polled = admin_client.get(f"/backoffice/jobs/{job.pk}/", HTTP_HX_REQUEST="true")  # htmx: the status only
    assert polled.status_code == 200 and "Done: 3 created" in content(polled) and "<h1>" not in content(polled)

    job.status, job.result = JobStatus.FAILED, {}
    job.error = {"code": "harvest_failed", "message": "the catalog of https://data.metropole.example.fr answered 503"}
    job.save()
    page = content(admin_client.get(f"/backoffice/jobs/{job.pk}/"))
    assert "The harvest failed" in page and "answered 503" in page
    assert 'href="/backoffice/harvest/sources/ancien-portail/"' in page

    job.status = JobStatus.RUNNING
    job.started = timezone.now()
    job.save()
    page = content(admin_client.get(f"/backoffice/jobs/{job.pk}/"))
    assert "bringing each of its datasets up to date" in page and "hx-get" in page


# Who is refused ----------------------------------------------------------------------


def test_a_publisher_who_is_not_an_admin_is_refused_everywhere_and_sees_no_link(agent_client, source):
    dashboard = content(agent_client.get("/backoffice/"))
    assert "/backoffice/harvest/" not in dashboard and "Harvesting" not in dashboard

    job = Job.objects.create(kind="harvest", dataset_id="", parameters={"source": "ancien-portail"})
    for path in [*PAGES, f"/backoffice/jobs/{job.pk}/"]:
        response = agent_client.get(path)
        assert response.status_code == 403, path
        assert "Only the administrators of the instance manage harvesting." in content(response)
    for path in ["/backoffice/harvest/add/", "/backoffice/harvest/sources/ancien-portail/run/"]:
        assert agent_client.post(path, form(name="autre")).status_code == 403, path
    assert HarvestSource.objects.count() == 1 and Job.objects.count() == 1


def test_a_portal_admin_is_refused_too_and_signed_out_visitors_are_sent_to_sign_in(portal, source):
    portal_admin = User.objects.create_user("portal-admin", password="x")
    PortalAdmin.objects.create(user=portal_admin, portal=portal)
    client = signed_in(portal_admin)
    assert client.get("/backoffice/").status_code == 200
    for path in PAGES:
        assert client.get(path).status_code == 403, path

    for path in PAGES:
        response = Client().get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], path


def test_the_forms_are_csrf_protected(admin, source):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    assert client.post("/backoffice/harvest/add/", form(name="autre")).status_code == 403
    assert client.post("/backoffice/harvest/sources/ancien-portail/run/").status_code == 403
    assert HarvestSource.objects.count() == 1 and Job.objects.count() == 0

    page = content(client.get("/backoffice/harvest/sources/ancien-portail/"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post("/backoffice/harvest/sources/ancien-portail/run/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and Job.objects.count() == 1


# In French ---------------------------------------------------------------------------


@pytest.mark.usefixtures("compiled")
def test_the_harvesting_pages_are_in_french(admin_client, source):
    HarvestRun.objects.create(
        source=source, status=RunStatus.SUCCEEDED, finished=timezone.now(), report={"created": ["a", "b"], "failed": []}
    )
    listing = content(admin_client.get("/backoffice/harvest/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Moissonnage" in listing and "Ajouter une source" in listing and "Toutes les 6 heures" in listing
    assert "2 créés, 0 mis à jour, 0 inchangé, 0 disparu, 0 en échec" in listing
    page = content(admin_client.get("/backoffice/harvest/sources/ancien-portail/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Lancer maintenant" in page and "Réussie" in page and "Exécution du" in page
    add = content(admin_client.get("/backoffice/harvest/add/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Clé d’API de la source" in add and "À la demande uniquement" in add
