"""An instance admin adds a harvest source from the back office, on a desktop in French and on a phone in English.

From the home page, by clicking: sign in → the header's back-office link → "Harvesting" in
the back office's navigation → "Add a source" → the form (a public address that is never
reached: the run is only queued) → the source's page → "Run now" (the job page, waiting for
a worker that does not run here) → back to the list, where the source is. Every page is in
the journey's language, fits the screen and has no serious axe-core violation; the API key
typed in the form appears on no page.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from datapolis.harvest.models import HarvestSource
from datapolis.jobs.models import Job
from tests.browser.test_accessibility import serious_violations
from tests.browser.test_journeys import Journey, _journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
API_KEY = "cle-secrete-du-portail-0123456789"
TEXTS = {
    "fr": {"harvesting": "Moissonnage", "add": "Ajouter une source de moissonnage", "every_day": "Tous les jours",
           "queued": "Le moissonnage attend d’être pris en charge"},
    "en": {"harvesting": "Harvesting", "add": "Add a harvest source", "every_day": "Every day",
           "queued": "The harvest waits for the job worker."},
}  # fmt: skip


@pytest.fixture(params=[("desktop", "fr"), ("phone", "en")], ids="-".join)
def admin_journey(request, browser: Browser, site: str) -> Iterator[Journey]:
    device, language = request.param
    yield from _journey(browser, site, device, language, request.node.name)


@pytest.fixture
def admin(settings, tmp_path, catalog_store) -> User:
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return User.objects.create_user("root", password=PASSWORD, is_superuser=True, is_staff=True)


def checked(journey: Journey, step: str) -> None:
    journey.check_page(step)
    assert serious_violations(journey.page) == [], step
    assert API_KEY not in journey.page.content(), step


def test_an_admin_adds_a_harvest_source_and_finds_it_listed(admin_journey: Journey, admin: User) -> None:
    journey, page = admin_journey, admin_journey.page
    text = TEXTS[journey.language]

    journey.sign_in_to_backoffice("root", PASSWORD)

    # The back office's navigation leads to harvesting: no source yet.
    journey.press(page.locator("#harvest-link"))
    expect(page.locator("main h1")).to_have_text(text["harvesting"])
    expect(page.locator("#harvest-link")).to_have_attribute("aria-current", "page")
    checked(journey, "harvest sources, empty")
    journey.screenshot("01-no-source")

    # The form: a DCAT catalog harvested every day, with an API key.
    journey.press(page.locator(".bo-title-row a[href='/backoffice/harvest/add/']"))
    expect(page.locator("main h1")).to_have_text(text["add"])
    checked(journey, "add a source")
    page.locator("#id_name").fill("region")
    page.locator("#id_kind").select_option("dcat")
    page.locator("#id_url").fill("https://data.region.example.org/api/explore/v2.1/catalog/exports/rdf")
    page.locator("#id_api_key").fill(API_KEY)
    page.locator("#id_organisation").fill("Région de Testville")
    page.locator("#id_schedule").select_option("1d")
    journey.screenshot("02-form")
    journey.press(page.locator("#harvest-form button[type=submit]"))

    # The source's page: what it is, no run yet, and "Run now".
    page.wait_for_url("**/backoffice/harvest/sources/region/")
    expect(page.locator("main h1")).to_have_text("region")
    expect(page.locator(".bo-message--success")).to_be_visible()
    expect(page.locator(".bo-detected")).to_contain_text(text["every_day"])
    checked(journey, "source page")
    journey.screenshot("03-source")
    assert HarvestSource.objects.get(name="region").has_api_key

    journey.press(page.locator("#run-now"))
    page.wait_for_url("**/backoffice/jobs/*/")
    expect(page.locator("main h1")).to_contain_text("region")
    expect(page.locator("#job-status")).to_contain_text(text["queued"])
    checked(journey, "job page")
    assert Job.objects.get().kind == "harvest"

    # Back to the list: the source is there, its run queued.
    journey.press(page.locator("#harvest-link"))
    row = page.locator("tr[data-source='region']")
    expect(row).to_be_visible()
    expect(row).to_contain_text("https://data.region.example.org/api/explore/v2.1/catalog/exports/rdf")
    expect(row).to_contain_text(text["every_day"])
    checked(journey, "harvest sources, one")
    journey.screenshot("04-listed")
    assert journey.errors == []
