"""An "ogc_features" source read from pygeoapi serving a real GeoJSON file, page after page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datapolis.fetching import SourceError, SourceSpec, fetch_source
from tests.fetching.conftest import LOOPBACK
from tests.pygeoapi_fixtures import PAGE_SIZE


def spec(url: str, **options) -> SourceSpec:
    return SourceSpec("ogc_features", url, options={"collection": "communes-35", "page_size": PAGE_SIZE, **options})


def fetch(source: SourceSpec, out: Path, previous=None, **options):
    arguments = {"allowed_networks": LOOPBACK, "max_bytes": 5_000_000, "timeout": 60, **options}
    return fetch_source(source, out, previous=previous, **arguments)


def features(path: Path) -> list[tuple]:
    document = json.loads(path.read_text())
    assert document["type"] == "FeatureCollection"
    return sorted(
        (feature["properties"]["code"], feature["properties"]["nom"], json.dumps(feature["geometry"]))
        for feature in document["features"]
    )


def test_every_page_is_followed_into_one_file_equal_to_the_served_one(pygeoapi, tmp_path):
    url, data = pygeoapi
    result = fetch(spec(url), tmp_path)
    assert result.filename == "communes-35.geojson" and not result.unchanged
    served = features(data)
    assert len(served) == 345 > 3 * PAGE_SIZE  # so four pages were read
    assert features(result.path) == served


def test_unchanged_the_second_time(pygeoapi, tmp_path):
    url, _ = pygeoapi
    first = fetch(spec(url), tmp_path / "one")
    second = fetch(spec(url), tmp_path / "two", previous=first.validators)
    assert second.unchanged and second.path is None and second.sha256 == first.sha256
    assert list((tmp_path / "two").iterdir()) == []


def test_an_items_address_without_collection(pygeoapi, tmp_path):
    url, data = pygeoapi
    source = SourceSpec("ogc_features", f"{url}/collections/communes-35/items", options={"page_size": 200})
    assert features(fetch(source, tmp_path).path) == features(data)


def test_the_page_cap_and_size_cap(pygeoapi, tmp_path):
    url, _ = pygeoapi
    with pytest.raises(SourceError, match="more than 2 pages"):
        fetch(spec(url, max_pages=2), tmp_path / "out")
    with pytest.raises(SourceError, match="larger than") as caught:
        fetch(spec(url), tmp_path / "out", max_bytes=300_000)
    assert caught.value.code == "too_large" and list((tmp_path / "out").iterdir()) == []


def test_an_unknown_collection_names_the_status(pygeoapi, tmp_path):
    url, _ = pygeoapi
    with pytest.raises(SourceError, match="page 1: The server answered 404") as caught:
        fetch(spec(url, collection="nope"), tmp_path)
    assert caught.value.code == "http_status" and str(caught.value).startswith(url)


def test_loopback_is_refused_unless_allowed(pygeoapi, tmp_path):
    url, _ = pygeoapi
    with pytest.raises(SourceError, match="private or reserved address") as caught:
        fetch(spec(url), tmp_path, allowed_networks=())
    assert caught.value.code == "private_address"
