"""Journeys walked as people walk them: from the home page, by clicking, on a desktop and on a phone,
in French and in English.

After the first `goto("/")` every page is reached through a link, a button or a form. At every
page the test checks that the expected content is visible, that the page does not scroll
sideways (`scrollWidth` within the viewport) and, at the end, that the browser logged no error.

- visitor: home → search → a result → each dataset tab → a filter in the table → export (a download);
- agent: home → sign in → back office (the header's link) → publish a small real file → find it
  on the portal with the search.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Locator, Page, expect

from datapolis.access.models import PublisherRole
from datapolis.catalog import services
from tests.browser.test_accessibility import serious_violations
from tests.playwright_fixtures import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEVICES = {
    "desktop": {"viewport": {"width": 1440, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 3,
    },
}
TEXTS = {
    "fr": {"search": "Rechercher", "table": "Tableau", "download": "Télécharger", "schema": "Schéma",
           "sign_in": "Se connecter", "back_office": "Espace de publication", "my_datasets": "Mes jeux de données",
           "legal": "Mentions légales", "status": "non conforme"},
    "en": {"search": "Search", "table": "Table", "download": "Download", "schema": "Schema",
           "sign_in": "Sign in", "back_office": "Back office", "my_datasets": "My datasets",
           "legal": "Legal notice", "status": "non compliant"},
}  # fmt: skip
MIN_CAPACITY = 60
PASSWORD = "correct horse battery staple"


class Journey:
    """A page in a browser context for one device and language, with its checks."""

    def __init__(self, page: Page, device: str, language: str, name: str = "") -> None:
        self.page = page
        self.artifacts = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
        self.device = device
        self.language = language
        self.text = TEXTS[language]
        self.width = DEVICES[device]["viewport"]["width"]
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on(
            "console",
            lambda message: (
                message.type == "error" and self.errors.append(f"console: {message.text} {message.location}")
            ),
        )

    def press(self, target: Locator) -> None:
        """A tap on a phone, a click on a desktop."""
        if self.device == "phone":
            target.scroll_into_view_if_needed()
            target.tap()
        else:
            target.click()

    def sign_in_to_backoffice(self, username: str, password: str) -> None:
        """From the home page, by clicking: sign in, then the header's back-office link."""
        self.page.goto("/")
        self.press(self.page.locator(".header-tools .sign-in-link"))
        self.page.locator("#id_username").fill(username)
        self.page.locator("#id_password").fill(password)
        self.press(self.page.locator("main form button[type=submit]"))
        self.press(self.page.locator(".header-tools .backoffice-link"))
        self.page.wait_for_url("**/backoffice/")

    def screenshot(self, name: str) -> None:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.artifacts / f"{name}.png"), full_page=True)

    def check_page(self, step: str) -> None:
        """The page is in the journey's language and does not scroll sideways."""
        self.page.wait_for_load_state()
        expect(self.page.locator("html")).to_have_attribute("lang", self.language)
        widths = self.page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth, document.body.scrollWidth]"
        )
        assert max(widths[0], widths[2]) <= min(widths[1], self.width), f"{step}: scrolls sideways {widths}"


@pytest.fixture(params=[("desktop", "fr"), ("desktop", "en"), ("phone", "fr"), ("phone", "en")], ids="-".join)
def journey(request, browser: Browser, site: str) -> Iterator[Journey]:
    device, language = request.param
    yield from _journey(browser, site, device, language, request.node.name)


@pytest.fixture(params=[("desktop", "fr"), ("phone", "en")], ids="-".join)
def agent_journey(request, browser: Browser, site: str) -> Iterator[Journey]:
    device, language = request.param
    yield from _journey(browser, site, device, language, request.node.name)


def _journey(browser: Browser, site: str, device: str, language: str, name: str = "") -> Iterator[Journey]:
    context = browser.new_context(
        **DEVICES[device],
        locale=language,
        extra_http_headers={"Accept-Language": language},
        accept_downloads=True,
        base_url=site,
    )
    context.set_default_timeout(20_000)
    yield Journey(context.new_page(), device, language, name)
    context.close()


