"""Sets `request.portal`: the portal serving the request's host name."""

from __future__ import annotations

from datapolis.portals.services import portal_for_host


class PortalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.portal = portal_for_host(request.get_host())
        return self.get_response(request)
