"""WFS 2.0 and ArcGIS REST sources, paged, against recorded answers served on 127.0.0.1.

The answers are in tests/fetching/recorded (see its README.md): three pages of three,
three and one features for each protocol; the server checks the paging parameters.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from datapolis.fetching import SourceError, SourceSpec, fetch_source
from tests.conftest import SHARED_DATA
from tests.fetching.conftest import LOOPBACK, QuietHandler, http_server

RECORDED = Path(__file__).parent / "recorded"
SOURCE = SHARED_DATA / "datasets" / "france-geojson" / "communes-49-maine-et-loire.geojson"


class Recorded(QuietHandler):
    requests: list[dict[str, str]] = []

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {name.lower(): values[0] for name, values in parse_qs(parts.query).items()}
        Recorded.requests.append(query)
        if parts.path == "/geoserver/wfs":
            self.wfs(query)
        elif parts.path == "/arcgis/rest/services/Communes/FeatureServer/0/query":
            self.arcgis(query)
        else:
            self.send_body(b"not found", "text/plain", status=404)

    def wfs(self, query: dict[str, str]) -> None:
        expected = {"service": "WFS", "version": "2.0.0", "request": "GetFeature", "count": "3"}
        assert {name: query.get(name) for name in expected} == expected
        assert query["outputformat"] == "application/json" and query["map"] == "communes"
        if query["typenames"] != "datapolis:communes_49":
            self.send_body((RECORDED / "wfs-exception-report.xml").read_bytes(), "application/xml")
            return
        self.send_body((RECORDED / f"wfs-getfeature-startindex-{query['startindex']}.json").read_bytes())

    def arcgis(self, query: dict[str, str]) -> None:
        assert (query["where"], query["outfields"], query["f"], query["resultrecordcount"]) == (
            "1=1",
            "*",
            "geojson",
            "3",
        )
        if query.get("orderbyfields", "OBJECTID") != "OBJECTID":  # the recorded error answer
            self.send_body((RECORDED / "arcgis-query-error.json").read_bytes())
            return
        self.send_body((RECORDED / f"arcgis-query-offset-{query['resultoffset']}.json").read_bytes())


@pytest.fixture
def server():
    Recorded.requests = []
    with http_server(Recorded) as url:
        yield url


def fetch(source: SourceSpec, out: Path, previous=None, **options):
    arguments = {"allowed_networks": LOOPBACK, "max_bytes": 1_000_000, "timeout": 10, **options}
    return fetch_source(source, out, previous=previous, **arguments)


def wfs(url: str, **options) -> SourceSpec:
    options = {"typeNames": "datapolis:communes_49", "page_size": 3, **options}
    return SourceSpec("wfs", f"{url}/geoserver/wfs?map=communes", options=options)


def arcgis(url: str, **options) -> SourceSpec:
    return SourceSpec(
        "arcgis", f"{url}/arcgis/rest/services/Communes/FeatureServer/0", options={"page_size": 3, **options}
    )


def expected_features() -> list[tuple]:
    features = json.loads(SOURCE.read_text())["features"][:7]
    return [(feature["properties"]["code"], feature["geometry"]) for feature in features]


def read(path: Path) -> list[tuple]:
    document = json.loads(path.read_text())
    assert document["type"] == "FeatureCollection"
    return [(feature["properties"]["code"], feature["geometry"]) for feature in document["features"]]


def test_wfs_pages_are_followed_into_one_geojson_file(server, tmp_path):
    result = fetch(wfs(server), tmp_path)
    assert result.filename == "communes_49.geojson" and read(result.path) == expected_features()
    assert [request["startindex"] for request in Recorded.requests] == ["0", "3", "6"]
    assert result.validators.sha256 == result.sha256 and result.validators.size == result.path.stat().st_size


def test_wfs_unchanged_the_second_time(server, tmp_path):
    first = fetch(wfs(server), tmp_path / "one")
    second = fetch(wfs(server), tmp_path / "two", previous=first.validators)
    assert second.unchanged and second.path is None and list((tmp_path / "two").iterdir()) == []


def test_a_wfs_exception_report_is_shown(server, tmp_path):
    with pytest.raises(SourceError, match="exception: Feature type datapolis:nope unknown") as caught:
        fetch(wfs(server, typeNames="datapolis:nope"), tmp_path)
    assert caught.value.code == "server_exception" and f"{server}/geoserver/wfs?map=communes" in str(caught.value)


def test_arcgis_pages_are_followed_while_the_transfer_limit_is_exceeded(server, tmp_path):
    result = fetch(arcgis(server), tmp_path)
    assert result.filename == "0.geojson" and read(result.path) == expected_features()
    assert [request["resultoffset"] for request in Recorded.requests] == ["0", "3", "6"]


def test_arcgis_service_and_layer_option(server, tmp_path):
    source = SourceSpec(
        "arcgis", f"{server}/arcgis/rest/services/Communes/FeatureServer", options={"layer": 0, "page_size": 3}
    )
    assert read(fetch(source, tmp_path).path) == expected_features()


def test_arcgis_unchanged_the_second_time(server, tmp_path):
    first = fetch(arcgis(server), tmp_path / "one")
    assert fetch(arcgis(server), tmp_path / "two", previous=first.validators).unchanged


def test_an_arcgis_error_answer_is_shown(server, tmp_path):
    with pytest.raises(SourceError, match="answered error 400: Cannot perform query") as caught:
        fetch(arcgis(server, order_by="nope"), tmp_path / "out")
    assert caught.value.code == "http_status"
    assert list((tmp_path / "out").iterdir()) == []


def test_the_page_and_size_caps(server, tmp_path):
    with pytest.raises(SourceError, match="more than 2 pages") as caught:
        fetch(arcgis(server, max_pages=2), tmp_path / "out")
    assert caught.value.code == "too_many_pages"
    with pytest.raises(SourceError, match="larger than") as caught:
        fetch(wfs(server), tmp_path / "out", max_bytes=20_000)
    assert caught.value.code == "too_large" and list((tmp_path / "out").iterdir()) == []


def test_loopback_is_refused_unless_allowed(server, tmp_path):
    with pytest.raises(SourceError, match="private or reserved address"):
        fetch(wfs(server), tmp_path, allowed_networks=())
