"""The one error every reader raises for bad input."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class IngestError(Exception):
    """Bad input, located as precisely as the format allows.

    `code` is a stable machine-readable identifier (e.g. "ragged_row", "bad_encoding",
    "empty_file", "not_a_csv", "truncated"); `message` is a sentence for a person.
    `line` is 1-based and counts physical lines of the file (header included) for text
    formats, rows for spreadsheets; `column` is 1-based; `field` names the column when known.
    """

    path: str
    message: str
    code: str = "invalid_input"
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = [self.path]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}" + (f" ({self.field})" if self.field else ""))
        elif self.field:
            where.append(f"field {self.field}")
        return f"{', '.join(where)}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "code": self.code,
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "field": self.field,
        }
