"""/oidc/authenticate/ without single sign-on, or with a provider out of reach (issue 10, item 7).

It used to answer 500 (the provider's endpoints were looked up from an empty issuer); it
now answers a page saying why, in the visitor's language, with a link to the sign-in page.
"""

from __future__ import annotations

import socket

import pytest
from django.test import Client

from tests.access.fixtures import MAIN_HOST


@pytest.fixture
def visitor(db) -> Client:
    from datapolis.portals.services import create_portal

    create_portal(MAIN_HOST, "Métropole", is_default=True)
    return Client(raise_request_exception=False, HTTP_HOST=MAIN_HOST)


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_without_single_sign_on_the_page_says_so_and_links_to_sign_in(visitor, settings):
    settings.DATAPOLIS_OIDC_ISSUER = ""
    response = visitor.get("/oidc/authenticate/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 404
    page = response.content.decode()
    assert "L’authentification unique n’est pas configurée sur ce portail" in page
    assert 'href="/accounts/login/"' in page
    english = visitor.get("/oidc/authenticate/", HTTP_ACCEPT_LANGUAGE="en", HTTP_COOKIE="django_language=en")
    assert "Single sign-on is not set up on this portal" in english.content.decode()
    assert visitor.head("/oidc/authenticate/").status_code == 404


def test_with_a_provider_out_of_reach_the_page_says_to_try_later(visitor, settings):
    settings.DATAPOLIS_OIDC_ISSUER = f"http://127.0.0.1:{closed_port()}"
    settings.OIDC_RP_CLIENT_ID = "datapolis"
    response = visitor.get("/oidc/authenticate/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 503
    assert "ne répond pas" in response.content.decode()
    assert 'href="/accounts/login/"' in response.content.decode()


def test_the_callback_without_single_sign_on_does_not_fail(visitor, settings):
    settings.DATAPOLIS_OIDC_ISSUER = ""
    response = visitor.get("/oidc/callback/", {"code": "x", "state": "y"})
    assert response.status_code == 302
