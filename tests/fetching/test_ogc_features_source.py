"""An "ogc_features" source read from pygeoapi serving a real GeoJSON file, page after page."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from datapolis.fetching import SourceError, SourceSpec, fetch_source
from tests.fetching.conftest import LOOPBACK

PAGE_SIZE = 100
CONFIG = """
server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-US]
  pretty_print: false
  limits: {{default_items: {page_size}, max_items: {page_size}}}
  map:
    url: "https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png"
    attribution: OpenStreetMap
logging: {{level: ERROR}}
metadata:
  identification:
    title: Datapolis tests
    description: Communes served for the fetcher tests
    keywords: [communes]
    keywords_type: theme
    terms_of_service: https://example.org/terms
    url: https://example.org
  license: {{name: Licence Ouverte, url: https://www.etalab.gouv.fr/licence-ouverte-open-licence}}
  provider: {{name: Datapolis, url: https://example.org}}
  contact: {{name: Datapolis, email: contact@example.org, url: https://example.org, role: pointOfContact}}
resources:
  communes-35:
    type: collection
    title: Communes d'Ille-et-Vilaine
    description: Commune polygons of Ille-et-Vilaine
    keywords: [communes]
    extents:
      spatial: {{bbox: [-2.3, 47.6, -1.0, 48.8], crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84}}
    providers:
      - type: feature
        name: GeoJSON
        data: {data}
        id_field: code
"""


@pytest.fixture(scope="module")
def pygeoapi(tmp_path_factory, shared_datasets: Path) -> Iterator[tuple[str, Path]]:
    """pygeoapi's Flask app on 127.0.0.1 in a thread: (base URL, the GeoJSON file it serves)."""
    from werkzeug.serving import make_server

    data = shared_datasets / "france-geojson" / "communes-35-ille-et-vilaine.geojson"
    app = {}
    server = make_server("127.0.0.1", 0, lambda environ, start: app["wsgi"](environ, start), threaded=True)
    folder = tmp_path_factory.mktemp("pygeoapi")
    config = folder / "config.yml"
    config.write_text(CONFIG.format(port=server.server_port, page_size=PAGE_SIZE, data=data))
    saved = {name: os.environ.get(name) for name in ("PYGEOAPI_CONFIG", "PYGEOAPI_OPENAPI")}
    os.environ["PYGEOAPI_CONFIG"] = str(config)
    os.environ["PYGEOAPI_OPENAPI"] = str(folder / "openapi.yml")
    from pygeoapi.openapi import generate_openapi_document

    (folder / "openapi.yml").write_text(generate_openapi_document(config, "yaml"))
    from pygeoapi.flask_app import APP

    app["wsgi"] = APP
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", data
    server.shutdown()
    thread.join(5)
    for name, value in saved.items():
        os.environ.pop(name) if value is None else os.environ.__setitem__(name, value)


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
