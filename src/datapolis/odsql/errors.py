"""The one error every ODSQL stage raises, worded like the Explore API's own messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Position:
    """Where something is in a clause's text: 0-based offset, 1-based line and column."""

    offset: int
    line: int
    column: int

    @classmethod
    def at(cls, text: str, offset: int) -> Position:
        offset = max(0, min(offset, len(text)))
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return cls(offset, line, column)

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}"


class ODSQLError(ValueError):
    """A query that cannot be parsed, checked or compiled.

    `message` says what is wrong (and what was expected), `clause` names the clause
    (`select`, `where`, `group_by`, `order_by`, `refine`, `exclude`, ...), `position`
    points into that clause's text when known. `str(error)` is the API message, in the
    reference's style: "ODSQL query is malformed: ... Clause(s) containing the error(s): where."
    """

    error_code = "ODSQLError"

    def __init__(self, message: str, clause: str, position: Position | None = None) -> None:
        self.message = message
        self.clause = clause
        self.position = position
        super().__init__(self.api_message)

    @property
    def api_message(self) -> str:
        where = f" (at {self.position})" if self.position else ""
        return f"ODSQL query is malformed: {self.message}{where} Clause(s) containing the error(s): {self.clause}."

    def to_dict(self) -> dict[str, Any]:
        """The body of the HTTP 400 answer."""
        return {"message": self.api_message, "error_code": self.error_code}

    def in_clause(self, clause: str) -> ODSQLError:
        """The same error attributed to another clause (e.g. a where text used as a restriction)."""
        return ODSQLError(self.message, clause, self.position)
