"""Single sign-on against a real OpenID Connect provider (panva's oidc-provider, run by Node).

The test drives the whole authorization-code flow (with PKCE) over HTTP, as a browser
would: Datapolis sends it to the provider, it signs in and consents there, comes back
with a code, and Datapolis exchanges it, checks the ID token against the provider's keys
and creates the account with its groups from the groups claim.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from django.contrib.auth.models import Group, User

from datapolis.access.models import OidcIdentity, SsoGroup
from datapolis.audit.models import AuditEvent

REPO = Path(__file__).resolve().parents[2]
PROVIDER_SCRIPT = Path(__file__).with_name("oidc_provider.mjs")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def provider(live_server, settings, tmp_path):
    """The provider on a free port, with Datapolis configured to use it."""
    node = shutil.which("node")
    assert node, "Node.js is required (see README: install)"
    port = free_port()
    log = tmp_path / "oidc-provider.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [node, str(PROVIDER_SCRIPT), str(port), f"{live_server.url}/oidc/callback/"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        first_line = process.stdout.readline()  # "ready", or "" if Node stopped
        assert first_line.strip() == "ready", log.read_text()
        issuer = f"http://127.0.0.1:{port}"
        settings.DATAPOLIS_OIDC_ISSUER = issuer
        settings.OIDC_RP_CLIENT_ID = "datapolis"
        settings.OIDC_RP_CLIENT_SECRET = "test-secret"
        settings.OIDC_RP_SCOPES = "openid email profile groups"
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


def submit_form(browser: requests.Session, page: requests.Response, fields: dict[str, str]) -> requests.Response:
    """Post the page's first form with its hidden inputs and `fields`, following redirects."""
    form = re.search(r"<form[^>]*action=\"([^\"]+)\"[^>]*>(.*?)</form>", page.text, re.S)
    assert form, page.text
    data = {
        unescape(name): unescape(value)
        for name, value in re.findall(
            r"<input[^>]*type=\"hidden\"[^>]*name=\"([^\"]+)\"[^>]*value=\"([^\"]*)\"", form[2]
        )
    }
    data.update(fields)
    return browser.post(urljoin(page.url, unescape(form[1])), data=data, timeout=30)


def sign_in_with_sso(live_server, login: str) -> requests.Session:
    browser = requests.Session()
    login_page = browser.get(f"{live_server.url}/oidc/authenticate/", timeout=30)
    assert login_page.url.startswith("http://127.0.0.1:") and "/interaction/" in login_page.url
    consent_page = submit_form(browser, login_page, {"login": login, "password": "anything"})
    back_home = submit_form(browser, consent_page, {})
    assert back_home.url.startswith(live_server.url), back_home.url
    return browser


def test_sso_creates_the_account_with_its_groups_from_the_claim(provider, live_server):
    browser = sign_in_with_sso(live_server, "agent")
    user = User.objects.get(oidc_identities__subject="agent", oidc_identities__issuer=provider)
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "agent",
        "agent@meudon.fr",
        "Agnès",
        "Martin",
    )
    assert sorted(user.groups.values_list("name", flat=True)) == ["agents-meudon", "urbanisme"]
    assert SsoGroup.objects.count() == 2
    assert not user.has_usable_password()
    me = browser.get(f"{live_server.url}/api/admin/apikeys", timeout=30)
    assert me.status_code == 200  # the browser is signed in to Datapolis
    assert AuditEvent.objects.filter(action="sign_in", actor=user).exists()


def test_sso_keeps_local_groups_and_follows_the_claim_for_its_own(provider, live_server):
    sign_in_with_sso(live_server, "agent")
    user = User.objects.get(username="agent")
    local = Group.objects.create(name="elus")
    user.groups.add(local)
    Group.objects.get(name="urbanisme").user_set.remove(user)
    stale = Group.objects.create(name="ancien-service")
    SsoGroup.objects.create(group=stale)
    user.groups.add(stale)
    sign_in_with_sso(live_server, "agent")
    assert sorted(user.groups.values_list("name", flat=True)) == ["agents-meudon", "elus", "urbanisme"]
    assert User.objects.filter(username__startswith="agent").count() == 1


def test_accounts_are_matched_by_subject_never_by_email(provider, live_server):
    victim = User.objects.create_user("agent", email="agent@meudon.fr", password="local password 123")
    sign_in_with_sso(live_server, "agent")
    identity = OidcIdentity.objects.get(subject="agent")
    assert identity.user != victim
    assert identity.user.username.startswith("agent-")


def test_a_disabled_account_cannot_sign_in_by_sso(provider, live_server):
    sign_in_with_sso(live_server, "agent")
    User.objects.filter(username="agent").update(is_active=False)
    browser = sign_in_with_sso(live_server, "agent")
    assert browser.get(f"{live_server.url}/api/admin/apikeys", timeout=30).status_code == 401


def test_without_provider_settings_the_sso_link_is_hidden_and_password_sign_in_works(db, client):
    User.objects.create_user("alice", password="local password 123")
    page = client.get("/accounts/login/")
    assert b"/oidc/authenticate/" not in page.content
    response = client.post("/accounts/login/", {"username": "alice", "password": "local password 123"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]
