"""Links to an Opendatasoft portal keep working here: each ODS URL is a permanent redirect
to the view that shows the same thing, its filters carried over (frontoffice/ods_links.py).

Followed like a browser follows them, from the URLs people have in their bookmarks and in
the city's pages, on the real Vélib' stations.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client

from datapolis.catalog import services

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "datasets"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stations(catalog_store) -> None:
    metadata = {"title": "Vélib' : emplacement des stations", "themes": ["Transports"], "keywords": ["vélo"]}
    services.import_file(DATA / "velib" / "velib-emplacement-des-stations.csv", "velib-stations", metadata=metadata)


def redirected(url: str) -> tuple[str, list[tuple[str, str]]]:
    """Where a permanent redirect of `url` leads: (path, query parameters)."""
    response = Client().get(url)
    assert response.status_code == 301, (url, response.status_code)
    location = urlsplit(response["Location"])
    return location.path, parse_qsl(location.query)


def api_count(**params: str) -> int:
    return Client().get("/api/explore/v2.1/catalog/datasets/velib-stations/records", params).json()["total_count"]


def test_a_dataset_tab_with_its_filters_opens_the_same_view(stations) -> None:
    url = "/explore/dataset/velib-stations/table/?refine.capacite_de_la_station=40&q=gare&sort=-nom_de_la_station"
    path, params = redirected(url)
    assert path == "/dataset/velib-stations/table/"
    assert params == [("q", "gare"), ("refine", "capacite_de_la_station:40"), ("sort", "-nom_de_la_station")]
    page = Client().get(url, follow=True)
    expected = api_count(where='"gare"', refine="capacite_de_la_station:40")
    assert page.status_code == 200 and expected > 0
    assert page.context["table"]["total"] == expected
    assert page.redirect_chain == [(f"{path}?{urlsplit(Client().get(url)['Location']).query}", 301)]


@pytest.mark.parametrize(
    ("ods", "ours"),
    [
        ("/explore/dataset/velib-stations/", "/dataset/velib-stations/"),
        ("/explore/dataset/velib-stations", "/dataset/velib-stations/"),
        ("/explore/dataset/velib-stations/information/", "/dataset/velib-stations/"),
        ("/explore/dataset/velib-stations/map/", "/dataset/velib-stations/map/"),
        ("/explore/dataset/velib-stations/analyze/", "/dataset/velib-stations/chart/"),
        ("/explore/dataset/velib-stations/export/", "/dataset/velib-stations/export/"),
        ("/explore/dataset/velib-stations/api/", "/dataset/velib-stations/api/"),
        ("/explore/dataset/velib-stations/custom/", "/dataset/velib-stations/"),
        ("/explore/embed/dataset/velib-stations/table/", "/embed/dataset/velib-stations/table/"),
        ("/explore/embed/dataset/velib-stations/map/", "/embed/dataset/velib-stations/map/"),
        ("/explore/embed/dataset/velib-stations/analyze/", "/embed/dataset/velib-stations/chart/"),
        ("/explore/embed/dataset/velib-stations/custom/", "/dataset/velib-stations/"),
    ],
)
def test_every_tab_and_embed_has_its_page(stations, ods: str, ours: str) -> None:
    path, _ = redirected(ods + "?location=12,48.85,2.35&basemap=jawg.streets")
    assert path == ours
    assert Client().get(ods, follow=True).status_code == 200


def test_the_catalog_search_keeps_its_words_and_themes(stations) -> None:
    url = "/explore/?q=stations&refine.theme=Transports&sort=title&disjunctive.theme=true"
    path, params = redirected(url)
    assert (path, params) == ("/catalog/", [("q", "stations"), ("refine", "theme:Transports"), ("sort", "title")])
    page = Client().get(url, follow=True)
    assert [card["dataset_id"] for card in page.context["results"]] == ["velib-stations"]


def test_a_download_link_is_answered_by_the_api_not_the_pages(stations) -> None:
    response = Client().get("/explore/dataset/velib-stations/download/?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def test_the_old_links_only_read() -> None:
    assert Client().post("/explore/dataset/velib-stations/").status_code == 405


def test_ods_content_pages_lead_where_the_portal_says_or_to_a_search(stations):
    from datapolis.portals.services import default_portal

    portal = default_portal()
    portal.page_redirects = {"velo": "/dataset/velib-stations/map/"}
    portal.save()

    assert redirected("/pages/home/") == ("/", [])
    assert redirected("/pages/accueil/") == ("/", [])
    followed = Client().get("/pages/velo/", follow=True)
    assert followed.redirect_chain == [("/dataset/velib-stations/map/", 301)] and followed.status_code == 200
    searched = Client().get("/pages/stations-velib/", follow=True)
    assert searched.redirect_chain[0][1] == 302  # no page of that name here: not a permanent answer
    assert searched.status_code == 200 and "velib-stations" in searched.content.decode()
