"""What compiling gives: the SQL, its parameters, and how to read each result column."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp


@dataclass(frozen=True)
class OutputColumn:
    """One key of the API result: its name (§2.4), API type, and how to read its SQL value.

    `sql_name` is the column's name in the printed SQL. `decode` turns the value the engine
    returns into the API value: ISO strings for dates (datetimes in the query timezone),
    {"lon", "lat"} for points, a GeoJSON Feature for shapes, `[a, b[` labels for ranges.
    """

    name: str
    type: str
    sql_name: str
    multivalued: bool = False
    format: str | None = None  # "range" for range() labels, "json" for json_format()
    decoder: Callable[[Any], Any] = field(default=lambda value: value, repr=False, compare=False)

    def decode(self, value: Any) -> Any:
        return None if value is None else self.decoder(value)


@dataclass
class CompiledQuery:
    sql: str
    params: dict[str, Any]
    columns: list[OutputColumn]
    is_aggregation: bool
    dialect: str
    expression: exp.Expression = field(repr=False)  # the SQLGlot tree, FROM the placeholder table
    total_column: str | None = None  # a last column, not decoded, holding the total (compile_page_with_total)
    cacheable: bool = field(default=True, repr=False)  # False when the SQL depends on the clock

    def decode_row(self, row: Sequence[Any]) -> dict[str, Any]:
        if self.total_column is not None:
            row = row[:-1]
        return {column.name: column.decode(value) for column, value in zip(self.columns, row, strict=True)}

    def decode_rows(self, rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
        return [self.decode_row(row) for row in rows]
