"""Planning: where and how a checked query reads its rows.

The passes run in the order `PASSES` lists them (as SQLGlot's optimizer lists its rules),
each taking a `Plan` and returning it, changed or not. The order matters: the search
strategy follows the relation the caller gave, before a pass swaps in its clustered copy
(whose rows the word index does not number). After printing, `count_from_index` rewrites
a count that only word-index lookups filter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlglot import exp

from datapolis.odsql import ast
from datapolis.odsql.checker import CheckedQuery
from datapolis.odsql.query import QuerySpec
from datapolis.odsql.search import ROW_IDS, SearchStrategy, search_strategy
from datapolis.schema import Relation

_WORD_SEARCHES = frozenset({"search", "suggest", "startswith"})


@dataclass(frozen=True)
class Plan:
    checked: CheckedQuery
    relation: Relation  # where the rows are read
    search: SearchStrategy | None = None  # how text predicates are printed (None: the dialect's default)
    picked: ast.Expr | None = None  # the filter picking the one value of `relation` (a clustered copy) it reads


def search_the_index(plan: Plan) -> Plan:
    """Without a strategy given, read the relation's word index when it has one."""
    if plan.search is not None:
        return plan
    return replace(plan, search=search_strategy(plan.relation))


def read_clustered_copy(plan: Plan) -> Plan:
    """The relation's clustered copy when the filters pick one value of its clustering field.

    The engine's serving copies of large datasets carry a copy of their rows sorted by a
    category field (`clustered` and `clustered_by`, see `engine.clustering`), whose zone
    maps let an equality on that field skip all but a few row groups. It holds the same
    rows and, within one value of the field, in the same order, so the result is the same,
    order included. Queries searching words stay on the relation: the word index's row ids
    are its own.
    """
    relation, filters = plan.relation, plan.checked.filters
    if relation.clustered is None or relation.clustered_by is None:
        return plan
    if any(_searches_words(node) for condition in filters for node in ast.walk(condition)):
        return plan
    conjuncts = [c for condition in filters for c in _conjuncts(condition)]
    picked = next((c for c in conjuncts if _picks_one_value(c, relation.clustered_by)), None)
    return plan if picked is None else replace(plan, relation=relation.clustered, picked=picked)


PASSES: tuple[Callable[[Plan], Plan], ...] = (search_the_index, read_clustered_copy)


def plan_query(
    checked: CheckedQuery,
    relation: Relation,
    search: SearchStrategy | None,
    passes: tuple[Callable[[Plan], Plan], ...] = PASSES,
) -> Plan:
    planned = Plan(checked, relation, search)
    for planning_pass in passes:
        planned = planning_pass(planned)
    return planned


def count_from_index(query: exp.Select) -> exp.Select:
    """`SELECT count(*) ...` of the rows the word index finds, when only its lookups filter.

    Counting those reads only the index's postings, not the relation (a word's count on 1M
    rows: 2 ms instead of 13 ms of CPU).
    """
    rows = indexed_rows(query.args.get("where"))
    if rows is None:
        return query
    return exp.select(*query.expressions).from_(rows.subquery("__odsql_rows"), copy=False)


def indexed_rows(where: exp.Where | None) -> exp.Query | None:
    """When every condition is a word-index lookup: the distinct row ids meeting them all."""
    if where is None:
        return None
    condition = where.this
    conditions = list(condition.flatten()) if isinstance(condition, exp.And) else [condition]
    selects = [part.meta.get(ROW_IDS) for part in conditions]
    if not selects or any(select is None for select in selects):
        return None
    if len(selects) == 1:
        return selects[0].copy().distinct(copy=False)
    return exp.intersect(*(select.copy() for select in selects), distinct=True)


def pays_to_page_with_total(spec: QuerySpec, relation: Relation) -> bool:
    """Whether a page and its total in one query may beat a page query and a count query:
    sorted, filtered, limited, on a relation addressing its rows by position."""
    filtered = spec.where_clauses or spec.refine or spec.exclude or spec.restrictions
    limited = spec.limit is not None and spec.limit >= 0
    return relation.row_id is not None and bool(spec.order_by) and bool(filtered) and limited


def _searches_words(node: ast.Node) -> bool:
    return isinstance(node, ast.FullText | ast.Like) or (isinstance(node, ast.Call) and node.name in _WORD_SEARCHES)


def _conjuncts(condition: ast.Expr) -> list[ast.Expr]:
    if isinstance(condition, ast.And):
        return [c for operand in condition.operands for c in _conjuncts(operand)]
    return [condition]


def _picks_one_value(condition: ast.Expr, field_name: str) -> bool:
    """`field = "literal"` (either way round), on the field itself rather than an alias."""
    if not isinstance(condition, ast.Comparison) or condition.operator != "=":
        return False
    sides = (condition.left, condition.right)
    fields = [s for s in sides if isinstance(s, ast.Field) and s.spec is not None and s.alias_of is None]
    literals = [s for s in sides if isinstance(s, ast.String)]
    return len(fields) == 1 and len(literals) == 1 and fields[0].spec.name == field_name
