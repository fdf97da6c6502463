"""The register of personal data in the back office, and its CSV, for the data protection officer.

Two real datasets (the schools of Ille-et-Vilaine, the subsidies of Castelmaurou), one owned by
the default portal and one by a city's sub-portal, each declared with the catalog's service:
an instance admin reads both, the default portal's admin only the first, a publisher none.
"""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from datapolis.access.models import PortalAdmin
from datapolis.catalog import services as catalog
from datapolis.catalog.personal_data import REGISTER_COLUMNS
from datapolis.portals.models import Portal
from tests.backoffice.conftest import PASSWORD, signed_in
from tests.i18n.test_translations import compiled  # noqa: F401 (the fixture compiling the catalogs)

URL = "/backoffice/personal-data/"


@pytest.fixture
def declared(catalog_store, portal, shared_datasets: Path) -> None:
    schools = (
        shared_datasets
        / "education-35"
        / ("fr-en-adresse-et-geolocalisation-etablissements-premier-et-second-degre.csv")
    )
    subsidies = shared_datasets / "subventions-castelmaurou" / "subventions-commune-de-castelmaurou.csv"
    ecoles = catalog.import_file(schools, "ecoles", metadata={"title": "Écoles d’Ille-et-Vilaine"}).dataset
    city = Portal.objects.create(host="castelmaurou.data.example.fr", name="Castelmaurou")
    aides = catalog.import_file(subsidies, "subventions", metadata={"title": "Subventions"}).dataset
    type(aides).objects.filter(pk=aides.pk).update(portal=city)  # owned by the city's portal
    catalog.declare_personal_data(ecoles, fields=["patronyme_uai"], purpose="Annuaire des écoles",
                                  legal_basis="public_task", retention="5 ans", contact="dpo@example.fr")  # fmt: skip
    catalog.declare_personal_data(aides, fields=["nombeneficiaire"], purpose='=HYPERLINK("http://x")',
                                  legal_basis="legal_obligation", retention="10 ans",
                                  contact="dpo@castelmaurou.fr")  # fmt: skip


_DATASET_ROW = re.compile(r'<tr data-dataset="([^"]+)"')


def rows_of(page: str) -> list[str]:
    return [html.unescape(name) for name in _DATASET_ROW.findall(page)]


def test_an_instance_admin_reads_every_entry_and_downloads_them(declared, admin_client):
    page = admin_client.get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert rows_of(text) == ["ecoles", "subventions"]
    assert "Public task" in text and "Legal obligation" in text  # the basis' label, not its code
    assert 'data-unprotected="patronyme_uai"' in text  # no step protects the field
    assert 'id="register-link"' in text and 'href="?format=csv"' in text

    exported = admin_client.get(URL, {"format": "csv"})
    assert exported["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(exported.content.decode()), delimiter=";"))
    assert table[0] == list(REGISTER_COLUMNS)
    by_id = {row[0]: dict(zip(REGISTER_COLUMNS, row, strict=True)) for row in table[1:]}
    assert set(by_id) == {"ecoles", "subventions"}
    assert by_id["subventions"]["purpose"] == '\'=HYPERLINK("http://x")'  # never a formula in a spreadsheet
    assert by_id["ecoles"]["fields"] == "patronyme_uai" and by_id["ecoles"]["legal_basis"] == "public_task"


def test_a_portal_admin_reads_the_entries_of_the_datasets_of_their_portal(declared, portal):
    user = User.objects.create_user("admin-portail", password=PASSWORD)
    PortalAdmin.objects.create(user=user, portal=portal)
    client = signed_in(user)
    assert rows_of(client.get(URL).content.decode()) == ["ecoles"]
    table = list(csv.reader(io.StringIO(client.get(URL, {"format": "csv"}).content.decode()), delimiter=";"))
    assert [row[0] for row in table[1:]] == ["ecoles"]


def test_a_publisher_is_refused_and_has_no_link(declared, agent_client):
    refused = agent_client.get(URL)
    assert refused.status_code == 403
    assert "register" in refused.content.decode()
    assert agent_client.get(URL, {"format": "csv"}).status_code == 403
    assert 'id="register-link"' not in agent_client.get("/backoffice/").content.decode()


def test_the_register_speaks_french(declared, admin, compiled):  # noqa: F811
    client = signed_in(admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    text = client.get(URL).content.decode()
    assert "Registre des données personnelles" in text and "Mission d’intérêt public" in html.unescape(text)