@pytest.fixture
def velib(catalog_store, shared_datasets: Path) -> list[dict[str, str]]:
    path = shared_datasets / "velib" / "velib-emplacement-des-stations.csv"
    metadata = {"title": "Stations Vélib'", "themes": ["Transports"], "description": "Les stations Vélib' de Paris."}
    services.import_file(path, "velib", metadata=metadata)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def test_a_visitor_searches_opens_every_tab_filters_and_downloads(journey: Journey, velib) -> None:
    page, text = journey.page, journey.text
    expected = [row for row in velib if int(row["Capacité de la station"]) >= MIN_CAPACITY]

    page.goto("/")
    journey.check_page("home")
    page.locator("#home-search").fill("Vélib")
    journey.press(page.locator(".hero .search-box button[type=submit]"))

    # The catalog: the result comes before the filters, also on a phone.
    page.wait_for_url("**/catalog/?q=*")
    result = page.locator("#catalog-results .card h3 a", has_text="Stations Vélib'")
    expect(result).to_be_visible()
    journey.check_page("catalog")
    journey.screenshot("01-catalog")
    facets = page.locator("#catalog-results .facets").bounding_box()
    assert result.bounding_box()["y"] < facets["y"] or journey.device == "desktop"
    to_filters = page.locator("#catalog-results .to-filters")  # on a phone, a link leads down to them
    expect(to_filters).to_be_visible() if journey.device == "phone" else expect(to_filters).to_be_hidden()

    # Opening the result loads the dataset's whole page, not a piece of the catalog.
    journey.press(result)
    expect(page.locator("h1")).to_have_text("Stations Vélib'")
    expect(page.locator(".tabs")).to_be_visible()
    assert page.locator("#catalog-results").count() == 0
    tabs = page.locator(".tabs a")
    expect(tabs).to_have_count(6)
    for box in [tabs.nth(index).bounding_box() for index in range(6)]:
        assert box["x"] >= 0 and box["x"] + box["width"] <= journey.width, "a tab is cut off"
    expect(page.locator("#schema-title")).to_have_text(text["schema"])
    journey.check_page("information")

    checks = {
        "table": lambda: expect(page.locator("#table-region table.data tbody tr").first).to_be_visible(),
        "map": lambda: expect(page.locator("#map")).to_have_attribute("data-state", "loaded"),
        "chart": lambda: expect(page.locator("#chart")).to_have_attribute("data-rendered", "true"),
        "api": lambda: expect(page.locator("#api-records")).to_have_value(re.compile(r"/datasets/velib/records")),
        "export": lambda: expect(page.locator("a[data-format='csv']")).to_be_visible(),
        "dataset": lambda: expect(page.locator("#schema-title")).to_be_visible(),
    }
    for tab in ("table", "map", "chart", "api", "export", "dataset"):
        link = page.locator(".tabs a").first if tab == "dataset" else page.locator(f".tabs a[href*='/{tab}/']")
        journey.press(link)
        expect(page.locator(".tabs a[aria-current=page]")).to_have_count(1)
        checks[tab]()
        journey.check_page(tab)
        journey.screenshot(f"02-{tab}")
    expect(page.locator(".tabs a").nth(1)).to_have_text(text["table"])

    # A filter in the table (htmx updates the region and the address), then the export keeps it.
    journey.press(page.locator(".tabs a").nth(1))
    capacity = page.locator("#min-capacite_de_la_station")
    capacity.fill(str(MIN_CAPACITY))
    capacity.press("Enter")
    expect(page).to_have_url(f"{page.url.split('?')[0]}?min.capacite_de_la_station={MIN_CAPACITY}")
    expect(page.locator("#table-status")).to_contain_text(f"{len(expected)}")
    journey.check_page("table filtered")
    journey.press(page.locator(".tabs a").last)
    expect(page.locator("h2", has_text=text["download"])).to_be_visible()
    journey.check_page("export")
    with page.expect_download() as download:
        journey.press(page.locator("a[data-format='csv']"))
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig")), delimiter=";"))
    assert {row["identifiant_station"] for row in rows} == {row["Identifiant station"] for row in expected}
    assert journey.errors == []


@pytest.fixture
def agent(settings, tmp_path: Path, catalog_store) -> User:
    settings.MEDIA_ROOT = tmp_path / "uploads"
    user = User.objects.create_user("agent", email="agent@saint-brieuc.fr", password=PASSWORD)
    PublisherRole.objects.create(user=user, organisation="Ville de Saint-Brieuc")
    return user


