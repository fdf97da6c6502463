"""Recognises API keys on every request (a bad key gets 401 before any view runs) and counts page calls."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _

from datapolis.access.keys import key_from_request
from datapolis.access.policy import ANONYMOUS, InvalidApiKey, principal_from_request
from datapolis.access.ratelimit import check_rate_limit
from datapolis.net import client_ip

# Paths whose every request queries data: counted like Explore API calls (which count in their views).
RATE_LIMITED_PREFIXES = ("/catalog/", "/dataset/", "/embed/", "/api/tiles/")


def unauthorized(message: str) -> JsonResponse:
    response = JsonResponse({"message": message, "error_code": "InvalidAPIKey"}, status=401)
    response["WWW-Authenticate"] = 'Apikey realm="datapolis"'
    return response


class PrincipalMiddleware:
    """Checks a sent API key at once; session principals are loaded when first asked for.

    Place after AuthenticationMiddleware. Views call `principal_from_request(request)`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if key_from_request(request) is not None:
            try:
                principal_from_request(request)
            except InvalidApiKey:
                # Guessing keys costs the address its anonymous budget, like any call.
                refused = check_rate_limit(ANONYMOUS, client_ip(request))
                return refused or unauthorized(_("The API key is unknown, revoked or expired."))
        if request.path == "/" or request.path.startswith(RATE_LIMITED_PREFIXES):
            refused = check_rate_limit(principal_from_request(request), client_ip(request))
            if refused is not None:
                return refused
        return self.get_response(request)
