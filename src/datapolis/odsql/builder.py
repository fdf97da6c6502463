"""Builds the SQLGlot tree of a checked query: SELECT, FROM, WHERE, GROUP BY, ORDER BY.

Queries read a placeholder table (`dialect.RELATION_PLACEHOLDER`); the engine's relation
text replaces it once printed, so the FROM stays a plain table scan into which the engine
pushes filters, projections and top-N.
"""

from __future__ import annotations

from sqlglot import exp

from datapolis.odsql import ast
from datapolis.odsql.checker import CheckedQuery, Context, OrderKey, Output
from datapolis.odsql.compiled import OutputColumn
from datapolis.odsql.decoding import decoder as decode_with
from datapolis.odsql.dialect import placeholder_table
from datapolis.odsql.printer import Printer


class QueryBuilder:
    """The clauses of one checked query as SQLGlot expressions, FROM the placeholder table."""

    def __init__(
        self, checked: CheckedQuery, printer: Printer, record_id_column: str | None, *, storage_values: bool = False
    ) -> None:
        self.checked = checked
        self.printer = printer
        self.record_id_column = record_id_column
        self.storage_values = storage_values
        self.group_outputs = {key.output: key for key in checked.group_keys}
        self.api_names = unique([output.name for output in checked.outputs])
        self.printer.unnested = {spec.name: f"__odsql_value{i}" for i, spec in enumerate(checked.unnested)}
        self._printed_keys: dict[int, exp.Expression] = {}

    def sql_name(self, index: int, output: Output) -> str:
        if self.storage_values:
            return self.api_names[index]
        expr = output.expr
        if isinstance(expr, ast.Field) and expr.spec is not None and output.name == expr.spec.name:
            return expr.spec.name
        return f"_c{index}"

    def output_value(self, index: int, output: Output) -> exp.Expression:
        value = self.group_key_value(index) if index in self.group_outputs else self.printer.expr(output.expr)
        if output.value_type.kind == "geo_shape" and not self.storage_values:
            value = exp.Anonymous(this="ST_AsGeoJSON", expressions=[value])
        return value

    def select(self) -> exp.Select:
        outputs = [
            exp.alias_(self.output_value(i, o), self.sql_name(i, o), quoted=True)
            for i, o in enumerate(self.checked.outputs)
        ]
        query = exp.select(*outputs) if outputs else exp.select(exp.Null())
        query = self.grouped(query) if self.checked.group_keys else self.filtered(query)
        order = [self.order_term(key) for key in self.checked.order]
        if order:
            query = query.order_by(*order, copy=False)
        return query

    def filtered(self, query: exp.Select) -> exp.Select:
        query = query.from_(placeholder_table(), copy=False)
        conditions = [self.printer.condition(f) for f in self.checked.filters]
        if conditions:
            query = query.where(exp.and_(*conditions, copy=False), copy=False)
        return query

    def unnested(self) -> exp.Expression:
        """The filtered rows, repeated once per value of each multivalued field grouped by."""
        rows = self.filtered(exp.select(exp.Star()))
        for position, spec in enumerate(self.checked.unnested):
            if position:
                rows = exp.select(exp.Star()).from_(rows.subquery(f"__odsql_unnested{position}"), copy=False)
            value = exp.alias_(self.printer.unnest_values(spec), self.printer.unnested[spec.name], quoted=True)
            rows = rows.select(value, copy=False)
        return rows.subquery("__odsql_unnested")

    def group_key_value(self, index: int) -> exp.Expression:
        """The value of the group key selected as output `index`, printed once per query.

        Printing binds a key's strings again under new parameter names (`date_format()`'s
        separators...): an ORDER BY written with those would no longer be the GROUP BY's
        expression for DuckDB (a Binder Error), so later uses are copies of the first print.
        """
        printed = self._printed_keys.get(index)
        if printed is None:
            printed = self._printed_keys[index] = self.printer.group_value(self.checked.outputs[index].expr)
            return printed
        return printed.copy()

    def group_values(self) -> list[exp.Expression]:
        return [self.printer.group_value(key.expr) for key in self.checked.group_keys]

    def grouped(self, query: exp.Select) -> exp.Select:
        """FROM, WHERE, GROUP BY and HAVING; group keys by ordinal when they are outputs."""
        query = query.from_(self.unnested(), copy=False) if self.checked.unnested else self.filtered(query)
        terms: list[exp.Expression] = []
        selected = len(query.expressions)
        for position, key in enumerate(self.checked.group_keys):
            special = self.printer.group_terms(key.expr)
            if special is not None:
                terms.extend(special)
            else:
                ordinal = key.output + 1 if selected == len(self.checked.outputs) else position + 1
                terms.append(exp.Literal.number(ordinal))
        query = query.group_by(*terms, copy=False)
        for key in self.checked.group_keys:
            if isinstance(key.expr, ast.Call) and key.expr.name == "range" and key.expr.resolved["mode"] == "static":
                value = self.printer.group_value(key.expr)
                query = query.having(exp.Not(this=exp.Is(this=value, expression=exp.Null())), copy=False)
        return query

    def order_value(self, key: OrderKey) -> exp.Expression:
        """What an order key sorts by, as an expression (not an output alias)."""
        if key.random_seed is not None:
            return self.printer.random_order(key.random_seed, self.random_keys())
        if key.output is not None:
            return self.output_value(key.output, self.checked.outputs[key.output])
        return self.printer.expr(key.expr)

    def order_term(self, key: OrderKey) -> exp.Expression:
        if key.random_seed is not None:
            value = self.printer.random_order(key.random_seed, self.random_keys())
        elif key.output is not None:
            output = self.checked.outputs[key.output]
            value = exp.column(exp.to_identifier(self.sql_name(key.output, output), quoted=True))
        else:
            value = self.printer.expr(key.expr)
        return exp.Ordered(this=value, desc=key.descending, nulls_first=False)

    def random_keys(self) -> list[exp.Expression]:
        if self.checked.group_keys:
            return [self.group_key_value(key.output) for key in self.checked.group_keys]
        if self.checked.is_aggregation:
            return []  # one row: no record column may be read outside an aggregate
        if self.record_id_column:
            return [exp.column(exp.to_identifier(self.record_id_column, quoted=True))]
        return [self.printer.expr(o.expr) for o in self.checked.outputs if not o.value_type.is_geo]

    def columns(self, context: Context) -> list[OutputColumn]:
        columns = []
        for index, output in enumerate(self.checked.outputs):
            kind = output.value_type
            decoder, fmt = decode_with(output, context, index in self.group_outputs)
            columns.append(
                OutputColumn(
                    name=output.name,
                    type=kind.kind if not kind.is_null else "text",
                    sql_name=self.sql_name(index, output),
                    multivalued=kind.multivalued,
                    format=fmt,
                    decoder=decoder,
                )
            )
        return columns


def unique(names: list[str]) -> list[str]:
    """Names made unique by a suffix: `a`, `a_2`, `a_3`..."""
    taken: set[str] = set()
    result = []
    for name in names:
        candidate, n = name, 2
        while candidate in taken:
            candidate, n = f"{name}_{n}", n + 1
        taken.add(candidate)
        result.append(candidate)
    return result
