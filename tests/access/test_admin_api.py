"""The admin JSON API: one endpoint per CLI command, admins only (or owners and editors where said)."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from datapolis.access import services
from datapolis.access.models import ApiKey, Grant
from datapolis.audit.models import AuditEvent
from datapolis.portals.models import DatasetShare, Portal
from tests.access.fixtures import MEUDON_FILTER, PASSWORD


class Api:
    """A JSON client authenticated by an API key."""

    def __init__(self, key: str | None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Apikey {key}"} if key else {}

    def get(self, path, **params):
        return self.client.get(f"/api/admin{path}", params, **self.headers)

    def post(self, path, data=None):
        return self.client.post(f"/api/admin{path}", data or {}, content_type="application/json", **self.headers)

    def put(self, path, data):
        return self.client.put(f"/api/admin{path}", data, content_type="application/json", **self.headers)

    def delete(self, path):
        return self.client.delete(f"/api/admin{path}", **self.headers)


@pytest.fixture
def admin_api(matrix):
    return Api(services.create_api_key("admin", scope="write", actor="test")[1])


@pytest.fixture
def reader_api(matrix):
    return Api(services.create_api_key("reader", scope="write", actor="test")[1])


def test_users_create_list_disable(admin_api):
    created = admin_api.post("/users", {"username": "zoe", "email": "zoe@example.fr", "password": PASSWORD})
    assert created.status_code == 201
    assert created.json()["username"] == "zoe"
    assert User.objects.get(username="zoe").check_password(PASSWORD)
    assert "zoe" in [user["username"] for user in admin_api.get("/users").json()]
    disabled = admin_api.post("/users/zoe/disable")
    assert disabled.status_code == 200 and disabled.json()["is_active"] is False
    assert admin_api.post("/users", {"username": "zoe"}).status_code == 400  # already exists
    assert AuditEvent.objects.filter(action__in=["user_created", "user_disabled"], target="zoe").count() == 2


def test_groups_create_and_add(admin_api):
    assert admin_api.post("/groups", {"name": "elus"}).status_code == 201
    assert admin_api.post("/groups/elus/members", {"username": "reader"}).status_code == 200
    assert list(Group.objects.get(name="elus").user_set.values_list("username", flat=True)) == ["reader"]
    assert {"name": "elus", "members": ["reader"]} in admin_api.get("/groups").json()


def test_grant_and_revoke(admin_api):
    response = admin_api.put(
        "/datasets/restricted/grants",
        {
            "user": "reader",
            "row_filter": MEUDON_FILTER,
            "fields": ["id", "commune"],
            "expires_at": "2030-01-01T00:00:00Z",
        },
    )
    assert response.status_code == 200, response.content
    assert response.json() | {"expires_at": None} == {
        "dataset": "restricted",
        "user": "reader",
        "group": None,
        "data_visible": True,
        "fields": ["commune", "id"],
        "row_filter": MEUDON_FILTER,
        "expires_at": None,
    }
    assert response.json()["expires_at"].startswith("2030-01-01")
    assert len(admin_api.get("/datasets/restricted/grants").json()) == 2  # with the partner's expired one
    assert admin_api.delete("/datasets/restricted/grants?user=reader").status_code == 204
    assert not Grant.objects.filter(dataset__dataset_id="restricted", user__username="reader").exists()
    assert admin_api.delete("/datasets/restricted/grants?user=reader").status_code == 404


def test_a_grant_with_a_bad_filter_or_field_is_refused(admin_api):
    bad_filter = admin_api.put("/datasets/restricted/grants", {"group": "agents-meudon", "row_filter": 'comune = "x"'})
    assert bad_filter.status_code == 400
    assert "comune" in bad_filter.json()["message"]
    bad_field = admin_api.put("/datasets/restricted/grants", {"group": "agents-meudon", "fields": ["nope"]})
    assert bad_field.status_code == 400
    both = admin_api.put("/datasets/restricted/grants", {"user": "reader", "group": "agents-meudon"})
    assert both.status_code == 400
    assert Grant.objects.filter(group__name="agents-meudon", dataset__dataset_id="restricted").count() == 0


def test_a_publisher_manages_grants_of_their_datasets_only(matrix):
    publisher = Api(services.create_api_key("publisher", scope="write", actor="test")[1])
    assert publisher.put("/datasets/filtered/grants", {"user": "reader"}).status_code == 200
    assert publisher.put("/datasets/public/grants", {"user": "reader"}).status_code == 404


def test_readers_cannot_administer_and_restricted_datasets_stay_hidden(reader_api):
    assert reader_api.get("/users").status_code == 403
    assert reader_api.post("/users", {"username": "x"}).status_code == 403
    assert reader_api.post("/groups", {"name": "x"}).status_code == 403
    assert reader_api.get("/audit").status_code == 403
    assert reader_api.post("/portals", {"host": "x.example.fr", "name": "X"}).status_code == 403
    hidden = reader_api.get("/datasets/restricted/grants")
    assert hidden.status_code == 404
    assert set(hidden.json()) == {"message", "error_code"}
    assert reader_api.post("/apikeys", {"user": "admin"}).status_code == 403
    assert not User.objects.filter(username="x").exists()


def test_anonymous_gets_401(matrix):
    for path in ("/users", "/audit", "/apikeys"):
        assert Api(None).get(path).status_code == 401


def test_api_keys_create_and_revoke(admin_api):
    created = admin_api.post("/apikeys", {"user": "reader", "scope": "write"})
    assert created.status_code == 201
    key = created.json()["key"]
    assert Api(key).get("/apikeys").status_code == 200
    assert admin_api.post("/apikeys/revoke", {"key": key}).status_code == 200
    assert Api(key).get("/apikeys").status_code == 401
    assert AuditEvent.objects.filter(action="apikey_revoked", target=key[:12]).exists()


def test_users_revoke_only_their_own_keys(admin_api, reader_api):
    admin_key = admin_api.post("/apikeys", {"scope": "read"}).json()["key"]
    assert reader_api.post("/apikeys/revoke", {"key": admin_key}).status_code == 400
    assert ApiKey.objects.get(prefix=admin_key[:12]).revoked_at is None


def test_portals_create_and_share(admin_api):
    created = admin_api.post("/portals", {"host": "clamart.data.example.fr", "name": "Clamart"})
    assert created.status_code == 201
    shared = admin_api.post(
        "/portals/clamart.data.example.fr/shares", {"dataset": "public", "row_filter": MEUDON_FILTER}
    )
    assert shared.status_code == 201
    assert shared.json() == {"host": "clamart.data.example.fr", "dataset": "public", "row_filter": MEUDON_FILTER}
    share = DatasetShare.objects.get(portal=Portal.objects.get(host="clamart.data.example.fr"))
    assert (share.dataset.dataset_id, share.row_filter) == ("public", MEUDON_FILTER)


def test_audit_log_export_as_json_and_csv(admin_api):
    admin_api.post("/groups", {"name": "=HYPERLINK(1)"})
    events = admin_api.get("/audit", action="group_created").json()
    assert [(event["action"], event["target"]) for event in events] == [("group_created", "=HYPERLINK(1)")]
    exported = admin_api.get("/audit", format="csv")
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode()), delimiter=";"))
    assert {"at", "actor", "action", "target", "ip"} <= set(rows[0])
    group_row = next(row for row in rows if row["action"] == "group_created")
    assert group_row["target"] == "'=HYPERLINK(1)"  # not run as a formula by a spreadsheet
    assert group_row["actor"] == "admin"


def test_session_writes_need_the_csrf_token(matrix):
    client = Client(enforce_csrf_checks=True)
    client.force_login(matrix.users["admin"])
    refused = client.post("/api/admin/groups", {"name": "elus"}, content_type="application/json")
    assert refused.status_code == 403
    client.get("/accounts/password-reset/")  # a page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/admin/groups", {"name": "elus"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201
    assert Group.objects.filter(name="elus").exists()
