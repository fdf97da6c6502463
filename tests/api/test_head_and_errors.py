"""HEAD works wherever GET does, and errors under /api/ are JSON (issue 10, item 6).

Every URL pattern of the project is requested with GET and with HEAD, its parameters
filled with a real dataset, record, export format and tile: HEAD answers GET's status and
headers (Content-Length included). Then errors under /api/ (an unknown path, a method
not allowed, a server error) answer the Explore API's `{"error_code", "message"}`.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from tests.access.fixtures import MAIN_HOST, fast_password_hasher, lake, matrix_with_data  # noqa: F401

COMPARED_HEADERS = ("Content-Type", "Content-Length", "Content-Disposition", "Allow", "Location", "Cache-Control")
EXPORT_FORMATS = ("csv", "json", "geojson", "xlsx", "parquet")
CATALOG_FORMATS = ("dcat", "csv", "json", "ttl")
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def url_patterns(patterns=None, prefix: str = "") -> list[str]:
    """Every route of the project as text (`dataset/<str:dataset_id>/`), Django's admin aside."""
    routes = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if not route.startswith("admin/"):
                routes.extend(url_patterns(pattern.url_patterns, route))
        else:
            routes.append(route)
    return sorted(set(routes))


def concrete_urls(route: str, values: dict[str, list[str]]) -> list[str]:
    """`route` with each parameter replaced by each of its values."""
    urls = ["/" + route]
    for name in PARAMETER.findall(route):
        choices = values.get(name, ["x"])
        if name == "format":
            choices = CATALOG_FORMATS if route.startswith("api/explore/v2.1/catalog/exports") else EXPORT_FORMATS
        urls = [PARAMETER.sub(choice, url, count=1) for url in urls for choice in choices]
    return urls


@pytest.fixture
def client(matrix_with_data) -> Client:  # noqa: F811 - the fixture imported above
    """A signed-in instance admin, so the back office and admin API pages answer too."""
    client = Client(raise_request_exception=False, HTTP_HOST=MAIN_HOST)
    client.force_login(matrix_with_data.users["admin"])
    return client


def a_record_id(client: Client) -> str:
    response = client.get("/api/explore/v2.1/catalog/datasets/public/records", {"limit": 1, "include_links": "true"})
    return response.json()["results"][0]["_id"]


def test_head_answers_like_get_on_every_url(client):
    values = {
        "dataset_id": ["public"],
        "record_id": [a_record_id(client)],
        "z": ["0"],
        "x": ["0"],
        "y": ["0"],
        "upload_id": [str(uuid.uuid4())],
        "username": ["reader"],
        "name": ["agents-meudon"],
        "host": [MAIN_HOST],
        "number": ["1"],
        "job_id": ["1"],
    }
    answered = {}
    for route in url_patterns():
        for url in concrete_urls(route, values):
            got, head = client.get(url), client.head(url)
            assert head.status_code == got.status_code, (url, got.status_code, head.status_code)
            for header in COMPARED_HEADERS:
                assert head.get(header) == got.get(header), (url, header, got.get(header), head.get(header))
            assert b"".join(head.streaming_content if head.streaming else [head.content]) == b""
            if got.streaming:
                b"".join(got.streaming_content)  # read to the end, which closes it (an export stops)
            answered[url] = got.status_code
    ok = {url for url, status in answered.items() if status == 200}
    assert {
        "/",
        "/catalog/",
        "/dataset/public/",
        "/dataset/public/table/",
        "/dataset/public/map/",
        "/embed/dataset/public/table/",
        "/embed/dataset/public/map/",
        "/api/explore/v2.1/catalog/datasets/public/records",
        "/api/explore/v2.1/catalog/datasets/public/exports/csv",
        "/api/explore/v2.1/catalog/datasets/public/exports/xlsx",
        "/api/explore/v2.1/catalog/exports/dcat",
        "/api/explore/v2.1/catalog/exports/dcat/",
        "/api/tiles/public/0/0/0.pbf",
        "/api/admin/users",
    } <= ok
    assert len(ok) >= 60
    records = "/api/explore/v2.1/catalog/datasets/public/records"
    assert int(client.head(records)["Content-Length"]) == len(client.get(records).content) > 0


@pytest.fixture
def visitor(db) -> Client:
    """An anonymous visitor of a portal with no dataset (errors need no data)."""
    from datapolis.portals.services import create_portal

    create_portal(MAIN_HOST, "Métropole", is_default=True)
    return Client(raise_request_exception=False, HTTP_HOST=MAIN_HOST)


@pytest.mark.parametrize(
    "path",
    ["/api/explore/v2.1/nothing-here", "/api/nothing", "/api/explore/v2.1/catalog/datasets/public/nope/x"],
)
def test_an_unknown_path_under_api_answers_json_404(visitor, path):
    for response in (visitor.get(path), visitor.post(path)):
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["error_code"] == "NotFound"
        assert path in response.json()["message"]
    head = visitor.head(path)
    assert (head.status_code, head["Content-Type"]) == (404, "application/json; charset=utf-8")


@pytest.mark.parametrize(
    "path",
    ["/api/explore/v2.1/catalog/datasets", "/api/tiles/public/0/0/0.pbf", "/api/explore/v2.1/catalog/exports/dcat"],
)
def test_a_method_not_allowed_under_api_answers_json_405(visitor, path):
    response = visitor.post(path)
    assert response.status_code == 405
    assert response.json()["error_code"] == "MethodNotAllowed"
    assert "GET" in response["Allow"]


def test_a_page_outside_api_keeps_its_html_404(visitor):
    response = visitor.get("/dataset/no-such-dataset/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.urls("tests.api.failing_urls")
def test_a_server_error_under_api_answers_json_500(visitor):
    response = visitor.get("/api/explore/v2.1/failing")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error_code"] == "InternalServerError"
    assert "Traceback" not in response.content.decode()
    page = visitor.get("/failing-page/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
