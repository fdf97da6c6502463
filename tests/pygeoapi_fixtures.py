"""A pygeoapi server (OGC API - Features) serving real commune polygons, for the sources' tests."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def pygeoapi(tmp_path_factory, shared_datasets: Path) -> Iterator[tuple[str, Path]]:
    """pygeoapi's Flask app on 127.0.0.1 in a thread: (base URL, the GeoJSON file it serves).

    Once per process: pygeoapi reads its configuration when `pygeoapi.flask_app` is first
    imported, so a second server in the same process would be answered with the first
    one's address in its `next` links.
    """
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
