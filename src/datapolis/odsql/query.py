"""A whole request: its clauses, refines and access restrictions, checked together.

`check_query` applies the rules that span clauses: aggregation versus group_by, the
output columns and their names (§2.4), aliases, order_by rules (§3.2), refine/exclude
(§3.8), and the restrictions of the access layer, which are checked against the full
schema and ANDed with everything the user wrote.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from datapolis.odsql import ast
from datapolis.odsql import types as t
from datapolis.odsql.checker import (
    CheckedQuery,
    Checker,
    Context,
    GroupKey,
    OrderKey,
    Output,
    Schema,
    contains_aggregate,
    field_type,
    is_multivalued_field,
    matches_pattern,
)
from datapolis.odsql.dateformat import DEFAULT_LANGUAGE, LANGUAGES
from datapolis.odsql.errors import ODSQLError, Position
from datapolis.odsql.literals import ParsedDate, parse_date, resolve_timezone
from datapolis.odsql.parser import parse_group_by, parse_order_by, parse_select, parse_where
from datapolis.schema import FieldSpec


@dataclass
class QuerySpec:
    """Everything a records (or catalog) request says about the rows it wants.

    `where` clauses are ANDed. `refine`/`exclude` are `(field, value)` pairs (see
    literals.parse_refine for the `field:value` text form). `restrictions` are ODSQL where
    texts from the access layer, not the user: they are checked against the full schema and
    ANDed around the user's filters, so nothing the user writes can widen them.
    `visible_fields`, when given, is the only part of the schema the user's clauses can see.
    `now` fixes the current time (tests, reproducible exports); it defaults to the clock.
    """

    select: str | None = None
    where: Sequence[str] | str | None = None
    group_by: str | None = None
    order_by: str | None = None
    limit: int | None = None
    offset: int = 0
    refine: Sequence[tuple[str, str]] = ()
    exclude: Sequence[tuple[str, str]] = ()
    timezone: str | None = "UTC"
    lang: str | None = DEFAULT_LANGUAGE
    restrictions: Sequence[str | ast.WhereClause] = ()
    visible_fields: Collection[str] | None = None
    now: datetime | None = None

    @property
    def where_clauses(self) -> list[str]:
        if self.where is None:
            return []
        clauses = [self.where] if isinstance(self.where, str) else list(self.where)
        return [c for c in clauses if c and c.strip()]


def make_context(spec: QuerySpec) -> Context:
    try:
        name, zone = resolve_timezone(spec.timezone)
    except ValueError as error:
        raise ODSQLError(str(error), "timezone") from None
    lang = (spec.lang or DEFAULT_LANGUAGE).lower()
    if lang not in LANGUAGES:
        raise ODSQLError(f"unsupported language {spec.lang!r}, expected one of {' '.join(LANGUAGES)}", "lang")
    now = (spec.now or datetime.now(UTC)).astimezone(zone)
    return Context(timezone=name, zone=zone, now=now, lang=lang)


def check_query(spec: QuerySpec, fields: Sequence[FieldSpec]) -> CheckedQuery:
    context = make_context(spec)
    full = Schema(fields)
    visible = full if spec.visible_fields is None else Schema([f for f in fields if f.name in spec.visible_fields])
    return _QueryChecker(spec, visible, full, context).run()


class _QueryChecker:
    def __init__(self, spec: QuerySpec, visible: Schema, full: Schema, context: Context) -> None:
        self.spec = spec
        self.visible = visible
        self.full = full
        self.context = context
        self.checker = Checker(visible, context)
        self.query = CheckedQuery()
        self.group_items: list[tuple[ast.Expr, str]] = []  # (checked expression, output name)
        self.select_aliases: dict[str, ast.Expr] = {}
        self.group_aliases: dict[str, ast.Expr] = {}

    def run(self) -> CheckedQuery:
        self._group_by()
        select_items = self._select_items()
        self.query.is_aggregation = bool(self.group_items) or any(
            isinstance(item, ast.SelectExpr) and contains_aggregate(item.expr) for item in select_items
        )
        if self.query.is_aggregation:
            self._aggregated_outputs(select_items)
        else:
            self._record_outputs(select_items)
        self._filters()
        self._order_by()
        return self.query

    # group_by
    def _group_by(self) -> None:
        if not (self.spec.group_by and self.spec.group_by.strip()):
            return
        clause = parse_group_by(self.spec.group_by)
        self.checker.enter("group_by", clause.text)
        for item in clause.items:
            checked = self.checker.group_expression(item.expr)
            name = item.alias or _default_name(checked, clause.text)
            if item.alias:
                self.group_aliases[item.alias] = checked
            self.group_items.append((checked, name))

    # select
    def _select_items(self) -> list[ast.SelectItem]:
        if not (self.spec.select and self.spec.select.strip()):
            self.select_text = ""
            return [ast.SelectAll()]
        clause = parse_select(self.spec.select)
        self.checker.enter("select", clause.text)
        self.checker.aliases = dict(self.group_aliases)
        self.select_text = clause.text
        for item in clause.items:
            if isinstance(item, ast.SelectExpr):
                item.expr = self.checker.value(item.expr)
                if item.alias:
                    self.select_aliases[item.alias] = item.expr
        self.checker.aliases = {}
        return clause.items

    def _record_outputs(self, items: list[ast.SelectItem]) -> None:
        """`*` and include() add visible fields, exclude() removes fields, expressions add columns."""
        excluded = [p for i in items if isinstance(i, ast.SelectPattern) and not i.include for p in i.patterns]
        only_excludes = all(isinstance(i, ast.SelectPattern) and not i.include for i in items)
        for item in items:
            if isinstance(item, ast.SelectAll):
                self._add_fields(self.visible.fields, excluded)
            elif isinstance(item, ast.SelectPattern) and item.include:
                matching = [f for f in self.visible.fields if any(matches_pattern(f.name, p) for p in item.patterns)]
                self._add_fields(matching, excluded)
            elif isinstance(item, ast.SelectExpr):
                self._add_output(item.alias or _default_name(item.expr, self.select_text), item.expr)
        if only_excludes:
            self._add_fields(self.visible.fields, excluded)
        if not self.query.outputs:
            raise ODSQLError(
                "select leaves no field to return (include() matches none, or exclude() removes all)", "select"
            )

    def _add_fields(self, fields: list[FieldSpec], excluded: list[str]) -> None:
        for spec in fields:
            if not any(matches_pattern(spec.name, pattern) for pattern in excluded):
                self._add_output(spec.name, ast.Field(name=spec.name, spec=spec, value_type=field_type(spec)))

    def _add_output(self, name: str, expr: ast.Expr) -> int:
        for index, output in enumerate(self.query.outputs):
            if output.name == name:
                return index
        self.query.outputs.append(Output(name=name, expr=expr, value_type=expr.value_type or t.NULL))
        return len(self.query.outputs) - 1

    def _aggregated_outputs(self, items: list[ast.SelectItem]) -> None:
        for item in items:
            if isinstance(item, ast.SelectPattern):
                raise ODSQLError("include() and exclude() cannot be used with aggregations", "select")
            if isinstance(item, ast.SelectExpr):
                if not self._grouped(item.expr):
                    name = _first_ungrouped_field(item.expr, self._grouped) or "expression"
                    raise ODSQLError(
                        f"{name} must be in group_by or inside an aggregation",
                        "select",
                        Position.at(self.select_text, item.expr.start),
                    )
                self._add_output(item.alias or _default_name(item.expr, self.select_text), item.expr)
        for expr, name in self.group_items:
            index = self._output_matching(expr)
            if index is None:
                index = self._add_output(name, expr)
            self.query.group_keys.append(GroupKey(expr=expr, output=index))
            if is_multivalued_field(expr):
                # One group per value: the key is one value, not the list.
                output = self.query.outputs[index]
                output.value_type = output.value_type.element
                spec = _unalias(expr).spec
                if spec not in self.query.unnested:
                    self.query.unnested.append(spec)

    def _output_matching(self, expr: ast.Expr) -> int | None:
        wanted = ast.fingerprint(_unalias(expr))
        for index, output in enumerate(self.query.outputs):
            if ast.fingerprint(_unalias(output.expr)) == wanted:
                return index
        return None

    def _grouped(self, expr: ast.Expr) -> bool:
        """Whether an expression has one value per group."""
        target = _unalias(expr)
        fingerprint = ast.fingerprint(target)
        if any(ast.fingerprint(group) == fingerprint for group, _ in self.group_items):
            return True
        if isinstance(target, ast.Call) and contains_aggregate(target) and _is_aggregate_call(target):
            return True
        if isinstance(target, ast.Literal):
            return True
        if isinstance(target, ast.Field):
            return False
        if isinstance(target, ast.Call) and target.name == "now":
            return True
        sub = [c for c in ast.children(target) if isinstance(c, ast.Expr)]
        return bool(sub) and all(self._grouped(c) for c in sub)

    # where, refine, exclude, restrictions
    def _filters(self) -> None:
        filters = self.query.filters
        for text in self.spec.where_clauses:
            filters.append(self.checker.where(parse_where(text)))
        filters.extend(self._refines(self.spec.refine, exclude=False))
        filters.extend(self._refines(self.spec.exclude, exclude=True))
        restricted = Checker(self.full, self.context)
        for restriction in self.spec.restrictions:
            clause = restriction if isinstance(restriction, ast.WhereClause) else parse_where(restriction)
            try:
                filters.append(restricted.where(clause, "restriction"))
            except ODSQLError as error:
                raise error.in_clause("restriction") from None

    def _refines(self, pairs: Sequence[tuple[str, str]], exclude: bool) -> list[ast.Expr]:
        clause = "exclude" if exclude else "refine"
        by_field: dict[str, list[ast.Expr]] = {}
        specs: dict[str, FieldSpec] = {}
        for name, value in pairs:
            spec = self.visible.resolve(name)
            if spec is None:
                raise ODSQLError(f"unknown field: {name}", clause)
            specs[spec.name] = spec
            condition = refine_condition(spec, value, self.context, clause)
            if exclude:
                condition = ast.Or(operands=[_null_test(spec), ast.Not(operand=condition)], value_type=t.BOOLEAN)
            by_field.setdefault(spec.name, []).append(condition)
        conditions: list[ast.Expr] = []
        for name, items in by_field.items():
            disjunctive = "disjunctive" in (specs[name].annotations or {})
            if disjunctive and len(items) > 1 and not exclude:
                conditions.append(ast.Or(operands=items, value_type=t.BOOLEAN))
            else:
                conditions.extend(items)
        return conditions

    # order_by
    def _order_by(self) -> None:
        if not (self.spec.order_by and self.spec.order_by.strip()):
            return
        clause = parse_order_by(self.spec.order_by)
        self.checker.enter("order_by", clause.text)
        self.checker.aliases = {**self.group_aliases, **self.select_aliases}
        seen_plain = False
        for item in clause.items:
            expr = item.expr
            if isinstance(expr, ast.Call) and expr.name == "random":
                self.query.order.append(OrderKey(descending=False, random_seed=self._random_seed(expr)))
                continue
            checked = self.checker.value(expr)
            target = _unalias(checked)
            if isinstance(target, ast.Literal):
                # A constant sorts nothing, and SQL would read a number as a column position.
                raise self.checker.error("order_by expects a field, an alias, an aggregation or random()", expr)
            if checked.value_type.is_geo:
                raise self.checker.error("cannot sort by a geo value", expr)
            aggregated = contains_aggregate(target)
            if aggregated and not self.query.is_aggregation:
                raise self.checker.error("sorting by an aggregation needs an aggregation in select or group_by", expr)
            if self.query.is_aggregation:
                if aggregated and seen_plain:
                    raise self.checker.error("aggregations must come before fields in order_by", expr)
                if not self._grouped(target):  # `(i + x) / avg(i)`: i and x have no one value per group
                    raise self.checker.error(
                        "order_by on an aggregated query takes group_by fields and aggregations", expr
                    )
                seen_plain = seen_plain or not aggregated
            index = self._output_matching(target) if (self.query.is_aggregation or checked is not target) else None
            if index is not None:
                self.query.order.append(OrderKey(descending=item.descending, output=index))
            else:
                self.query.order.append(OrderKey(descending=item.descending, expr=target))
        self.checker.aliases = {}

    def _random_seed(self, call: ast.Call) -> int:
        if len(call.args) != 1 or not isinstance(call.args[0], ast.Number) or not isinstance(call.args[0].value, int):
            raise self.checker.error("random() expects an integer seed", call)
        return call.args[0].value


def _unalias(expr: ast.Expr) -> ast.Expr:
    while isinstance(expr, ast.Field) and expr.alias_of is not None:
        expr = expr.alias_of
    return expr


def _is_aggregate_call(expr: ast.Expr) -> bool:
    from datapolis.odsql.checker import is_aggregate

    return is_aggregate(expr)


def _default_name(expr: ast.Expr, text: str) -> str:
    """Output names follow §2.4: a plain field keeps its name, other expressions their text."""
    if isinstance(expr, ast.Field) and expr.spec is not None:
        return expr.spec.name
    if isinstance(expr, ast.Field):
        return expr.name
    return expr.source(text)


def _first_ungrouped_field(expr: ast.Expr, grouped) -> str | None:
    for node in ast.walk(expr):
        if isinstance(node, ast.Field) and not grouped(node):
            return node.name
    return None


def _null_test(spec: FieldSpec) -> ast.Expr:
    node = ast.Field(name=spec.name, spec=spec, value_type=field_type(spec))
    return ast.IsTest(operand=node, negated=False, what="null", value_type=t.BOOLEAN)


def refine_condition(spec: FieldSpec, value: str, context: Context, clause: str = "refine") -> ast.Expr:
    """The condition `refine=field:value` adds (§3.8)."""
    kind = field_type(spec)
    node = ast.Field(name=spec.name, spec=spec, value_type=kind)
    if kind.is_geo:
        raise ODSQLError(f"cannot refine on the geo field {spec.name}", clause)
    if kind.is_temporal:
        return _date_refine(node, value, context, clause)
    literal = _refine_literal(kind.element, value, spec.name, clause)
    if kind.multivalued:
        return ast.InField(value=literal, field=node, value_type=t.BOOLEAN)
    equal = ast.Comparison(operator="=", left=node, right=literal, value_type=t.BOOLEAN)
    separators = (spec.annotations or {}).get("hierarchical") or []
    if kind.kind == "text" and separators:
        below = ast.Call(
            name="startswith",
            args=[],
            resolved={"fields": [spec], "text": value + str(separators[0]), "case_sensitive": True},
            value_type=t.BOOLEAN,
        )
        return ast.Or(operands=[equal, below], value_type=t.BOOLEAN)
    return equal


_REFINE_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


def _refine_literal(kind: t.ValueType, value: str, name: str, clause: str) -> ast.Literal:
    if kind.kind == "text":
        return ast.String(value=value, value_type=t.TEXT, resolved=value)
    if kind.kind == "boolean":
        lowered = value.strip().lower()
        if lowered not in ("true", "false", "1", "0"):
            raise ODSQLError(f"expected true or false for {name}, got {value!r}", clause)
        flag = lowered in ("true", "1")
        return ast.Boolean(value=flag, value_type=t.BOOLEAN, resolved=flag)
    text = value.strip()
    if not _REFINE_NUMBER.fullmatch(text):  # as ODSQL writes numbers: no inf, nan, 1_000 or 0x10
        raise ODSQLError(f"expected a number for {name}, got {value!r}", clause)
    number: int | float = float(text) if any(c in text for c in ".eE") else int(text)
    if not math.isfinite(number) or (isinstance(number, int) and abs(number) >= 2**63):
        raise ODSQLError(f"number out of range for {name}: {value!r}", clause)
    return ast.Number(
        value=number, text=value, value_type=t.INT if isinstance(number, int) else t.DOUBLE, resolved=number
    )


def _date_refine(node: ast.Field, value: str, context: Context, clause: str) -> ast.Expr:
    """`2019`, `2019/05`, `2019/05/11` (or ISO) select that whole period in the query timezone."""
    try:
        parsed = parse_date(value, context.zone)
        start, end = parsed.start(context.zone), parsed.end(context.zone)
    except (ValueError, OverflowError) as error:
        raise ODSQLError(f"{error} for {node.name}", clause) from None
    if node.value_type.kind == "date":
        low = ParsedDate(start.date(), "day")
        high = ParsedDate(end.date(), "day") if parsed.precision in ("year", "month", "day") else None
        if high is None:
            return ast.Comparison(operator="=", left=node, right=_date_literal(low, t.DATE), value_type=t.BOOLEAN)
        return ast.InRange(
            operand=node,
            low=_date_literal(low, t.DATE),
            high=_date_literal(high, t.DATE),
            low_inclusive=True,
            high_inclusive=False,
            value_type=t.BOOLEAN,
        )
    return ast.InRange(
        operand=node,
        low=_date_literal(ParsedDate(start, "second"), t.DATETIME),
        high=_date_literal(ParsedDate(end, "second"), t.DATETIME),
        low_inclusive=True,
        high_inclusive=False,
        value_type=t.BOOLEAN,
    )


def _date_literal(parsed: ParsedDate, kind: t.ValueType) -> ast.DateLiteral:
    return ast.DateLiteral(text=parsed.value.isoformat(), value_type=kind, resolved=parsed)


__all__ = ["QuerySpec", "check_query", "make_context", "refine_condition"]
