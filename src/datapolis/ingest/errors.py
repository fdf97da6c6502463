"""The one error every reader raises for bad input."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def gettext_noop(message: str) -> str:
    """Mark a message for translation without importing Django (`makemessages` finds it).

    The Django layer shows `gettext(error.template) % error.params` in the user's language.
    """
    return message


@dataclass
class IngestError(Exception):
    """Bad input, located as precisely as the format allows.

    `template` is an English sentence marked with gettext_noop, with %(name)s
    placeholders filled from `params`; `code` is a stable identifier (e.g. "ragged_row",
    "bad_encoding", "empty_file", "not_a_csv", "truncated"). `line` is 1-based and
    counts physical lines of the file (header included) for text formats, rows for
    spreadsheets; `column` is 1-based; `field` names the column when known.
    """

    path: str
    template: str
    params: dict[str, Any] = field(default_factory=dict)
    code: str = "invalid_input"
    line: int | None = None
    column: int | None = None
    field: str | None = None

    @property
    def message(self) -> str:
        return self.template % self.params if self.params else self.template

    def location(self) -> str:
        where = [self.path]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}" + (f" ({self.field})" if self.field else ""))
        elif self.field:
            where.append(f"field {self.field}")
        return ", ".join(where)

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "code": self.code,
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "field": self.field,
        }
