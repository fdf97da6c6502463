"""Lock-out after repeated failed sign-ins (django-axes): per user name and address."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from datapolis.audit.models import AuditEvent
from tests.access.fixtures import PASSWORD
from tests.access.test_sign_in import sign_in


@pytest.fixture
def alice(db, settings):
    settings.AXES_FAILURE_LIMIT = 3
    return User.objects.create_user("alice", password=PASSWORD)


def test_the_right_password_is_refused_after_too_many_failures(alice):
    client = Client()
    for _ in range(2):
        assert sign_in(client, "alice", "wrong", REMOTE_ADDR="192.0.2.1").status_code == 200
    locked = sign_in(client, "alice", "wrong", REMOTE_ADDR="192.0.2.1")
    assert locked.status_code == 429
    response = sign_in(client, "alice", PASSWORD, REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert b'role="alert"' in response.content  # the lock-out page, whatever the language
    assert AuditEvent.objects.filter(action="locked_out", target="alice").exists()


def test_lock_out_is_per_address_so_colleagues_behind_another_address_still_sign_in(alice):
    for _ in range(3):
        sign_in(Client(), "alice", "wrong", REMOTE_ADDR="192.0.2.1")
    other_address = Client()
    assert sign_in(other_address, "alice", PASSWORD, REMOTE_ADDR="192.0.2.99").status_code == 302
    assert other_address.session["_auth_user_id"] == str(alice.pk)


def test_a_successful_sign_in_resets_the_failure_count(alice):
    client = Client()
    for _ in range(2):
        sign_in(client, "alice", "wrong", REMOTE_ADDR="192.0.2.1")
    assert sign_in(client, "alice", PASSWORD, REMOTE_ADDR="192.0.2.1").status_code == 302
    client.post("/accounts/logout/")
    for _ in range(2):
        assert sign_in(Client(), "alice", "wrong", REMOTE_ADDR="192.0.2.1").status_code == 200
    assert sign_in(Client(), "alice", PASSWORD, REMOTE_ADDR="192.0.2.1").status_code == 302
