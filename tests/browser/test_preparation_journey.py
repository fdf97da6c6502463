"""An agent adds a processing step to a dataset and publishes it, on a desktop in French and on a phone in English.

From the home page, by clicking: sign in → the header's back-office link → the dataset in
"My datasets" → the "Processing steps" tab → choose "Keep matching rows" → type the where
clause: the live preview (htmx) counts the rows it keeps → add the step → save and publish →
the message gives the new version and its records, and the overview shows them → "what
changed in version 2" counts the rows the step removed. The schools
of Ille-et-Vilaine (education-35) are the data; the expected count is computed here from the
CSV. Every page is in the journey's language, fits the screen and has no serious axe-core
violation; the browser logs no error.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from datapolis.access.models import PublisherRole
from datapolis.catalog import services
from datapolis.catalog.models import Dataset
from tests.browser.test_accessibility import serious_violations
from tests.browser.test_journeys import Journey, _journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW = 20_000  # ms: each page of the steps runs the preview's SQL, on a shared two-core machine

PASSWORD = "correct horse battery staple"
ORGANISATION = "Académie de Rennes"
SCHOOLS = "fr-en-adresse-et-geolocalisation-etablissements-premier-et-second-degre.csv"
TITLE = "Établissements scolaires d’Ille-et-Vilaine"
WHERE = "secteur_public_prive = 'Public'"
TEXTS = {
    "fr": {"steps": "Étapes de traitement", "new_step": "Nouvelle étape : Garder les lignes correspondantes",
           "saved": "Les étapes sont enregistrées et publiées : version 2"},
    "en": {"steps": "Processing steps", "new_step": "New step: Keep matching rows",
           "saved": "The steps are saved and published: version 2"},
}  # fmt: skip


@pytest.fixture(params=[("desktop", "fr"), ("phone", "en")], ids="-".join)
def preparation_journey(request, browser: Browser, site: str) -> Iterator[Journey]:
    device, language = request.param
    yield from _journey(browser, site, device, language, request.node.name)


@pytest.fixture
def schools(settings, tmp_path: Path, catalog_store, shared_datasets: Path) -> tuple[Dataset, int, int]:
    """The dataset, its number of rows, and the number of public schools (counted here from the CSV)."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
    path = shared_datasets / "education-35" / SCHOOLS
    dataset = services.import_file(path, "etablissements-35", metadata={"title": TITLE, "publisher": ORGANISATION},
                                   actor="test").dataset  # fmt: skip
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    return dataset, len(rows), sum(1 for row in rows if row["Secteur Public/Privé"] == "Public")


@pytest.fixture
def agent(schools) -> User:
    user = User.objects.create_user("agent", email="agent@ac-rennes.fr", password=PASSWORD)
    PublisherRole.objects.create(user=user, organisation=ORGANISATION)
    return user


def checked(journey: Journey, step: str) -> None:
    journey.check_page(step)
    assert serious_violations(journey.page) == [], step


def test_an_agent_adds_a_filter_step_sees_the_preview_and_publishes(
    preparation_journey: Journey, agent: User, schools
) -> None:
    journey, page = preparation_journey, preparation_journey.page
    text = TEXTS[journey.language]
    dataset, total, public = schools

    journey.sign_in_to_backoffice("agent", PASSWORD)

    # The dataset, then its processing steps: none yet, the first rows as read.
    journey.press(page.locator("main table a", has_text=TITLE))
    expect(page.locator("main h1")).to_have_text(TITLE)
    journey.press(page.locator("#tab-steps"))
    expect(page.locator("#tab-steps")).to_have_attribute("aria-current", "page", timeout=SLOW)
    expect(page.locator("main h2").first).to_have_text(text["steps"])
    expect(page.locator("#preview-rows tbody tr")).to_have_count(20)
    expect(page.locator("#preview-count")).to_have_attribute("data-rows", "")
    checked(journey, "steps, none")
    journey.screenshot("01-no-step")

    # Choose a processor: its options' form.
    page.locator("#id_kind").select_option("filter")
    journey.press(page.locator("#choose-step"))
    expect(page.locator("#step-editor legend")).to_have_text(text["new_step"], timeout=SLOW)
    checked(journey, "step editor")

    # Typing the where clause updates the preview by itself: the rows kept of those read.
    page.locator("#id_opt-where").fill(WHERE)
    expect(page.locator("#preview-count")).to_have_attribute("data-rows", str(public), timeout=SLOW)
    expect(page.locator("#step-counts tr[data-step='1']")).to_have_attribute("data-rows-in", str(total))
    assert public < total
    journey.screenshot("02-preview")

    journey.press(page.locator("#apply-step"))
    expect(page.locator("#draft-steps li")).to_have_count(1, timeout=SLOW)
    expect(page.locator("#unsaved")).to_be_visible()
    checked(journey, "draft with a step")

    # Save and publish: a new version with the public schools only.
    journey.press(page.locator("#save-steps"))
    expect(page.locator(".bo-message--success")).to_contain_text(text["saved"], timeout=SLOW)
    expect(page.locator(".bo-message--success")).to_contain_text(str(public))
    expect(page.locator("#unsaved")).to_have_count(0)
    checked(journey, "saved")
    journey.screenshot("03-saved")

    journey.press(page.locator("#tab-overview"))
    expect(page.locator("dd[data-records]")).to_have_attribute("data-records", str(public))
    expect(page.locator("#versions tr[data-version='2'] td[data-records]")).to_have_attribute(
        "data-records", str(public)
    )
    assert Dataset.objects.get(pk=dataset.pk).steps == [{"kind": "filter", "options": {"where": WHERE}}]

    # What the step changed: version 2 against version 1, from version 2's row.
    journey.press(page.locator("#versions a[data-compare='2']"))
    expect(page.locator("#compare-summary")).to_have_attribute("data-removed", str(total - public), timeout=SLOW)
    expect(page.locator("#compare-summary")).to_have_attribute("data-added", "0")
    checked(journey, "compare")
    assert journey.errors == []


REGISTER = {"fr": "Registre des données personnelles", "en": "Personal data register"}


def test_the_data_protection_officer_reads_the_register_and_opens_a_declaration(
    preparation_journey: Journey, schools
) -> None:
    journey, page = preparation_journey, preparation_journey.page
    dataset, _, _ = schools
    services.declare_personal_data(dataset, fields=["patronyme_uai"], purpose="Annuaire", legal_basis="public_task",
                                   retention="5 ans", contact="dpo@ac-rennes.fr")  # fmt: skip
    User.objects.create_user("dpo", password=PASSWORD, is_superuser=True, is_staff=True)

    journey.sign_in_to_backoffice("dpo", PASSWORD)
    journey.press(page.locator("#register-link"))
    expect(page.locator("main h1")).to_have_text(REGISTER[journey.language])
    row = page.locator("#register tr[data-dataset='etablissements-35']")
    expect(row).to_contain_text("patronyme_uai")
    expect(row.locator("[data-unprotected]")).to_have_attribute("data-unprotected", "patronyme_uai")
    checked(journey, "register")
    journey.screenshot("register")

    journey.press(row.locator("a", has_text=TITLE))
    expect(page.locator("#personal-data-form")).to_be_visible()
    expect(page.locator("#unprotected")).to_contain_text("patronyme_uai")
    assert journey.errors == []
