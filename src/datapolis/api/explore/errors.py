"""Errors in the shapes the Explore API answers them (§2.6 of the reference)."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpResponse

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


class ApiError(Exception):
    status = 400
    error_code = "InvalidRESTParameterError"

    def __init__(self, message: str, *, error_code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if error_code:
            self.error_code = error_code
        if status:
            self.status = status

    def body(self) -> dict[str, Any]:
        return {"message": self.message, "error_code": self.error_code}


class NotFound(ApiError):
    status = 404
    error_code = "NotFound"


def invalid_parameter(name: str, value: Any, expected: str) -> ApiError:
    return ApiError(f"Invalid value for {name} API parameter: {value} was found but {expected} is expected.")


def json_response(data: Any, *, status: int = 200) -> HttpResponse:
    return HttpResponse(
        orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS), status=status, content_type=JSON_CONTENT_TYPE
    )


def error_response(error: ApiError) -> HttpResponse:
    return json_response(error.body(), status=error.status)
