"""Sign-in and sign-out: CSRF, a new session on sign-in, audit of successes and failures."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from datapolis.audit.models import AuditEvent
from tests.access.fixtures import PASSWORD

LOGIN = "/accounts/login/"


@pytest.fixture
def alice(db):
    return User.objects.create_user("alice", email="alice@example.fr", password=PASSWORD)


def csrf_token(client: Client, url: str = LOGIN) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.cookies["csrftoken"].value


def sign_in(client: Client, username: str, password: str, **extra):
    token = csrf_token(client)
    return client.post(LOGIN, {"username": username, "password": password, "csrfmiddlewaretoken": token}, **extra)


def test_sign_in_page_renders_a_csrf_protected_form(db):
    response = Client().get(LOGIN)
    assert response.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in response.content
    assert b'name="username"' in response.content


def test_sign_in_without_csrf_token_is_refused(alice):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_sign_in_with_csrf_token_signs_in_and_is_audited(alice):
    client = Client(enforce_csrf_checks=True)
    response = sign_in(client, "alice", PASSWORD, REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="pytest")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)
    event = AuditEvent.objects.get(action="sign_in")
    assert (event.actor_id, event.target, event.ip, event.user_agent) == (alice.pk, "alice", "203.0.113.7", "pytest")


def test_signing_in_gives_a_new_session_key(alice):
    """Session fixation: a session key planted before sign-in must not survive it."""
    client = Client(enforce_csrf_checks=True)
    csrf_token(client)
    session = client.session
    session["planted"] = "by an attacker"
    session.save()
    planted_key = session.session_key
    client.cookies["sessionid"] = planted_key
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != planted_key
    assert not Client(cookies={"sessionid": planted_key}).session.get("_auth_user_id")


def test_wrong_password_is_refused_and_audited(alice):
    client = Client(enforce_csrf_checks=True)
    response = sign_in(client, "alice", "not the password", REMOTE_ADDR="198.51.100.2")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="sign_in_failed")
    assert (event.actor_name, event.target, event.ip) == ("alice", "alice", "198.51.100.2")
    assert "not the password" not in str(event.details)


def test_disabled_user_cannot_sign_in(alice):
    alice.is_active = False
    alice.save()
    client = Client()
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_sign_out_needs_post_with_csrf_and_ends_the_session(alice):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, "alice", PASSWORD)
    assert client.post("/accounts/logout/").status_code == 403
    token = client.cookies["csrftoken"].value
    response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="sign_out", actor=alice).count() == 1
