"""JSON responses, and errors in the shapes the Explore API answers them (§2.6 of the reference)."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpResponse

from datapolis.queries.errors import QueryError

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def json_response(data: Any, *, status: int = 200) -> HttpResponse:
    return HttpResponse(
        orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS), status=status, content_type=JSON_CONTENT_TYPE
    )


def error_response(error: QueryError) -> HttpResponse:
    return json_response(error.body(), status=error.status)
