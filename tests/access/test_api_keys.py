"""API keys: sent in a header (any case) or the query string, refused when bad, never stored or logged in clear."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from datapolis.access import services
from datapolis.access.keys import digest
from datapolis.access.models import ApiKey

ME = "/api/admin/apikeys"


@pytest.fixture
def alice(db):
    return User.objects.create_user("alice", email="alice@example.fr")


@pytest.fixture
def key(alice):
    return services.create_api_key("alice", actor="test")[1]


@pytest.mark.parametrize("scheme", ["Apikey", "ApiKey", "APIKEY", "apikey"])
def test_key_in_the_authorization_header_any_case(key, scheme):
    response = Client().get(ME, HTTP_AUTHORIZATION=f"{scheme} {key}")
    assert response.status_code == 200
    assert [item["user"] for item in response.json()] == ["alice"]


def test_key_in_the_query_string(key):
    response = Client().get(ME, {"apikey": key})
    assert response.status_code == 200
    assert response.json()[0]["prefix"] == key[:12]


def test_no_key_is_anonymous_and_the_admin_api_wants_credentials(db):
    response = Client().get(ME)
    assert response.status_code == 401
    assert response.json()["error_code"] == "AuthenticationRequired"


@pytest.mark.parametrize("state", ["unknown", "revoked", "expired", "disabled user"])
def test_unusable_keys_get_401_json_on_every_path(key, alice, state):
    sent = key
    if state == "unknown":
        sent = key[:-4] + "AAAA"
    elif state == "revoked":
        services.revoke_api_key(key, actor="test")
    elif state == "expired":
        ApiKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    else:
        alice.is_active = False
        alice.save()
    for path in (ME, "/accounts/login/", "/api/explore/v2.1/catalog/datasets"):
        response = Client().get(path, HTTP_AUTHORIZATION=f"Apikey {sent}")
        assert response.status_code == 401, path
        assert set(response.json()) == {"message", "error_code"}
        assert response.json()["error_code"] == "InvalidAPIKey"


def test_only_a_digest_is_stored(key):
    stored = ApiKey.objects.get()
    assert stored.digest == digest(key)
    assert stored.prefix == key[:12]
    assert key not in stored.digest


def test_keys_never_reach_the_database_or_the_logs_in_clear(key, caplog, tmp_path, alice):
    caplog.set_level(logging.DEBUG)
    revoked_key = services.create_api_key("alice", scope="write", actor="test")[1]
    services.revoke_api_key(revoked_key, actor="test")
    Client().get(ME, HTTP_AUTHORIZATION=f"Apikey {key}")
    Client().get(ME, {"apikey": revoked_key})  # 401, logged by django.request
    Client().get("/no/such/page", {"apikey": key})  # 404, logged too
    dump = tmp_path / "dump.json"
    call_command("dumpdata", output=str(dump), verbosity=0)
    text = dump.read_text()
    assert "dpk_" in text  # the prefixes are there: the dump holds the key rows
    for secret in (key, revoked_key):
        assert secret not in text
        assert secret[12:] not in caplog.text
        assert secret[12:] not in text


def test_a_read_key_cannot_write(key):
    response = Client().post(ME, {"scope": "read"}, content_type="application/json", HTTP_AUTHORIZATION=f"Apikey {key}")
    assert response.status_code == 403
    assert ApiKey.objects.count() == 1


def test_a_write_key_creates_a_key_for_its_user_shown_once(alice):
    write_key = services.create_api_key("alice", scope="write", actor="test")[1]
    response = Client().post(
        ME, {"scope": "read"}, content_type="application/json", HTTP_AUTHORIZATION=f"Apikey {write_key}"
    )
    assert response.status_code == 201
    created = response.json()
    assert created["key"].startswith("dpk_") and created["user"] == "alice"
    listed = Client().get(ME, HTTP_AUTHORIZATION=f"Apikey {write_key}").json()
    assert all("key" not in item for item in listed)
    assert len(listed) == 2


def test_last_use_is_recorded(key):
    assert ApiKey.objects.get().last_used_at is None
    Client().get(ME, HTTP_AUTHORIZATION=f"Apikey {key}")
    assert ApiKey.objects.get().last_used_at is not None
