"""The admin API reads and writes one shape, and refuses keys it does not know (issue 10, item 3).

Sending back a grant as `GET .../grants` read it must keep its row filter: the grantee
still sees only its rows through the Explore API. Every endpoint taking a body answers
422 naming an unknown key, and changes nothing.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from datapolis.access import services
from datapolis.access.api import api
from datapolis.access.models import Grant
from datapolis.audit.models import AuditEvent
from tests.access.fixtures import MAIN_HOST, MEUDON_FILTER, MEUDON_ROWS, ROWS

EXPLORE = "/api/explore/v2.1"


class Admin:
    """The admin JSON API, called with an instance admin's write key."""

    def __init__(self) -> None:
        self.client = Client()
        key = services.create_api_key("admin", scope="write", actor="test")[1]
        self.headers = {"HTTP_AUTHORIZATION": f"Apikey {key}", "HTTP_HOST": MAIN_HOST}

    def call(self, method: str, path: str, body=None):
        send = getattr(self.client, method.lower())
        return send(f"/api/admin{path}", body, content_type="application/json", **self.headers)


def rows_seen_by_member(client: Client, key: str) -> int:
    response = client.get(
        f"{EXPLORE}/catalog/datasets/filtered/records",
        {"limit": 0},
        HTTP_AUTHORIZATION=f"Apikey {key}",
        HTTP_HOST=MAIN_HOST,
    )
    assert response.status_code == 200, response.content
    return response.json()["total_count"]


def test_a_grant_sent_back_as_read_keeps_its_row_filter(matrix_with_data):
    admin, explorer = Admin(), Client()
    member_key = services.create_api_key("member", actor="test")[1]
    assert rows_seen_by_member(explorer, member_key) == len(MEUDON_ROWS) < len(ROWS)

    read = admin.call("GET", "/datasets/filtered/grants").json()
    grant = next(item for item in read if item["group"] == "agents-meudon")
    assert grant["row_filter"] == MEUDON_FILTER
    written = admin.call("PUT", "/datasets/filtered/grants", grant)

    assert written.status_code == 200, written.content
    assert written.json() == grant
    assert admin.call("GET", "/datasets/filtered/grants").json() == read
    assert Grant.objects.get(dataset__dataset_id="filtered", group__name="agents-meudon").row_filter == MEUDON_FILTER
    assert rows_seen_by_member(explorer, member_key) == len(MEUDON_ROWS)


def test_the_former_write_names_are_refused_not_ignored(matrix_with_data):
    admin = Admin()
    response = admin.call("PUT", "/datasets/filtered/grants", {"group": "agents-meudon", "filter": ""})
    assert response.status_code == 422
    assert response.json()["error_code"] == "InvalidRESTParameterError"
    assert "filter" in response.json()["message"]
    assert Grant.objects.get(dataset__dataset_id="filtered", group__name="agents-meudon").row_filter == MEUDON_FILTER


def test_a_grant_naming_another_dataset_is_refused(matrix_with_data):
    response = Admin().call("PUT", "/datasets/filtered/grants", {"dataset": "public", "group": "agents-meudon"})
    assert response.status_code == 422
    assert Grant.objects.get(dataset__dataset_id="filtered", group__name="agents-meudon").row_filter == MEUDON_FILTER


def endpoints_with_a_body() -> list[tuple[str, str]]:
    found = []
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                if any(model.__ninja_param_source__ == "body" for model in operation.models):
                    found.extend((method, prefix + path) for method in operation.methods)
    return found


def test_every_endpoint_with_a_body_is_found():
    assert len(endpoints_with_a_body()) >= 7  # users, groups, members, grants, keys, revoke, portals, shares


@pytest.mark.parametrize(("method", "path"), endpoints_with_a_body())
def test_an_unknown_key_answers_422_everywhere(matrix, method, path):
    admin = Admin()
    concrete = re.sub(r"\{[^}]+\}", "filtered", path)
    before = AuditEvent.objects.count()
    response = admin.call(method, concrete, {"username": "zoe", "name": "zoe", "unexpected_key": 1})
    assert response.status_code == 422, (method, path, response.content)
    body = response.json()
    assert body["error_code"] == "InvalidRESTParameterError"
    assert "unexpected_key" in body["message"]
    assert {"loc": ["unexpected_key"], "type": "extra_forbidden"} in body["detail"]
    assert AuditEvent.objects.count() == before  # nothing was changed
