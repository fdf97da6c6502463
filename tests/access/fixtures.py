"""The access matrix: roles, kinds of datasets and portals, for policy and HTTP tests.

`build_matrix()` makes, on a fresh database (and lake, when `with_data`):

datasets (all with fields id, commune, population, secret, geo and the five rows of ROWS):
  public      public, on the main portal
  restricted  restricted, on the main portal; the partner's grant on it has expired
  filtered    restricted; group "agents-meudon" sees commune = "Meudon" and every field but secret
  shared      public, on the main portal, shared to meudon.data.example.fr with commune = "Meudon"

principals: anonymous, reader (no grant), member (of agents-meudon), partner (expired
grants), publisher (of the producer "Service SIG", which produces restricted and filtered),
admin (superuser).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from datapolis.access.models import Grant, PublisherRole
from datapolis.access.policy import ANONYMOUS, Principal, principal_for_user
from datapolis.catalog.models import Dataset, Field, Status, Visibility
from datapolis.portals.models import Portal
from datapolis.portals.services import create_portal, share_dataset

MAIN_HOST = "data.example.fr"
MEUDON_HOST = "meudon.data.example.fr"
FIELDS = ("id", "commune", "population", "secret", "geo")
FIELD_TYPES = {"id": "int", "commune": "text", "population": "int", "secret": "text", "geo": "geo_point_2d"}
ROWS = [
    (1, "Meudon", 100, "secret-one", "48.8130,2.2380"),
    (2, "Meudon", 200, "secret-two", "48.8070,2.2410"),
    (3, "Clamart", 300, "secret-three", "48.8000,2.2660"),
    (4, "Sèvres", 400, "secret-four", "48.8240,2.2110"),
    (5, "Clamart", 500, "secret-five", "48.7960,2.2580"),
]
MEUDON_FILTER = 'commune = "Meudon"'
MEUDON_ROWS = [row for row in ROWS if row[1] == "Meudon"]
FILTERED_FIELDS = frozenset({"id", "commune", "population", "geo"})
PASSWORD = "correct horse battery staple"
ROLES = ("anonymous", "reader", "member", "partner", "publisher", "admin")


@dataclass
class Matrix:
    main: Portal
    meudon: Portal
    datasets: dict[str, Dataset]
    users: dict[str, User] = field(default_factory=dict)

    def principal(self, role: str) -> Principal:
        if role == "anonymous":
            return ANONYMOUS
        return principal_for_user(User.objects.get(pk=self.users[role].pk))


def write_csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        writer.writerows(ROWS)
    return path


def make_dataset(dataset_id: str, visibility: str, producer: str, csv_path: Path | None) -> Dataset:
    """A published dataset, with its data in the lake when `csv_path` is given."""
    if csv_path is not None:
        from datapolis.catalog import services

        result = services.import_file(
            csv_path, dataset_id, visibility=visibility, metadata={"title": dataset_id, "producer": producer}
        )
        return result.dataset
    dataset = Dataset.objects.create(
        dataset_id=dataset_id, title=dataset_id, visibility=visibility, producer=producer, status=Status.PUBLISHED
    )
    for position, name in enumerate(FIELDS):
        Field.objects.create(dataset=dataset, position=position, name=name, label=name, type=FIELD_TYPES[name])
    return dataset


def build_matrix(tmp_path: Path | None = None) -> Matrix:
    """The matrix; with `tmp_path`, datasets are imported into the current store with their rows."""
    csv_path = write_csv(tmp_path / "communes.csv") if tmp_path is not None else None
    main = create_portal(MAIN_HOST, "Métropole", is_default=True)
    meudon = create_portal(MEUDON_HOST, "Meudon")
    datasets = {
        "public": make_dataset("public", Visibility.PUBLIC, "Open data", csv_path),
        "restricted": make_dataset("restricted", Visibility.RESTRICTED, "Service SIG", csv_path),
        "filtered": make_dataset("filtered", Visibility.RESTRICTED, "Service SIG", csv_path),
        "shared": make_dataset("shared", Visibility.PUBLIC, "Open data", csv_path),
    }
    share_dataset(meudon, datasets["shared"], MEUDON_FILTER)
    matrix = Matrix(main=main, meudon=meudon, datasets=datasets)
    for role in ROLES[1:]:
        matrix.users[role] = User.objects.create_user(
            role, email=f"{role}@example.fr", password=PASSWORD, is_superuser=role == "admin", is_staff=role == "admin"
        )
    group = Group.objects.create(name="agents-meudon")
    matrix.users["member"].groups.add(group)
    Grant.objects.create(
        dataset=datasets["filtered"], group=group, row_filter=MEUDON_FILTER, fields=sorted(FILTERED_FIELDS)
    )
    yesterday = timezone.now() - timedelta(days=1)
    for name in ("restricted", "filtered"):
        Grant.objects.create(dataset=datasets[name], user=matrix.users["partner"], expires_at=yesterday)
    PublisherRole.objects.create(user=matrix.users["publisher"], organisation="service sig")
    return matrix


# Fixtures (imported by tests/access/conftest.py and tests/portals/conftest.py) ----------


@pytest.fixture
def matrix(db) -> Matrix:
    """The access matrix, catalog only (no data in the lake): for policy tests."""
    return build_matrix()


@pytest.fixture
def lake(store):
    from datapolis.catalog.storage import use_store

    use_store(store)
    yield store
    use_store(None)


@pytest.fixture
def matrix_with_data(db, lake, tmp_path) -> Matrix:
    """The access matrix with every dataset's rows in the test's lake: for HTTP tests."""
    return build_matrix(tmp_path)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Tests create many users; PBKDF2's deliberate slowness is not under test here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
