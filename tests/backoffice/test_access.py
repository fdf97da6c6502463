"""Who may use the back office: publishers yes, readers no, signed-out visitors to the sign-in page.

Agents never need the Django admin, and it refuses them.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from datapolis.access.models import PortalAdmin, PublisherRole
from datapolis.catalog.models import Dataset, Status
from tests.backoffice.conftest import ORGANISATION, PASSWORD, signed_in

PAGES = ["/backoffice/", "/backoffice/new/"]


@pytest.fixture
def datasets(portal):
    ours = Dataset.objects.create(dataset_id="ours", title="Ours", publisher=ORGANISATION, status=Status.PUBLISHED)
    theirs = Dataset.objects.create(dataset_id="theirs", title="Theirs", publisher="Autre", status=Status.PUBLISHED)
    return ours, theirs


@pytest.mark.parametrize("url", [*PAGES, "/backoffice/datasets/ours/"])
def test_signed_out_visitors_are_sent_to_sign_in(datasets, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", [*PAGES, "/backoffice/datasets/ours/"])
def test_users_without_a_publisher_role_are_refused(reader, datasets, url):
    response = signed_in(reader).get(url)
    assert response.status_code == 403
    assert b"publisher role" in response.content


def test_a_publisher_sees_and_manages_only_the_datasets_of_their_organisation(agent_client, datasets):
    page = agent_client.get("/backoffice/").content.decode()
    assert "/backoffice/datasets/ours/" in page
    assert "/backoffice/datasets/theirs/" not in page
    assert agent_client.get("/backoffice/datasets/ours/").status_code == 200
    assert agent_client.get("/backoffice/datasets/theirs/").status_code == 403
    assert agent_client.post("/backoffice/datasets/theirs/unpublish/").status_code == 403
    assert Dataset.objects.get(dataset_id="theirs").status == Status.PUBLISHED


def test_a_publisher_of_one_dataset_manages_it_but_creates_nothing(portal, datasets):
    user = User.objects.create_user("one", password=PASSWORD)
    PublisherRole.objects.create(user=user, dataset=datasets[1])
    client = signed_in(user)
    assert client.get("/backoffice/datasets/theirs/").status_code == 200
    assert client.get("/backoffice/datasets/ours/").status_code == 403
    response = client.get("/backoffice/new/")
    assert response.status_code == 403
    assert b"not create new ones" in response.content


def test_portal_admins_and_instance_admins_manage_every_dataset_of_the_portal(portal, datasets, admin_client):
    user = User.objects.create_user("portal-admin", password=PASSWORD)
    PortalAdmin.objects.create(user=user, portal=portal)
    for client in (signed_in(user), admin_client):
        page = client.get("/backoffice/").content.decode()
        assert "/backoffice/datasets/ours/" in page and "/backoffice/datasets/theirs/" in page
        assert client.get("/backoffice/new/").status_code == 200


def test_an_unknown_dataset_is_404(agent_client, datasets):
    assert agent_client.get("/backoffice/datasets/nope/").status_code == 404


def test_the_django_admin_refuses_agents(agent, datasets):
    """Agents are not staff: the admin sends them to its own sign-in, which refuses them too."""
    client = signed_in(agent)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get("/admin/catalog/dataset/").status_code == 302

    fresh = Client()
    page = fresh.get("/admin/login/")
    token = page.cookies["csrftoken"].value
    response = fresh.post(
        "/admin/login/", {"username": "agent", "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/admin/"}
    )
    assert response.status_code == 200  # the form again, with an error: not a staff account
    assert fresh.get("/admin/").status_code == 302


def test_the_django_admin_is_for_instance_admins(admin_client):
    assert admin_client.get("/admin/").status_code == 200


def test_back_office_forms_require_csrf(agent, datasets):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.post("/backoffice/datasets/ours/unpublish/").status_code == 403
    assert Dataset.objects.get(dataset_id="ours").status == Status.PUBLISHED
    assert client.post("/backoffice/new/", {"url": "https://example.org/a.csv"}).status_code == 403
