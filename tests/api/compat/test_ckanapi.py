"""ckanapi (PyPI), the client of CKAN's action API, reads Datapolis as it reads a CKAN portal.

Against a live server (`datapolis serve`) holding real datasets, by POST with a JSON body
(ckanapi's default) and by GET (`get_only=True`, as harvesters do); values are checked
against the files and against what the anonymous caller may see.
"""

from __future__ import annotations

import pytest
import requests
from ckanapi import NotFound, RemoteCKAN, ValidationError

PUBLIC = ["arrondissements", "mesures-no2", "velib"]

pytestmark = pytest.mark.slow


@pytest.fixture(params=[False, True], ids=["post", "get"])
def ckan(server, request) -> RemoteCKAN:
    return RemoteCKAN(server.url, get_only=request.param)


def test_the_packages_are_the_visible_datasets(ckan) -> None:
    assert ckan.action.package_list() == PUBLIC  # the restricted Joconde is not the anonymous caller's
    with pytest.raises(NotFound):
        ckan.action.package_show(id="joconde")
    assert ckan.action.organization_list() == ["air-pays-de-la-loire", "ville-de-paris"]


def test_a_package_has_its_metadata_and_resources(server, raw) -> None:
    ckan = RemoteCKAN(server.url)
    velib = ckan.action.package_show(id="velib")
    assert velib["title"] == "Vélib' - emplacement des stations"
    assert {tag["name"] for tag in velib["tags"]} == {"vélo", "mobilité"}
    assert [group["title"] for group in velib["groups"]] == ["Transports"]
    assert velib["organization"]["title"] == "Ville de Paris"
    assert [resource["format"] for resource in velib["resources"]] == ["CSV", "JSON", "XLSX", "GEOJSON", "SHP"]
    assert ckan.action.package_show(id=velib["id"])["name"] == "velib"  # by its uid too
    csv = requests.get(velib["resources"][0]["url"], timeout=60)
    assert csv.status_code == 200 and len(csv.content.splitlines()) == 1 + len(raw["velib"])


def test_search_filters_and_pages(server) -> None:
    ckan = RemoteCKAN(server.url, get_only=True)
    assert [p["name"] for p in ckan.action.package_search(q="stations")["results"]] == ["velib"]
    assert [p["name"] for p in ckan.action.package_search(fq="tags:mobilité")["results"]] == ["velib"]
    by_paris = ckan.action.package_search(fq="organization:ville-de-paris", sort="name asc")
    assert (by_paris["count"], [p["name"] for p in by_paris["results"]]) == (2, ["arrondissements", "velib"])
    first, second = (ckan.action.package_search(rows=2, start=start, sort="name asc") for start in (0, 2))
    assert first["count"] == second["count"] == 3
    assert [p["name"] for p in first["results"] + second["results"]] == PUBLIC
    with pytest.raises(ValidationError):
        ckan.action.package_search(rows="many")
