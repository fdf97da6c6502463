"""What pages show of values (dates, licences, filters, errors) in the page's language, the
facets' "more" and search, the table's page limit, and the chart's carried-over filters."""

from __future__ import annotations

import csv
import re
from html import unescape
from pathlib import Path

import pytest
from django.test import Client

from datapolis.catalog import services

pytestmark = pytest.mark.django_db(transaction=True)

TOWNS = [f"Ville {chr(65 + index // 26)}{chr(65 + index % 26)}" for index in range(30)]
ROWS = 10_050
KEYWORDS = [f"mot{index:02d}" for index in range(16)] + ["Stationnement vélo"]


@pytest.fixture
def trips(catalog_store, tmp_path: Path) -> None:
    path = tmp_path / "trajets.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["numero", "ville", "jour", "depart"])
        for index in range(ROWS):
            town = TOWNS[index % len(TOWNS)]
            writer.writerow([index, town, "2026-12-04", "2026-12-04T15:30:00+01:00"])
    metadata = {"title": "Trajets", "themes": ["Transports"], "keywords": KEYWORDS, "license": "odbl-1.0"}
    services.import_file(path, "trajets", metadata=metadata)


def fr_client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="fr")


def text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def body_cells(html: str) -> list[str]:
    body = html.split("<tbody")[1].split("</tbody>")[0]
    return [unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", body)]


# -- values in the page's language ------------------------------------------------------


def test_dates_and_datetimes_are_written_for_the_language(trips) -> None:
    french = body_cells(fr_client().get("/dataset/trajets/table/").content.decode())
    assert "04/12/2026" in french and "4 déc. 2026 à 15:30" in french
    assert not any(cell.startswith("2026-12-04") for cell in french)
    filtered = fr_client().get("/dataset/trajets/table/", {"min.jour": "2026-12-01"}).content.decode()
    assert "jour ≥ 01/12/2026" in text(filtered.split('class="chips"')[1].split("</ul>")[0])
    english = body_cells(Client(HTTP_ACCEPT_LANGUAGE="en").get("/dataset/trajets/table/").content.decode())
    assert "Dec 4, 2026 at 3:30\u202fPM" in english or "Dec 4, 2026 at 3:30 PM" in english


def test_licences_show_their_names_with_a_link(trips) -> None:
    info = fr_client().get("/dataset/trajets/").content.decode()
    name = "Licence ouverte de base de données (ODbL) 1.0"
    assert f'<a href="https://opendatacommons.org/licenses/odbl/">{name}</a>' in info
    catalog = text(fr_client().get("/catalog/").content.decode())
    assert name in catalog and "odbl-1.0" not in catalog
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/dataset/trajets/").content.decode()
    assert ">Open Database License (ODbL) 1.0</a>" in english


def test_the_catalog_filter_chip_names_the_field(trips) -> None:
    html = fr_client().get("/catalog/", {"refine": "theme:Transports"}).content.decode()
    chips = text(html.split('class="chips"')[1].split("</ul>")[0])
    assert "Thème : Transports" in chips and "theme:" not in chips


def test_a_query_error_is_said_in_the_page_language(trips) -> None:
    html = fr_client().get("/dataset/trajets/table/", {"where": "inconnu = 1"}).content.decode()
    alert = text(re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S).group(1))
    assert "inconnu" in alert and "n’existe pas" in alert
    assert "unknown field" not in html
    broken = fr_client().get("/dataset/trajets/table/", {"where": "ville = = 2"}).content.decode()
    alert = text(re.search(r'<p class="error" role="alert">(.*?)</p>', broken, re.S).group(1))
    assert alert.startswith("Ce filtre ne peut pas être appliqué")


def test_no_jargon_on_the_pages(trips) -> None:
    catalog = text(fr_client().get("/catalog/").content.decode())
    assert "Analysable" not in catalog and "Données filtrables (tableau, graphique)" in catalog
    chart = text(fr_client().get("/dataset/trajets/chart/").content.decode())
    assert "Spécification Vega-Lite" not in chart and "Définition du graphique (Vega-Lite" in chart


# -- facets ----------------------------------------------------------------------------


def facet_values(html: str, facet_id: str) -> list[str]:
    block = html.split(f'id="{facet_id}"')[1].split("</ul>")[0]
    return [unescape(value) for value in re.findall(r"<a [^>]*><span>(.*?)</span>", block)]


def test_a_table_facet_shows_more_values_on_demand(trips) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    html = client.get("/dataset/trajets/table/").content.decode()
    assert len(facet_values(html, "tfacet-ville")) == 10
    more = unescape(re.search(r'class="facet-more" href="\?([^"]+)"', html).group(1))
    html = client.get(f"/dataset/trajets/table/?{more}").content.decode()
    assert sorted(facet_values(html, "tfacet-ville")) == sorted(TOWNS)
    assert 'class="facet-more"' not in html


def test_a_table_facet_search_lists_matching_values_with_their_counts(trips) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    html = client.get("/dataset/trajets/table/", {"fq.ville": "bc"}).content.decode()
    assert facet_values(html, "tfacet-ville") == ["Ville BC"]
    assert 'name="fq.ville" value="bc"' in html
    hostile = client.get("/dataset/trajets/table/", {"fq.ville": '") OR 1=1 --'})
    assert hostile.status_code == 200 and facet_values(hostile.content.decode(), "tfacet-ville") == []


def test_a_catalog_facet_shows_more_and_searches_its_values(trips) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    html = client.get("/catalog/").content.decode()
    assert len(facet_values(html, "facet-keyword")) == 12
    more = unescape(re.search(r'class="facet-more" href="\?([^"]+)"', html).group(1))
    assert sorted(facet_values(client.get(f"/catalog/?{more}").content.decode(), "facet-keyword")) == sorted(KEYWORDS)
    found = client.get("/catalog/", {"fq.keyword": "velo"}).content.decode()
    assert facet_values(found, "facet-keyword") == ["Stationnement vélo"]


def test_the_table_says_why_it_stops_and_where_the_rest_is(trips) -> None:
    html = fr_client().get("/dataset/trajets/table/").content.decode()
    notice = re.search(r'<p class="table-limit" id="table-limit">(.*?)</p>', html, re.S).group(1)
    assert "10\u202f000" in text(notice) or "10 000" in text(notice)
    assert 'href="/dataset/trajets/export/"' in notice
    assert "Page 1 sur 500" in text(html)


# -- the chart's filters ----------------------------------------------------------------


def test_the_chart_shows_the_filters_it_applies_and_each_can_be_removed(trips) -> None:
    query = {"refine": "ville:Ville AB", "min.numero": "5", "type": "line", "x": "jour"}
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get("/dataset/trajets/chart/", query).content.decode()
    block = html.split('id="chart-filters"')[1].split("</ul>")[0]
    links = {text(label).replace("×", "").replace("remove filter", "").strip(): unescape(href)
             for href, label in re.findall(r'<a href="\?([^"]*)">(.*?)</a>', block)}  # fmt: skip
    assert set(links) >= {"ville = Ville AB", "numero ≥ 5"}
    assert "refine=" not in links["ville = Ville AB"] and "min.numero=5" in links["ville = Ville AB"]
    assert "type=line" in links["ville = Ville AB"] and "x=jour" in links["ville = Ville AB"]
    api = unescape(re.search(r'id="chart-query" type="text" readonly value="([^"]+)"', html).group(1))
    assert "refine=ville%3AVille+AB" in api