def test_an_agent_signs_in_publishes_from_the_back_office_and_finds_the_dataset(
    agent_journey: Journey, agent: User, shared_datasets: Path
) -> None:
    journey, page, text = agent_journey, agent_journey.page, agent_journey.text
    small_file = shared_datasets / "data-fair-cases" / "salles-sur-yffiniac-6.csv"

    page.goto("/")
    journey.check_page("home")
    expect(page.locator(".header-tools .backoffice-link")).to_have_count(0)

    # The legal pages every page links to, then the sign-in page: the portal's frame and styles.
    journey.press(page.locator(".site-footer a[href='/legal-notice/']"))
    expect(page.locator("main h1")).to_have_text(text["legal"])
    journey.check_page("legal notice")
    journey.press(page.locator(".site-footer a[href='/accessibility/']"))
    expect(page.locator("#compliance-status strong")).to_have_text(text["status"])
    journey.check_page("accessibility statement")
    journey.press(page.locator(".header-tools .sign-in-link"))
    expect(page.locator("main h1")).to_have_text(text["sign_in"])
    journey.check_page("sign-in")
    journey.screenshot("01-sign-in")
    expect(page.locator("main .auth-panel")).to_be_visible()
    looks = "e => [getComputedStyle(e).borderRadius, getComputedStyle(e).borderTopColor]"
    assert page.locator("#id_password").evaluate(looks) == page.locator("#id_username").evaluate(looks)
    assert page.locator("#id_password").evaluate(looks)[0] == "6px"  # the portal's fields, not the browser's
    assert serious_violations(page) == []
    page.locator("#id_username").fill("agent")
    page.locator("#id_password").fill(PASSWORD)
    journey.press(page.locator("main form button[type=submit]"))

    # Back on the home page, signed in: the header leads to the back office.
    back_office = page.locator(".header-tools .backoffice-link")
    expect(back_office).to_have_text(text["back_office"])
    journey.press(back_office)
    expect(page.locator("main h1")).to_have_text(text["my_datasets"])
    journey.check_page("back office")
    journey.screenshot("02-back-office")

    journey.press(page.locator("main a[href='/backoffice/new/']").first)
    page.locator("#id_file").set_input_files(str(small_file))
    journey.press(page.locator("main form button.bo-button--primary"))
    page.wait_for_url("**/preview/")
    expect(page.locator(".bo-table--preview tbody tr")).to_have_count(7)
    journey.check_page("preview")
    journey.press(page.locator("button[value=next]"))
    journey.press(page.locator("main form button.bo-button--primary"))
    journey.check_page("description")
    page.locator("#id_dataset_id").fill("salles-yffiniac")
    page.locator("#id_title").fill("Salles municipales d'Yffiniac")
    journey.press(page.locator("button[value=publish]"))
    page.wait_for_url("**/backoffice/datasets/salles-yffiniac/")
    journey.check_page("published in the back office")

    # The portal: the home page's search finds it, and its table shows the file's rows.
    journey.press(page.locator(".site-header .brand"))
    page.locator("#home-search").fill("Yffiniac")
    journey.press(page.locator(".hero .search-box button[type=submit]"))
    result = page.locator("#catalog-results .card h3 a", has_text="Salles municipales d'Yffiniac")
    journey.press(result)
    expect(page.locator("h1")).to_have_text("Salles municipales d'Yffiniac")
    journey.press(page.locator(".tabs a").nth(1))
    expect(page.locator("#table-region tbody tr")).to_have_count(7)
    expect(page.locator("#table-region tbody")).to_contain_text("Salle du Belvédère")
    journey.check_page("published table")
    journey.screenshot("03-published-table")
    assert journey.errors == []


def test_the_table_embed_fits_a_phone(browser: Browser, site: str, velib) -> None:
    """An embed is the first page of its own journey: a web page's iframe, 390 px wide on a phone."""
    journey = next(_journey(browser, site, "phone", "fr"))
    journey.page.goto("/embed/dataset/velib/table/")
    expect(journey.page.locator("#table-region tbody tr").first).to_be_visible()
    journey.check_page("table embed")
    scroller = journey.page.locator("#table-region .table-wrap")
    assert scroller.evaluate("element => element.scrollWidth > element.clientWidth")  # the table scrolls in its box
    journey.page.context.close()
    assert journey.errors == []
