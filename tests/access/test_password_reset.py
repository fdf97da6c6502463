"""Password reset by e-mail: a working link, on the portal's own host name."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from datapolis.audit.models import AuditEvent
from datapolis.portals.services import create_portal

NEW_PASSWORD = "a brand new passphrase 42"


@pytest.fixture
def alice(db):
    create_portal("data.example.fr", "Métropole", is_default=True)
    create_portal("meudon.data.example.fr", "Meudon")
    return User.objects.create_user("alice", email="alice@example.fr", password="old passphrase 1234")


def request_reset(client: Client, email: str, host: str):
    return client.post("/accounts/password-reset/", {"email": email}, HTTP_HOST=host)


def reset_link(body: str) -> tuple[str, str]:
    match = re.search(r"https?://([^/\s]+)(/accounts/reset/\S+/)", body)
    assert match, body
    return match.group(1), match.group(2)


def test_reset_mail_links_to_the_portal_and_sets_a_new_password(alice, mailoutbox):
    client = Client()
    response = request_reset(client, "alice@example.fr", "meudon.data.example.fr")
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["alice@example.fr"]
    host, path = reset_link(mailoutbox[0].body)
    assert host == "meudon.data.example.fr"
    form = client.get(path, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert done.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="password_reset", target="alice@example.fr").exists()


def test_a_forged_host_header_is_refused_and_sends_nothing(alice, mailoutbox):
    response = request_reset(Client(), "alice@example.fr", "evil.example.com")
    assert response.status_code == 400
    assert mailoutbox == []


@pytest.mark.parametrize("forged", ["evil.example.com", "evil.example.com:8000"])
def test_where_any_host_is_served_a_forged_one_still_gets_the_default_portals_link(alice, mailoutbox, settings, forged):
    settings.DATAPOLIS_ALLOWED_HOSTS = ("*",)
    request_reset(Client(), "alice@example.fr", forged)
    host, _ = reset_link(mailoutbox[0].body)
    assert host == "data.example.fr"


def test_unknown_address_sends_nothing_and_says_the_same(alice, mailoutbox):
    response = request_reset(Client(), "nobody@example.fr", "data.example.fr")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert mailoutbox == []


def test_the_link_keeps_the_port_the_portal_is_served_on(alice, mailoutbox):
    request_reset(Client(), "alice@example.fr", "meudon.data.example.fr:8000")
    host, _ = reset_link(mailoutbox[0].body)
    assert host == "meudon.data.example.fr:8000"
