"""ODSQL, the query language of the Opendatasoft Explore API v2.1: parse, check, print.

No Django imports. The stages, each usable alone:

- `parse_select`, `parse_where`, `parse_group_by`, `parse_order_by` (text -> `ast` clause
  trees with source positions), from the LALR grammar in grammar.lark;
- `check_query(spec, fields)` resolves fields against the schema (visible subset only),
  types every expression, enforces the clause rules and the function whitelist
  (`FUNCTIONS`), and works out output columns, group keys and sort keys;
- `compile_query(spec, fields, relation, dialect)` plans the checked query (`planning`),
  builds it with SQLGlot (`builder`) and prints it for "duckdb" (the engine, `dialect`) or
  "postgres" (`postgres`), cached (`cache`); it returns a `CompiledQuery` (`compiled`):
  `sql`, `params` (a dict: `$p1` in DuckDB, `%(p1)s` with psycopg), `columns`
  (`OutputColumn`: API name, API type, `decode` of engine values into API values),
  `is_aggregation`. Request strings only ever reach SQL as bound parameters.
- `compile_count(...)` gives the SQL of `total_count` (rows, or groups with group_by);
  `facets.compile_facet_counts` the values of several fields with their counts.

`relation` is a `datapolis.schema.Relation` (its SQL, word index, row ids, clustered copy)
or a bare SQL text, a relation with none of these.

`QuerySpec` carries a request: select, where (several, ANDed), group_by, order_by, limit,
offset, refine/exclude pairs (`parse_refine("field:value")`), timezone, lang, and what the
access layer adds: `restrictions` (ODSQL filters checked against the full schema and ANDed
around everything the user wrote) and `visible_fields` (other fields are unknown).

Full-text predicates are printed by a `SearchStrategy` (search.py); the default folds
accents and case and stems French words, and works on any relation.

Every error is an `ODSQLError` (message, clause, position) whose `to_dict()` is the
API's 400 body. See docs/odsql.md for the choices made where the reference is silent.
"""

from datapolis.odsql.compiled import CompiledQuery, OutputColumn
from datapolis.odsql.compiler import compile_count, compile_page_with_total, compile_query
from datapolis.odsql.dialect import RELATION_PLACEHOLDER
from datapolis.odsql.errors import ODSQLError, Position
from datapolis.odsql.functions import FUNCTIONS
from datapolis.odsql.literals import odsql_field, odsql_string, parse_refine
from datapolis.odsql.parser import parse_group_by, parse_order_by, parse_select, parse_where
from datapolis.odsql.query import QuerySpec, check_query
from datapolis.odsql.search import FoldedWordSearch, PostgresWordSearch, SearchStrategy

__all__ = [
    "FUNCTIONS",
    "RELATION_PLACEHOLDER",
    "CompiledQuery",
    "FoldedWordSearch",
    "ODSQLError",
    "OutputColumn",
    "Position",
    "PostgresWordSearch",
    "QuerySpec",
    "SearchStrategy",
    "check_query",
    "compile_count",
    "compile_page_with_total",
    "compile_query",
    "odsql_field",
    "odsql_string",
    "parse_group_by",
    "parse_order_by",
    "parse_refine",
    "parse_select",
    "parse_where",
]
