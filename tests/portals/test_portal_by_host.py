"""Each request gets the portal serving its host name; a host nobody serves gets a 400.

The tests' configuration serves `data.example.fr` and `testserver` (tests/conftest.py).
"""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from datapolis.portals.middleware import PortalMiddleware
from datapolis.portals.models import Portal
from datapolis.portals.services import PortalError, create_portal, normalise_host


def answer(host: str):
    seen = {}

    def view(request):
        seen["portal"] = request.portal
        return HttpResponse()

    response = PortalMiddleware(view)(RequestFactory().get("/", HTTP_HOST=host))
    return response, seen.get("portal")


def portal_of(host: str) -> Portal:
    response, portal = answer(host)
    assert response.status_code == 200, (host, response.content)
    return portal


def test_the_first_request_creates_the_default_portal_on_the_configured_host_not_on_its_own(db):
    portal = portal_of("localhost:8000")
    assert (portal.host, portal.is_default) == ("data.example.fr", True)
    assert portal_of("testserver") == portal
    assert Portal.objects.count() == 1


def test_a_forged_first_host_creates_nothing(db):
    response, portal = answer("evil.example.org")
    assert response.status_code == 400 and portal is None
    assert "evil.example.org" in response.content.decode()
    assert not Portal.objects.exists()


def test_hosts_choose_their_portal_and_configured_ones_get_the_default(db):
    main = create_portal("metropole.example.fr", "Métropole", is_default=True)
    meudon = create_portal("meudon.data.example.fr", "Meudon")
    assert portal_of("meudon.data.example.fr") == meudon
    assert portal_of("MEUDON.data.example.fr:443") == meudon
    assert portal_of("metropole.example.fr") == main
    assert portal_of("data.example.fr") == main  # named by the configuration
    for loopback in ("localhost", "127.0.0.1:8000", "[::1]:8000"):
        assert portal_of(loopback) == main


@pytest.mark.parametrize(
    "host", ["unknown.example.fr", "data.example.fr.evil.org", "evil.org:80", "xmeudon.data.example.fr"]
)
def test_hosts_no_portal_claims_and_the_configuration_does_not_name_get_a_400(db, host):
    create_portal("meudon.data.example.fr", "Meudon")
    response, portal = answer(host)
    assert response.status_code == 400 and portal is None


def test_a_portal_created_later_is_served_at_once(db):
    assert answer("clamart.example.fr")[0].status_code == 400
    clamart = create_portal("clamart.example.fr", "Clamart")
    assert portal_of("clamart.example.fr") == clamart


def test_configured_names_serve_sub_domains_with_a_leading_dot_and_everything_with_a_star(db, settings):
    settings.DATAPOLIS_ALLOWED_HOSTS = ("data.example.fr", ".ville.fr")
    assert portal_of("www.ville.fr").is_default
    assert portal_of("ville.fr").is_default
    assert answer("ville.fr.evil.org")[0].status_code == 400
    settings.DATAPOLIS_ALLOWED_HOSTS = ("*",)
    assert portal_of("anything.example.org").is_default


def test_one_default_portal_only(db):
    first = create_portal("a.example.fr", "A", is_default=True)
    second = create_portal("b.example.fr", "B", is_default=True)
    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)


@pytest.mark.parametrize("host", ["https://x.example.fr", "x.example.fr/path", "", "bad host", "-x.example.fr"])
def test_bad_host_names_are_refused(db, host):
    with pytest.raises(PortalError):
        create_portal(host, "X")


def test_normalise_host():
    assert normalise_host(" Data.Example.FR.:8080 ") == "data.example.fr"
    assert normalise_host("[::1]:8000") == "[::1]"


def test_the_configuration_refuses_what_is_not_a_host_name():
    from datapolis.conf import ConfigError, parse_hosts

    assert parse_hosts("V", " Data.Example.FR., .ville.fr ,*,[::1]") == ("data.example.fr", ".ville.fr", "*", "[::1]")
    for bad in ("https://data.example.fr", "data.example.fr:8000", "data example.fr", "data.example.fr/x"):
        with pytest.raises(ConfigError, match="V: "):
            parse_hosts("V", bad)
