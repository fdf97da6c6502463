"""Sets `request.portal`: the portal serving the request's host name (400 for a host none serves)."""

from __future__ import annotations

from django.http import HttpResponseBadRequest

from datapolis.portals.services import UnknownHost, portal_for_host


class PortalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.portal = portal_for_host(request.get_host())
        except UnknownHost as error:
            return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
        return self.get_response(request)
