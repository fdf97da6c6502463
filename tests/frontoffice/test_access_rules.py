"""Pages, tiles and embeds show a dataset only to those who may see it, and only what they may see."""

from __future__ import annotations

import re

import mapbox_vector_tile
from django.test import Client

from tests.access.fixtures import MAIN_HOST, MEUDON_HOST, MEUDON_ROWS, ROWS, Matrix


def client_for(matrix: Matrix, role: str | None = None) -> Client:
    client = Client(HTTP_HOST=MAIN_HOST)
    if role:
        client.force_login(matrix.users[role])
    return client


def tile_count(response) -> int:
    layers = mapbox_vector_tile.decode(response.content)
    return sum(feature["properties"]["point_count"] for feature in layers.get("data", {}).get("features", []))


def test_anonymous_visitors_never_see_restricted_datasets(matrix_with_data: Matrix) -> None:
    client = client_for(matrix_with_data)

    catalog = client.get("/catalog/").content.decode()
    home = client.get("/").content.decode()
    assert "/dataset/public/" in catalog and "/dataset/filtered/" not in catalog
    assert "/dataset/restricted/" not in home
    for path in ("/dataset/filtered/", "/dataset/filtered/table/", "/dataset/filtered/map/",
                 "/embed/dataset/filtered/table/", "/api/tiles/filtered/0/0/0.pbf"):  # fmt: skip
        assert client.get(path).status_code == 404, path


def test_a_granted_agent_sees_the_internal_marker_visible_fields_and_filtered_counts(matrix_with_data: Matrix) -> None:
    client = client_for(matrix_with_data, "member")

    catalog = client.get("/catalog/?q=filtered").content.decode()
    table = client.get("/dataset/filtered/table/").content.decode()
    info = client.get("/dataset/filtered/").content.decode()

    assert "badge internal" in catalog and f"{len(MEUDON_ROWS)} records" in catalog
    headers = re.findall(r'<th scope="col"[^>]*>(?:<a[^>]*>)?([^<]+)', table)
    assert headers == ["id", "commune", "population", "geo"]  # never "secret"
    assert "secret-one" not in table and "Clamart" not in table.split("<tbody")[1]
    assert re.search(rf"Records 1 to {len(MEUDON_ROWS)} of {len(MEUDON_ROWS)}\b", table)
    assert "<code>secret</code>" not in info


def test_tiles_follow_the_row_filters_of_the_caller(matrix_with_data: Matrix) -> None:
    member = client_for(matrix_with_data, "member")
    admin = client_for(matrix_with_data, "admin")

    mine = member.get("/api/tiles/filtered/0/0/0.pbf", {"attributes": "commune,secret"})
    everything = admin.get("/api/tiles/filtered/0/0/0.pbf")

    assert mine.status_code == 200 and mine["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert tile_count(mine) == len(MEUDON_ROWS) and tile_count(everything) == len(ROWS)
    assert member.get("/api/tiles/filtered/0/0/0.pbf", {"field": "secret"}).status_code == 400


def test_page_filters_reach_the_tiles(matrix_with_data: Matrix) -> None:
    client = client_for(matrix_with_data)
    response = client.get("/api/tiles/public/0/0/0.pbf", {"where": "population >= 300", "refine": "commune:Clamart"})

    assert tile_count(response) == sum(1 for row in ROWS if row[2] >= 300 and row[1] == "Clamart")
    assert client.get("/api/tiles/public/0/0/0.pbf", {"where": "population >>= 3"}).status_code == 400


def test_a_sub_portal_shows_only_what_is_shared_with_it_and_its_filter(matrix_with_data: Matrix) -> None:
    client = Client(HTTP_HOST=MEUDON_HOST)

    home = client.get("/").content.decode()
    table = client.get("/dataset/shared/table/").content.decode()

    assert "/dataset/shared/" in home and "/dataset/public/" not in home
    assert client.get("/dataset/public/").status_code == 404
    assert re.search(rf"Records 1 to {len(MEUDON_ROWS)} of {len(MEUDON_ROWS)}\b", table)


def test_only_embeds_may_be_framed_and_they_keep_the_rules(matrix_with_data: Matrix) -> None:
    client = client_for(matrix_with_data)

    page = client.get("/dataset/public/table/")
    embed = client.get("/embed/dataset/public/table/", {"refine": "commune:Meudon"})

    assert page["X-Frame-Options"] == "DENY"
    assert embed.status_code == 200 and "X-Frame-Options" not in embed
    assert "site-header" not in embed.content.decode()  # minimal chrome
    assert f"of {len(MEUDON_ROWS)}" in embed.content.decode()
    assert client.get("/embed/dataset/public/map/").status_code == 200
    assert client.get("/embed/dataset/public/chart/").status_code == 200
