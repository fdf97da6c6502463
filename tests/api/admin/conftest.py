"""Fixtures of the admin API's preparation endpoints: the schools of Ille-et-Vilaine, callers with or without rights."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from datapolis.access import services as access
from datapolis.access.models import PortalAdmin, PublisherRole
from datapolis.catalog import services
from datapolis.catalog.models import Dataset
from datapolis.portals.services import default_portal

SCHOOLS = ("education-35", "fr-en-adresse-et-geolocalisation-etablissements-premier-et-second-degre.csv")


class Api:
    """The admin JSON API with one user's write key."""

    def __init__(self, key: str):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Apikey {key}"}

    def get(self, path, **params):
        return self.client.get(f"/api/admin{path}", params, **self.headers)

    def post(self, path, data=None):
        return self.client.post(f"/api/admin{path}", data or {}, content_type="application/json", **self.headers)

    def put(self, path, data):
        return self.client.put(f"/api/admin{path}", data, content_type="application/json", **self.headers)

    def delete(self, path):
        return self.client.delete(f"/api/admin{path}", **self.headers)

    def call(self, method, path, data=None):
        send = getattr(self.client, method.lower())
        return send(f"/api/admin{path}", data, content_type="application/json", **self.headers)


def api_of(username: str, *, admin: bool = False) -> Api:
    if not User.objects.filter(username=username).exists():
        access.create_user(username, admin=admin, actor="test")
    return Api(access.create_api_key(username, scope="write", actor="test")[1])


@pytest.fixture
def schools_path(shared_datasets: Path) -> Path:
    return shared_datasets.joinpath(*SCHOOLS)


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture
def ecoles(catalog_store, schools_path: Path) -> Dataset:
    return services.import_file(schools_path, "ecoles", metadata={"title": "Écoles d'Ille-et-Vilaine"}).dataset


@pytest.fixture
def admin(db) -> Api:
    return api_of("admin", admin=True)


@pytest.fixture
def editor(ecoles) -> Api:
    """A publisher of `ecoles` only."""
    api = api_of("editrice")
    PublisherRole.objects.create(user=User.objects.get(username="editrice"), dataset=ecoles)
    return api


@pytest.fixture
def stranger(db) -> Api:
    """Signed in, with a write key, and no right on any dataset."""
    return api_of("passant")


@pytest.fixture
def portal_admin(db) -> Api:
    api = api_of("admin-portail")
    user = User.objects.get(username="admin-portail")
    PortalAdmin.objects.create(user=user, portal=default_portal("data.example.fr"))
    return api
