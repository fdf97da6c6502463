"""Errors of a query, with the status and code the Explore API answers them with (§2.6)."""

from __future__ import annotations

from typing import Any


class QueryError(Exception):
    """A request the query services refuse: a bad parameter, an unknown field..."""

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


class NotFound(QueryError):
    status = 404
    error_code = "NotFound"


def invalid_parameter(name: str, value: Any, expected: str) -> QueryError:
    return QueryError(f"Invalid value for {name} API parameter: {value} was found but {expected} is expected.")
