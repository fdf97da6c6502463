"""Recognises API keys on every request; a bad key gets 401 before any view runs."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _

from datapolis.access.keys import key_from_request
from datapolis.access.policy import InvalidApiKey, principal_from_request


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
                return unauthorized(_("The API key is unknown, revoked or expired."))
        return self.get_response(request)
