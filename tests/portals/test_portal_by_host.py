"""Each request gets the portal serving its host name; unknown hosts get the default portal."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from datapolis.portals.middleware import PortalMiddleware
from datapolis.portals.models import Portal
from datapolis.portals.services import PortalError, create_portal, normalise_host


def portal_of(host: str) -> Portal:
    seen = {}

    def view(request):
        seen["portal"] = request.portal
        return HttpResponse()

    PortalMiddleware(view)(RequestFactory().get("/", HTTP_HOST=host))
    return seen["portal"]


def test_first_request_creates_the_default_portal_on_its_host(db):
    portal = portal_of("data.example.fr:8000")
    assert (portal.host, portal.is_default) == ("data.example.fr", True)
    assert portal_of("anything.example.org") == portal
    assert Portal.objects.count() == 1


def test_hosts_choose_their_portal_and_unknown_ones_fall_back_to_the_default(db):
    main = create_portal("data.example.fr", "Métropole", is_default=True)
    meudon = create_portal("meudon.data.example.fr", "Meudon")
    assert portal_of("meudon.data.example.fr") == meudon
    assert portal_of("MEUDON.data.example.fr:443") == meudon
    assert portal_of("data.example.fr") == main
    assert portal_of("unknown.example.fr") == main


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
