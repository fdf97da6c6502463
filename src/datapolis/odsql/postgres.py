"""PostgreSQL: what its SQL says differently from DuckDB's, over the same checked query.

Used where ODSQL runs on PostgreSQL rather than on the engine; the parity test
(tests/odsql/test_postgres_parity.py) runs generated queries on both and compares.
"""

from __future__ import annotations

import re

from sqlglot import exp

from datapolis.odsql import ast
from datapolis.odsql.dialect import Dialect
from datapolis.odsql.printer import Printer, _cast, _fn, _number, some_or_null
from datapolis.odsql.search import PostgresWordSearch, SearchStrategy
from datapolis.schema import FieldSpec

_PSYCOPG_PLACEHOLDER = re.compile(r"%\(p\d+\)s")
# date_bin() needs an origin; time_bucket()'s default origin is Monday 2000-01-03.
_BUCKET_ORIGIN = "2000-01-03 00:00:00"


class PostgresPrinter(Printer):
    dialect = "postgres"
    default_search: type[SearchStrategy] = PostgresWordSearch

    def overflow_safe(self, arithmetic: exp.Expression) -> exp.Expression:
        return arithmetic  # printed as written: PostgreSQL has no TRY()

    def list_contains(self, values: exp.Expression, value: exp.Expression) -> exp.Expression:
        return exp.EQ(this=value, expression=exp.Any(this=values))

    def list_length(self, values: exp.Expression) -> exp.Expression:
        return _fn("cardinality", values)

    def json_valid(self, text: exp.Expression) -> exp.Expression:
        return _fn("pg_input_is_valid", text, exp.Literal.string("json"))

    def percentile(self, value: exp.Expression, fraction: float) -> exp.Expression:
        ordered = exp.Order(expressions=[exp.Ordered(this=value)])
        return exp.WithinGroup(this=exp.PercentileCont(this=_number(fraction)), expression=ordered)

    def unnest_values(self, spec: FieldSpec) -> exp.Expression:
        element = exp.column("v")
        distinct = (
            exp.select(exp.Distinct(expressions=[element]))
            .from_(exp.Unnest(expressions=[self.column(spec)], alias=exp.TableAlias(columns=[exp.to_identifier("v")])))
            .where(exp.Not(this=exp.Is(this=element.copy(), expression=exp.Null())))
        )
        some = exp.Array(expressions=[distinct])
        none = _cast(exp.Array(expressions=[exp.Null()]), "text[]")
        return exp.Unnest(expressions=[some_or_null(some, _fn("cardinality", some.copy()), none)])

    def int_bucket(self, subject: ast.Expr, width: int) -> exp.Expression | None:
        return None

    def time_bucket(self, interval: exp.Expression, local: exp.Expression) -> exp.Expression:
        return _fn("date_bin", interval, local, _cast(exp.Literal.string(_BUCKET_ORIGIN), "timestamp"))

    def cluster_center(self, node: ast.Call) -> exp.Expression:
        lon, lat = self.point_parts(node.resolved["field"])
        return _fn(
            "json_build_object",
            exp.Literal.string("lon"),
            exp.Avg(this=lon),
            exp.Literal.string("lat"),
            exp.Avg(this=lat),
        )

    def random_order(self, seed: int, keys: list[exp.Expression]) -> exp.Expression:
        text = _fn("concat_ws", exp.Literal.string("|"), *keys, _cast(_number(seed), "varchar"))
        return _fn("md5", text)


class PostgresDialect(Dialect):
    name = "postgres"
    printer = PostgresPrinter

    def escape(self, sql: str) -> str:
        """psycopg reads every % as a placeholder: double the ones that are not ours."""
        parts = _PSYCOPG_PLACEHOLDER.split(sql)
        holders = _PSYCOPG_PLACEHOLDER.findall(sql)
        return "".join(
            part.replace("%", "%%") + (holders[i] if i < len(holders) else "") for i, part in enumerate(parts)
        )
