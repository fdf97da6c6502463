"""Which DuckDB errors mean the engine itself failed, rather than one query.

After an internal error (an assertion inside DuckDB or an extension) DuckDB invalidates
the whole database: every later statement on any of its connections raises
`FatalException: ... database has been invalidated because of a previous fatal error`
until the database is opened again. An attached database can also be invalidated alone
(`Database "x" has been invalidated because checkpointing failed`). Such a connection
must be replaced, not reused.
"""

from __future__ import annotations

import re

import duckdb

_INVALIDATED = re.compile(r"has been invalidated", re.IGNORECASE)

# Errors a checked ODSQL query can still meet on some data (a value out of range, a text
# that does not convert): the request's fault, not the engine's.
DATA_ERRORS: tuple[type[duckdb.Error], ...] = (
    duckdb.ConversionException,
    duckdb.OutOfRangeException,
    duckdb.InvalidInputException,
)


def is_engine_failure(error: BaseException) -> bool:
    """True when the connection that raised `error` can no longer be trusted."""
    if isinstance(error, duckdb.FatalException | duckdb.InternalException):
        return True
    return isinstance(error, duckdb.Error) and _INVALIDATED.search(str(error)) is not None


def is_data_error(error: BaseException) -> bool:
    """True for an error of the query on this data (answered 400), never an engine failure."""
    return isinstance(error, DATA_ERRORS) and not is_engine_failure(error)
