"""The Explore API v2.1 under its other names: `/api/v2/` and `/api/explore/v2.0/`.

Opendatasoft answers both with v2.1; scripts and widgets written against them keep
working once the base URL's host changes. A request under an alias is answered by the
v2.1 view of the same path, with the same checks (access, rate limits, errors).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from datapolis.api.explore.errors import error_response
from datapolis.queries.errors import NotFound

EXPLORE = "/api/explore/v2.1/"
ALIASES = ("api/v2/", "api/explore/v2.0/")


def explore_alias(request: HttpRequest, rest: str = "") -> HttpResponse:
    try:
        match = resolve(EXPLORE + rest)
    except Resolver404:
        return error_response(NotFound(f"Unknown path: {request.path}"))
    return match.func(request, *match.args, **match.kwargs)
