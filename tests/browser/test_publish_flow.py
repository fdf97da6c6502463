"""An agent publishes a 50 000-row French CSV with coordinates through the back office, then sees it on the map.

The agent is a publisher of an organisation (not staff): they sign in, send the file,
check the preview, describe two columns and the dataset, publish, and open the
dataset's map tab on the portal, where MapLibre draws every point from the vector tiles.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from datapolis.access.models import PublisherRole
from datapolis.catalog.models import Dataset, Status
from tests.backoffice.conftest import ORGANISATION, PASSWORD, french_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = 50_000


@pytest.fixture
def agent(settings, tmp_path: Path) -> User:
    settings.MEDIA_ROOT = tmp_path / "uploads"
    user = User.objects.create_user("agent", email="agent@testville.fr", password=PASSWORD)
    PublisherRole.objects.create(user=user, organisation=ORGANISATION)
    return user


def sign_in(page: Page) -> None:
    page.goto("/backoffice/")
    assert "/accounts/login/" in page.url
    page.get_by_label("User name").fill("agent")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("My datasets")


def test_an_agent_publishes_50000_points_and_sees_them_on_the_map(
    page: Page, site: str, agent: User, screenshot, tmp_path: Path
) -> None:
    csv_path = french_csv(tmp_path / "communes-testville.csv", rows=ROWS)

    # 1. Sign in; the back office lists the agent's datasets (none yet).
    sign_in(page)
    screenshot("01-dashboard")

    # 2. Send the file.
    page.locator(".bo-title-row").get_by_role("link", name="New dataset").click()
    page.get_by_label("A file from your computer").set_input_files(str(csv_path))
    page.get_by_role("button", name="See the preview").click()

    # 3. The preview: separator and types detected, first rows shown.
    page.wait_for_url("**/preview/", timeout=120_000)
    expect(page.locator(".bo-detected")).to_contain_text("semicolon")
    types = page.locator(".bo-table--preview thead [data-type]").evaluate_all("els => els.map(e => e.dataset.type)")
    assert types == ["text", "text", "int", "double", "date", "double", "double", "geo_point_2d"]
    expect(page.locator(".bo-table--preview tbody tr")).to_have_count(20)
    expect(page.locator(".bo-detected [data-records]")).to_have_attribute("data-records", str(ROWS))
    screenshot("02-preview")

    # 4. The columns: a clearer label, a unit, a filter.
    page.get_by_role("button", name="Next: the columns").click()
    population = page.locator("#field-population")
    population.get_by_label("Label").fill("Population municipale")
    population.get_by_label("Unit").fill("habitants")
    page.locator("#field-nom").get_by_label("Filter").check()
    screenshot("03-columns")
    page.get_by_role("button", name="Next: describe the dataset").click()

    # 5. The description, then publish.
    page.get_by_label("Identifier").fill("communes-testville")
    page.get_by_label("Title").fill("Communes de Testville")
    page.get_by_label("Description", exact=True).fill("Population et position des communes.")
    page.get_by_label("Keywords").fill("communes, population")
    expect(page.get_by_label("Publisher")).to_have_value(ORGANISATION)
    screenshot("04-description")
    page.get_by_role("button", name="Publish", exact=True).click()

    # 6. The dataset's back-office page: published, 50 000 records, version 1.
    page.wait_for_url("**/backoffice/datasets/communes-testville/", timeout=300_000)
    expect(page.locator("#dataset-status")).to_have_text("Published")
    expect(page.locator(".bo-summary [data-records]")).to_have_attribute("data-records", str(ROWS))
    expect(page.locator("#versions tbody tr")).to_have_count(1)
    screenshot("05-published")
    dataset = Dataset.objects.get(dataset_id="communes-testville")
    assert (dataset.status, dataset.records_count) == (Status.PUBLISHED, ROWS)
    assert dataset.fields.get(name="population").label == "Population municipale"

    # 7. The portal's dataset page, then its map: every point is drawn from the tiles.
    page.locator("#public-page").click()
    expect(page.locator("h1")).to_have_text("Communes de Testville")
    expect(page.locator("main")).to_contain_text("Population municipale")
    page.locator(".tabs a[href*='/map/']").click()
    expect(page.locator("#map")).to_have_attribute("data-state", "loaded", timeout=60_000)
    page.wait_for_function("() => document.getElementById('map').map.areTilesLoaded()", timeout=60_000)
    page.wait_for_timeout(500)
    drawn = page.evaluate(
        "() => document.getElementById('map').map.queryRenderedFeatures()"
        ".filter(f => f.source === 'data').reduce((n, f) => n + f.properties.point_count, 0)"
    )
    assert drawn >= ROWS  # features on tile borders may be drawn twice
    screenshot("06-map", full_page=False)
    assert page.javascript_errors == []


def test_a_bad_file_is_explained_where_it_is_wrong(page: Page, site: str, agent: User, screenshot, tmp_path: Path):
    bad = tmp_path / "communes.csv"
    bad.write_text("commune;population\nMeudon;45000\nClamart;52 000;en trop\n", encoding="utf-8")

    sign_in(page)
    page.goto("/backoffice/new/")
    page.get_by_label("A file from your computer").set_input_files(str(bad))
    page.get_by_role("button", name="See the preview").click()

    problem = page.get_by_role("alert").filter(has_text="Line 3, column 3")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("What to do:")
    expect(page.get_by_role("button", name="Next: the columns")).to_have_count(0)
    screenshot("01-explained")
    assert not Dataset.objects.exists()
