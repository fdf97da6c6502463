"""A SQL dialect: which printer writes its expressions, and how its SQL text is finished.

`Dialect` is DuckDB, the engine's; `odsql.postgres.PostgresDialect` is the other one.
"""

from __future__ import annotations

from sqlglot import exp

from datapolis.odsql.printer import Printer
from datapolis.schema import Relation

# Queries are built against this table; the relation's own SQL replaces it once printed.
RELATION_PLACEHOLDER = "__odsql_relation__"


class Dialect:
    name = "duckdb"
    printer: type[Printer] = Printer

    def render(self, query: exp.Expression, relation: Relation) -> str:
        """The SQL text of a query reading `relation`."""
        sql = self.escape(query.sql(dialect=self.name))
        placeholder = exp.to_identifier(RELATION_PLACEHOLDER, quoted=True).sql(dialect=self.name)
        return sql.replace(placeholder, relation.sql)

    def escape(self, sql: str) -> str:
        return sql


def placeholder_table() -> exp.Table:
    return exp.Table(this=exp.to_identifier(RELATION_PLACEHOLDER, quoted=True))
