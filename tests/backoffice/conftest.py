"""Back-office fixtures: a portal, agents with and without roles, signed-in clients, French CSV files."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client

from datapolis.access.models import PublisherRole
from datapolis.portals.services import default_portal

PASSWORD = "correct horse battery staple"
ORGANISATION = "Ville de Testville"


@pytest.fixture(autouse=True)
def backoffice_settings(settings, tmp_path: Path):
    """Uploads in this test's folder; fast password hashing (users are not under test)."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"
    return settings


@pytest.fixture
def portal(db):
    return default_portal("testserver")


@pytest.fixture
def agent(portal) -> User:
    """A publisher of the organisation ORGANISATION: not staff, not superuser."""
    user = User.objects.create_user("agent", email="agent@testville.fr", password=PASSWORD)
    PublisherRole.objects.create(user=user, organisation=ORGANISATION)
    return user


@pytest.fixture
def admin(portal) -> User:
    return User.objects.create_user("root", password=PASSWORD, is_superuser=True, is_staff=True)


@pytest.fixture
def reader(portal) -> User:
    return User.objects.create_user("reader", password=PASSWORD)


def signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def agent_client(agent) -> Client:
    return signed_in(agent)


@pytest.fixture
def admin_client(admin) -> Client:
    return signed_in(admin)


@pytest.fixture
def immediate_jobs() -> Iterator[None]:
    """Huey runs queued tasks at once, in the calling thread."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield
    HUEY.immediate = False


def french_csv(path: Path, rows: int = 50, *, seed: int = 1) -> Path:
    """A French-style CSV: `;` separators, decimal commas, dd/mm/yyyy dates, latitude/longitude."""
    path.write_text(french_csv_text(rows, seed=seed), encoding="utf-8")
    return path


def french_csv_text(rows: int = 50, *, seed: int = 1) -> str:
    generator = random.Random(seed)
    lines = ["identifiant;nom;population;surface_km2;date_recensement;latitude;longitude"]
    for index in range(rows):
        cells = [
            f"C{index:05d}",
            f"Commune n°{index}",
            str(generator.randint(100, 90000)),
            f"{generator.random() * 80:.2f}".replace(".", ","),
            f"{generator.randint(1, 28):02d}/{generator.randint(1, 12):02d}/20{generator.randint(10, 23)}",
            f"{43.0 + generator.random() * 6:.6f}".replace(".", ","),
            f"{-1.0 + generator.random() * 7:.6f}".replace(".", ","),
        ]
        lines.append(";".join(cells))
    return "\n".join(lines) + "\n"


def upload_id_from(response) -> str:
    match = re.search(r"/backoffice/uploads/([0-9a-f-]{36})/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def post_file(client: Client, path: Path, url: str = "/backoffice/new/") -> HttpResponse:
    """Send a file to the first step, as its form does."""
    with path.open("rb") as handle:
        return client.post(url, {"file": handle})


def start_upload(client: Client, path: Path, url: str = "/backoffice/new/") -> str:
    """Send a file to the first step; returns the upload's id (asserts the redirect to the preview)."""
    response = post_file(client, path, url)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"].endswith("/preview/")
    return upload_id_from(response)


def field_forms(fields: list[dict], **changes) -> dict[str, str]:
    """The POST data of a columns form for `fields`, with `changes` = {name: {key: value}} applied."""
    data = {
        "form-TOTAL_FORMS": str(len(fields)),
        "form-INITIAL_FORMS": str(len(fields)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for index, field in enumerate(fields):
        values = {**field, **changes.get(field["name"], {})}
        data[f"form-{index}-name"] = values["name"]
        data[f"form-{index}-label"] = values["label"]
        data[f"form-{index}-type"] = values["type"]
        data[f"form-{index}-description"] = values.get("description", "")
        data[f"form-{index}-unit"] = values.get("unit", "")
        if values.get("facet"):
            data[f"form-{index}-facet"] = "on"
        if values.get("sortable"):
            data[f"form-{index}-sortable"] = "on"
    return data


def metadata_form(dataset_id: str, action: str = "publish", **extra) -> dict[str, str]:
    data = {
        "dataset_id": dataset_id,
        "title": "Communes de Testville",
        "description": "Les communes, leur population et leur position.",
        "keywords": "communes, population",
        "license": "etalab-2.0",
        "publisher": ORGANISATION,
        "producer": "",
        "contact_name": "Service données",
        "contact_email": "donnees@testville.fr",
        "update_frequency": "annual",
        "territory": "Testville",
        "temporal_start": "2020-01-01",
        "temporal_end": "2023-12-31",
        "language": "fr",
        "visibility": "public",
        "action": action,
    }
    data.update(extra)
    return data
