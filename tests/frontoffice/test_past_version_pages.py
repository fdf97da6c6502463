"""A past version on the portal: from the version history to its table, map, API and exports (issue 15)."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from urllib.parse import urljoin

import pytest
from django.test import Client

from datapolis.catalog import services
from tests.access.fixtures import FIELDS, MAIN_HOST, ROWS, Matrix

CLAMART = [row for row in ROWS if row[1] == "Clamart"]


@pytest.fixture
def republished(matrix_with_data: Matrix, tmp_path) -> Client:
    """The public dataset's version 2 keeps the Clamart rows only; version 1 had the five."""
    path = tmp_path / "clamart.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        writer.writerows(CLAMART)
    services.import_file(path, "public")
    return Client(HTTP_HOST=MAIN_HOST)


def ids_in_table(html: str) -> list[int]:
    body = html.split("<tbody")[1].split("</tbody>")[0]
    return [int(re.findall(r"<td[^>]*>(.*?)</td>", row)[0]) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_history_leads_to_the_table_of_a_past_version(republished: Client):
    info = republished.get("/dataset/public/").content.decode()
    link = unescape(re.search(r'href="([^"]*table/\?version=1)"', info).group(1))
    assert "?version=2" not in info  # the current version is the dataset itself

    past = republished.get(link)
    html = past.content.decode()
    assert past.status_code == 200
    assert ids_in_table(html) == [1, 2, 3, 4, 5]
    assert "You are looking at version 1" in html
    current_link = unescape(re.search(r'class="version-notice".*?<a href="([^"]*)"', html, re.S).group(1))
    current = republished.get(urljoin(link, current_link)).content.decode()
    assert ids_in_table(current) == [3, 5] and "version-notice" not in current
    # the other tabs keep the version
    tabs = re.search(r'<nav class="tabs".*?</nav>', html, re.S).group(0)
    assert all("version=1" in href for href in re.findall(r'href="([^"]+)"', tabs))


def test_the_map_api_and_exports_of_a_past_version_read_it(republished: Client):
    page = republished.get("/dataset/public/map/", {"version": 1}).content.decode()
    config = json.loads(re.search(r'<script id="map-config" type="application/json">(.*?)</script>', page).group(1))
    tiles = config["tiles"].replace("http://" + MAIN_HOST, "")
    assert "version=1" in tiles
    tile = republished.get(tiles.replace("{z}/{x}/{y}", "0/0/0"))
    assert tile.status_code == 200 and len(tile.content) > 0, tile.content[:300]
    current = republished.get(tiles.replace("{z}/{x}/{y}", "0/0/0").replace("version=1", "version=2"))
    assert current.status_code == 200 and current.content != tile.content  # 5 points, not 2

    api_page = republished.get("/dataset/public/api/", {"version": 1}).content.decode()
    records = unescape(re.search(r'id="api-records" type="text" readonly value="([^"]+)"', api_page).group(1))
    assert republished.get(records.replace("http://" + MAIN_HOST, "")).json()["total_count"] == 5

    export_page = republished.get("/dataset/public/export/", {"version": 1}).content.decode()
    url = unescape(re.search(r'href="([^"]+/exports/csv[^"]*)"', export_page).group(1))
    text = b"".join(republished.get(url.replace("http://" + MAIN_HOST, "")).streaming_content).decode("utf-8-sig")
    assert [int(row["id"]) for row in csv.DictReader(io.StringIO(text), delimiter=";")] == [1, 2, 3, 4, 5]


def test_an_unknown_version_is_a_404_page(republished: Client):
    assert republished.get("/dataset/public/table/", {"version": 9}).status_code == 404
