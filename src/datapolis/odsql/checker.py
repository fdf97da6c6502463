"""Resolve and type parsed clauses against a dataset schema, and enforce the clause rules.

The checker is the security boundary: every field must be in the visible schema, every
function in the whitelist (functions.FUNCTIONS), every literal must read as a value of
the type it is compared with. It annotates the tree for the printer (types, resolved
fields, parsed literals) and says what the query outputs, groups by and sorts by.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from datapolis.odsql import ast
from datapolis.odsql import types as t
from datapolis.odsql.dateformat import parse_pattern
from datapolis.odsql.errors import ODSQLError, Position
from datapolis.odsql.functions import (
    CALENDAR_UNITS,
    DATE_RANGE_UNITS,
    FUNCTIONS,
    GROUP_BY_SCALARS,
    SEARCH_PREDICATES,
    SHAPE_PREDICATES,
)
from datapolis.odsql.literals import (
    DISTANCE_UNITS_IN_METRES,
    NOW_ABSOLUTE,
    NOW_PARAMETERS,
    ParsedDate,
    parse_date,
    parse_geometry,
    shift_now,
)
from datapolis.schema import RECORD_ID_COLUMN, FieldSpec
from datapolis.schema.words import words as search_words

DEFAULT_TEMPLATE_PREFIX = "default."
MAX_SEARCH_WORDS = 32
GEO_CLUSTER_DEFAULT_RADIUS = 40


# Schema ---------------------------------------------------------------------------


class Schema:
    """The fields a query may name. Dotted catalog names resolve with or without `default.`."""

    def __init__(self, fields: Sequence[FieldSpec]) -> None:
        self.fields = list(fields)
        self._by_name = {f.name: f for f in self.fields}

    def resolve(self, name: str) -> FieldSpec | None:
        found = self._by_name.get(name)
        if found is None and name.startswith(DEFAULT_TEMPLATE_PREFIX):
            found = self._by_name.get(name[len(DEFAULT_TEMPLATE_PREFIX) :])
        return found

    def text_fields(self) -> list[FieldSpec]:
        """The fields full-text search reads: text fields, not the technical record id."""
        return [f for f in self.fields if f.type == "text" and f.name != RECORD_ID_COLUMN]


def field_type(spec: FieldSpec) -> t.ValueType:
    return t.ValueType(spec.type, multivalued="multivalued" in (spec.annotations or {}))


# Results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What the request sets besides its clauses: timezone (IANA), language, current time."""

    timezone: str
    zone: ZoneInfo
    now: datetime
    lang: str


@dataclass
class Output:
    name: str
    expr: ast.Expr
    value_type: t.ValueType


@dataclass
class GroupKey:
    expr: ast.Expr
    output: int  # index in CheckedQuery.outputs


@dataclass
class OrderKey:
    descending: bool
    expr: ast.Expr | None = None  # an expression to sort by, when not an output
    output: int | None = None  # or the index of an output column
    random_seed: int | None = None


@dataclass
class CheckedQuery:
    outputs: list[Output] = field(default_factory=list)
    filters: list[ast.Expr] = field(default_factory=list)
    group_keys: list[GroupKey] = field(default_factory=list)
    order: list[OrderKey] = field(default_factory=list)
    is_aggregation: bool = False
    # Multivalued fields grouped by: each record counts once in the group of each of its values.
    unnested: list[FieldSpec] = field(default_factory=list)


# Checker ----------------------------------------------------------------------------


class Checker:
    """Checks one clause at a time; `clause` and `text` say which, for error positions."""

    def __init__(self, schema: Schema, context: Context) -> None:
        self.schema = schema
        self.context = context
        self.clause = "where"
        self.text = ""
        self.aliases: dict[str, ast.Expr] = {}
        self.search_words = 0

    def count_search_words(self, text: str, node: ast.Node) -> None:
        """Every searched word adds a condition: a request searches MAX_SEARCH_WORDS words at most.

        200 words took 20 s and 1.1 GB to plan on a 40-row dataset; 500 words, ten minutes.
        """
        self.search_words += len(search_words(text))
        if self.search_words > MAX_SEARCH_WORDS:
            raise self.error(f"a request may search {MAX_SEARCH_WORDS} words at most", node)

    # errors
    def error(self, message: str, node: ast.Node | None = None) -> ODSQLError:
        position = Position.at(self.text, node.start) if node is not None else None
        return ODSQLError(message, self.clause, position)

    def enter(self, clause: str, text: str) -> None:
        self.clause, self.text = clause, text

    # where -------------------------------------------------------------------------
    def where(self, clause: ast.WhereClause, clause_name: str = "where") -> ast.Expr:
        self.enter(clause_name, clause.text)
        return self.condition(clause.expr)

    def condition(self, node: ast.Expr) -> ast.Expr:
        """Check an expression in a boolean position of a where clause."""
        checked = self._condition(node)
        checked.value_type = t.BOOLEAN
        return checked

    def _condition(self, node: ast.Expr) -> ast.Expr:
        if isinstance(node, ast.And | ast.Or):
            node.operands = [self.condition(operand) for operand in node.operands]
            return node
        if isinstance(node, ast.Not):
            node.operand = self.condition(node.operand)
            return node
        if isinstance(node, ast.String):
            self.count_search_words(node.value, node)
            return ast.FullText(text=node.value, fields=self.schema.text_fields(), start=node.start, end=node.end)
        if isinstance(node, ast.Comparison):
            return self._comparison(node)
        if isinstance(node, ast.IsTest):
            return self._is_test(node)
        if isinstance(node, ast.Like):
            return self._like(node)
        if isinstance(node, ast.InRange):
            return self._in_range(node)
        if isinstance(node, ast.InList):
            return self._in_list(node)
        if isinstance(node, ast.InField):
            return self._in_field(node)
        if isinstance(node, ast.Call) and node.name in FUNCTIONS and FUNCTIONS[node.name].kind == "predicate":
            return self._predicate_call(node)
        if isinstance(node, ast.Call) and node.name == "distance" and len(node.args) == 3:
            return self._within_distance(node)  # v2.0 spelling of within_distance
        value = self.value(node)
        if value.value_type != t.BOOLEAN:
            raise self.error(f"expected a condition, found a {value.value_type.describe()} expression", node)
        return value

    def _comparison(self, node: ast.Comparison) -> ast.Expr:
        if node.legacy and isinstance(node.right, ast.Field) and self._lookup(node.right.name) is None:
            # Legacy `field:value` with an unquoted word: the word is the value.
            node.right = ast.String(value=node.right.name, start=node.right.start, end=node.right.end)
        left, right = self.value(node.left), self.value(node.right)
        left, right = self._coerce_pair(left, right, node)
        if left.value_type.multivalued or right.value_type.multivalued:
            if node.operator not in ("=", "!="):
                raise self.error(f"operator {node.operator} cannot compare multivalued fields", node)
            many, one = (left, right) if left.value_type.multivalued else (right, left)
            if one.value_type.multivalued or not t.comparable(many.value_type.element, one.value_type):
                raise self.error("incompatible types in comparison", node)
        elif not t.comparable(left.value_type, right.value_type):
            raise self.error(
                f"cannot compare {left.value_type.describe()} with {right.value_type.describe()}",
                node,
            )
        elif left.value_type.kind == "boolean" and node.operator not in ("=", "!="):
            raise self.error(f"operator {node.operator} does not apply to booleans", node)
        node.left, node.right = left, right
        return node

    def _is_test(self, node: ast.IsTest) -> ast.Expr:
        node.operand = self.value(node.operand)
        if node.what != "null" and node.operand.value_type.kind not in ("boolean", "null"):
            raise self.error(f"IS {node.what.upper()} applies to boolean values only", node)
        return node

    def _like(self, node: ast.Like) -> ast.Expr:
        node.operand = self.value(node.operand)
        if node.operand.value_type.kind != "text":
            raise self.error("LIKE applies to text fields only", node)
        if not isinstance(node.pattern, ast.String):
            raise self.error("LIKE expects a string", node.pattern)
        self.count_search_words(node.pattern.value, node.pattern)
        node.pattern.value_type = t.TEXT
        return node

    def _in_range(self, node: ast.InRange) -> ast.Expr:
        node.operand = self.value(node.operand)
        target = node.operand.value_type
        if target.multivalued or not (target.is_numeric or target.is_temporal or target.is_text):
            raise self.error(f"IN [..] does not apply to {target.describe()} values", node)
        node.low = self.literal_as(node.low, target)
        node.high = self.literal_as(node.high, target)
        return node

    def _in_list(self, node: ast.InList) -> ast.Expr:
        node.operand = self.value(node.operand)
        target = node.operand.value_type
        if target.is_geo:
            raise self.error("IN (...) does not apply to geo fields", node)
        if target.is_null:  # `null in (a, b)`: the items are still compared with each other
            target = self._first_typed(node.items) or target
        node.items = [self.literal_as(item, target.element) for item in node.items]
        return node

    def _first_typed(self, items: list[ast.Expr]) -> t.ValueType | None:
        """The type of the first item that is not null (checked on a copy: items are checked after)."""
        for item in items:
            value_type = self.value(copy.deepcopy(item)).value_type
            if not value_type.is_null:
                return value_type
        return None

    def _in_field(self, node: ast.InField) -> ast.Expr:
        container = self.value(node.field)
        if not isinstance(container, ast.Field):
            raise self.error("IN expects a field on its right", node.field)
        node.field = container
        node.value = self.literal_as(node.value, container.value_type.element)
        return node

    # predicates
    def _predicate_call(self, node: ast.Call) -> ast.Expr:
        name = node.name
        if name in SEARCH_PREDICATES:
            return self._search(node)
        if name == "within_distance":
            return self._within_distance(node)
        if name == "in_bbox":
            return self._in_bbox(node)
        if name in SHAPE_PREDICATES or name == "geometry":
            return self._shape_predicate(node)
        raise self.error(f"unknown function {name}()", node)  # pragma: no cover - all listed above

    def _search(self, node: ast.Call) -> ast.Expr:
        if not node.args or not isinstance(node.args[-1], ast.String):
            raise self.error(f"{node.name}() expects a string as its last argument", node)
        text = node.args[-1].value
        self.count_search_words(text, node.args[-1])
        targets = node.args[:-1]
        if not targets or any(isinstance(a, ast.Star) for a in targets):
            fields = self.schema.text_fields()
        else:
            fields = []
            for target in targets:
                checked = self.value(target) if isinstance(target, ast.Expr) else None
                if not isinstance(checked, ast.Field) or checked.spec is None:
                    raise self.error(f"{node.name}() expects field names or *", target)
                if checked.spec.type != "text":
                    raise self.error(f"{node.name}() applies to text fields, {checked.spec.name} is not", target)
                fields.append(checked.spec)
        node.resolved = {"fields": fields, "text": text}
        return node

    def _geo_field(self, node: ast.Call, argument: ast.Argument, kinds=("geo_point_2d", "geo_shape")) -> FieldSpec:
        checked = self.value(argument) if isinstance(argument, ast.Expr) else None
        if not isinstance(checked, ast.Field) or checked.spec is None or checked.spec.type not in kinds:
            expected = " or ".join(kinds)
            raise self.error(f"{node.name}() expects a {expected} field as its first argument", argument)
        return checked.spec

    def _geometry(self, node: ast.Call, argument: ast.Argument):
        if not isinstance(argument, ast.GeometryLiteral):
            raise self.error(f"{node.name}() expects a geometry literal (geom'...')", argument)
        self.value(argument)
        return argument.geometry

    def _within_distance(self, node: ast.Call) -> ast.Expr:
        if len(node.args) != 3:
            raise self.error(f"{node.name}() expects a geo field, a geom'POINT(lon lat)' and a distance", node)
        spec = self._geo_field(node, node.args[0])
        center = self._geometry(node, node.args[1])
        if center.geom_type != "Point":
            raise self.error(f"{node.name}() expects a point as its center", node.args[1])
        node.resolved = {
            "field": spec,
            "lon": float(center.x),
            "lat": float(center.y),
            "metres": self._distance(node, node.args[2]),
        }
        node.name = "within_distance"
        return node

    def _distance(self, node: ast.Call, argument: ast.Argument) -> float:
        if isinstance(argument, ast.Quantity):
            unit = argument.unit.lower()
            if unit not in DISTANCE_UNITS_IN_METRES:
                units = " ".join(DISTANCE_UNITS_IN_METRES)
                raise self.error(f"unknown distance unit {argument.unit!r}, expected one of {units}", argument)
            amount = argument.amount.value * DISTANCE_UNITS_IN_METRES[unit]
        elif isinstance(argument, ast.Number):
            amount = float(argument.value)  # no unit: metres
        else:
            raise self.error(f"{node.name}() expects a distance such as 10km", argument)
        if not math.isfinite(amount) or amount < 0:
            raise self.error("the distance must be a positive number", argument)
        return float(amount)

    def _in_bbox(self, node: ast.Call) -> ast.Expr:
        if len(node.args) != 5:
            raise self.error("in_bbox() expects a geo field and lat1, lon1, lat2, lon2", node)
        spec = self._geo_field(node, node.args[0])
        numbers = [self._number_argument(node, a) for a in node.args[1:]]
        lat1, lon1, lat2, lon2 = numbers
        node.resolved = {
            "field": spec,
            "south": min(lat1, lat2),
            "north": max(lat1, lat2),
            "west": min(lon1, lon2),
            "east": max(lon1, lon2),
        }
        return node

    def _number_argument(self, node: ast.Call, argument: ast.Argument) -> float:
        if not isinstance(argument, ast.Number) or not math.isfinite(argument.value):
            raise self.error(f"{node.name}() expects a number here", argument)
        argument.value_type = t.DOUBLE if isinstance(argument.value, float) else t.INT
        return float(argument.value)

    def _shape_predicate(self, node: ast.Call) -> ast.Expr:
        relation = node.name
        args = list(node.args)
        if node.name == "geometry":
            # Legacy geometry(f, geom'...'[, INTERSECTS|DISJOINT|WITHIN]).
            relation = "intersects"
            if len(args) == 3:
                mode = args.pop()
                if not isinstance(mode, ast.Field) or mode.name.lower() not in SHAPE_PREDICATES:
                    raise self.error("geometry() expects INTERSECTS, DISJOINT or WITHIN", mode)
                relation = mode.name.lower()
        if len(args) != 2:
            raise self.error(f"{node.name}() expects a geo field and a geometry", node)
        spec = self._geo_field(node, args[0])
        node.resolved = {"field": spec, "geometry": self._geometry(node, args[1]), "relation": relation}
        node.name = relation
        return node

    # values ------------------------------------------------------------------------
    def value(self, node: ast.Argument) -> ast.Expr:
        """Check an expression that yields a value (not a condition)."""
        if isinstance(node, ast.Star | ast.Distinct | ast.NamedArgument | ast.Quantity):
            raise self.error("unexpected argument here", node)
        checked = self._value(node)
        assert checked.value_type is not None
        return checked

    def _value(self, node: ast.Expr) -> ast.Expr:
        if isinstance(node, ast.Literal):
            return self._literal(node)
        if isinstance(node, ast.Field):
            return self._field(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Signed):
            node.operand = self.value(node.operand)
            if not (node.operand.value_type.is_numeric or node.operand.value_type.is_null):
                raise self.error("a sign applies to numbers only", node)
            node.value_type = node.operand.value_type
            return node
        if isinstance(node, ast.Arithmetic):
            return self._arithmetic(node)
        if self.clause == "where":
            return self.condition(node)
        raise self.error(f"a condition cannot be used in {self.clause}", node)

    def _literal(self, node: ast.Literal) -> ast.Literal:
        if isinstance(node, ast.String):
            node.value_type, node.resolved = t.TEXT, node.value
        elif isinstance(node, ast.Number):
            if not math.isfinite(node.value) or (isinstance(node.value, int) and abs(node.value) >= 2**63):
                raise self.error(f"number out of range: {node.text}", node)
            node.value_type = t.INT if isinstance(node.value, int) else t.DOUBLE
            node.resolved = node.value
        elif isinstance(node, ast.Boolean):
            node.value_type, node.resolved = t.BOOLEAN, node.value
        elif isinstance(node, ast.Null):
            node.value_type = t.NULL
        elif isinstance(node, ast.DateLiteral):
            parsed = self._parse_date(node.text, node)
            node.value_type, node.resolved = (t.DATETIME if parsed.is_instant else t.DATE), parsed
        elif isinstance(node, ast.GeometryLiteral):
            try:
                node.geometry = parse_geometry(node.text)
            except ValueError as error:
                raise self.error(str(error), node) from None
            node.value_type, node.resolved = t.GEO_SHAPE, node.geometry
        return node

    def _parse_date(self, text: str, node: ast.Node) -> ParsedDate:
        try:
            return parse_date(text, self.context.zone)
        except ValueError as error:
            raise self.error(str(error), node) from None

    def _lookup(self, name: str) -> ast.Expr | FieldSpec | None:
        if name in self.aliases:
            return self.aliases[name]
        return self.schema.resolve(name)

    def _field(self, node: ast.Field) -> ast.Expr:
        found = self._lookup(node.name)
        if found is None:
            raise self.error(f"unknown field: {node.name}", node)
        if isinstance(found, FieldSpec):
            node.spec = found
            node.value_type = field_type(found)
        else:
            node.alias_of = found
            node.value_type = found.value_type
        return node

    def _arithmetic(self, node: ast.Arithmetic) -> ast.Expr:
        node.left, node.right = self.value(node.left), self.value(node.right)
        for side in (node.left, node.right):
            if not (side.value_type.is_numeric or side.value_type.is_null):
                raise self.error(f"arithmetic applies to numbers only, found {side.value_type.describe()}", side)
        node.value_type = (
            t.DOUBLE if node.operator == "/" else t.numeric_result(node.left.value_type, node.right.value_type)
        )
        return node

    # calls
    def _call(self, node: ast.Call) -> ast.Expr:
        spec = FUNCTIONS.get(node.name)
        if spec is None:
            if node.name == "distance" and len(node.args) == 3 and self.clause == "where":
                return self.condition(node)
            raise self.error(f"unknown function {node.name}()", node)
        if self.clause not in spec.clauses:
            allowed = ", ".join(sorted(spec.clauses))
            raise self.error(f"{node.name}() cannot be used in {self.clause} (allowed in: {allowed})", node)
        if spec.kind == "predicate":
            return self.condition(node)
        if spec.kind == "grouping":
            raise self.error(f"{node.name}() must be a whole group_by expression", node)
        method = getattr(self, f"_call_{node.name}", None) or getattr(self, f"_call_{spec.kind}")
        node.value_type = method(node)
        return node

    def _args(self, node: ast.Call, minimum: int, maximum: int | None = None) -> list[ast.Argument]:
        maximum = minimum if maximum is None else maximum
        if not minimum <= len(node.args) <= maximum:
            count = str(minimum) if minimum == maximum else f"{minimum} to {maximum}"
            raise self.error(f"{node.name}() expects {count} argument(s), got {len(node.args)}", node)
        return node.args

    def _typed_arg(self, node: ast.Call, index: int, accepts, what: str) -> ast.Expr:
        argument = self.value(node.args[index])
        node.args[index] = argument
        if not (accepts(argument.value_type) or argument.value_type.is_null):
            raise self.error(f"{node.name}() expects {what}, found {argument.value_type.describe()}", argument)
        return argument

    def _call_length(self, node: ast.Call) -> t.ValueType:
        self._args(node, 1)
        self._typed_arg(node, 0, lambda v: v.is_text, "text")
        return t.INT

    def _call_lower(self, node: ast.Call) -> t.ValueType:
        self._args(node, 1)
        self._typed_arg(node, 0, lambda v: v.is_text, "text")
        return t.TEXT

    _call_upper = _call_lower

    def _call_date_part(self, node: ast.Call) -> t.ValueType:
        self._args(node, 1)
        self._typed_arg(node, 0, lambda v: v.is_temporal, "a date or datetime")
        return t.INT

    _call_year = _call_month = _call_day = _call_hour = _call_minute = _call_second = _call_date_part

    def _call_date_format(self, node: ast.Call) -> t.ValueType:
        self._args(node, 2)
        self._typed_arg(node, 0, lambda v: v.is_temporal, "a date or datetime")
        pattern = node.args[1]
        if not isinstance(pattern, ast.String):
            raise self.error("date_format() expects a pattern string as its second argument", pattern)
        try:
            node.resolved = {"segments": parse_pattern(pattern.value), "lang": self.context.lang}
        except ValueError as error:
            raise self.error(str(error), pattern) from None
        return t.TEXT

    def _call_json_format(self, node: ast.Call) -> t.ValueType:
        self._args(node, 1, 2)
        self._typed_arg(node, 0, lambda v: v.is_text, "a text field")
        if len(node.args) == 2 and not isinstance(node.args[1], ast.String | ast.Null):
            raise self.error("json_format() expects a string or null fallback", node.args[1])
        return t.TEXT

    def _call_ifnull(self, node: ast.Call) -> t.ValueType:
        self._args(node, 2)
        first = self.value(node.args[0])
        node.args[0] = first
        second = node.args[1]
        if isinstance(second, ast.Literal) and not first.value_type.is_null:
            second = self.literal_as(second, first.value_type)
        else:
            second = self.value(second)
        node.args[1] = second
        if not t.comparable(first.value_type, second.value_type) and first.value_type != second.value_type:
            raise self.error("ifnull() expects two values of the same type", node)
        if first.value_type.is_null:
            return second.value_type
        if first.value_type.is_numeric and second.value_type.is_numeric:
            return t.numeric_result(first.value_type, second.value_type)
        return first.value_type

    def _call_now(self, node: ast.Call) -> t.ValueType:
        arguments: dict[str, int] = {}
        for argument in node.args:
            if not isinstance(argument, ast.NamedArgument) or argument.operator != "=":
                raise self.error("now() takes only named arguments such as years=-1", argument)
            if argument.name not in NOW_PARAMETERS:
                raise self.error(f"unknown now() argument {argument.name!r}", argument)
            value = argument.value
            if not isinstance(value, ast.Number) or not isinstance(value.value, int):
                raise self.error(f"now() argument {argument.name} must be an integer", argument)
            low, high = NOW_ABSOLUTE.get(argument.name, (-(10**6), 10**6))
            if not low <= value.value <= high:
                raise self.error(f"now() argument {argument.name} must be between {low} and {high}", argument)
            arguments[argument.name] = value.value
        try:
            node.resolved = {"value": shift_now(self.context.now, arguments)}
        except (ValueError, OverflowError) as error:
            raise self.error(f"now() gives an invalid date: {error}", node) from None
        return t.DATETIME

    def _call_distance(self, node: ast.Call) -> t.ValueType:
        self._args(node, 2)
        spec = self._geo_field(node, node.args[0])
        center = self._geometry(node, node.args[1])
        if center.geom_type != "Point":
            raise self.error("distance() expects a point", node.args[1])
        node.resolved = {"field": spec, "lon": float(center.x), "lat": float(center.y)}
        return t.DOUBLE

    # aggregates
    def _call_aggregate(self, node: ast.Call) -> t.ValueType:
        if node.name == "count":
            return self._count(node)
        if node.name == "percentile":
            self._args(node, 2)
            rank = node.args[1]
            if not isinstance(rank, ast.Number) or not 0 <= rank.value <= 100:
                raise self.error("percentile() expects a number between 0 and 100", rank)
            node.resolved = {"fraction": float(rank.value) / 100}
        else:
            self._args(node, 1)
        argument = self._aggregated_arg(node, 0)
        kind = argument.value_type
        if node.name in ("sum", "avg", "median", "percentile"):
            if not (kind.is_numeric or kind.is_null):
                raise self.error(f"{node.name}() expects a number, found {kind.describe()}", argument)
            return t.INT if node.name == "sum" and kind.kind == "int" else t.DOUBLE
        if node.name in ("min", "max"):
            if not (kind.is_numeric or kind.is_temporal or kind.is_null):
                raise self.error(f"{node.name}() expects a number or a date, found {kind.describe()}", argument)
            return kind
        if node.name == "envelope" and (kind.kind != "geo_point_2d" or geo_field_spec(argument) is None):
            raise self.error("envelope() expects a geo_point_2d field", argument)
        if node.name == "bbox" and (not kind.is_geo or geo_field_spec(argument) is None):
            raise self.error("bbox() expects a geo field", argument)
        return t.GEO_SHAPE

    def _aggregated_arg(self, node: ast.Call, index: int) -> ast.Expr:
        argument = self.value(node.args[index])
        if any(_is_aggregate(inner) for inner in ast.walk(argument)):
            raise self.error("aggregations cannot be nested", argument)
        node.args[index] = argument
        return argument

    def _count(self, node: ast.Call) -> t.ValueType:
        self._args(node, 1)
        argument = node.args[0]
        if isinstance(argument, ast.Star):
            return t.INT
        if isinstance(argument, ast.Distinct):
            inner = self.value(argument.expr)
            if any(_is_aggregate(x) for x in ast.walk(inner)):
                raise self.error("aggregations cannot be nested", inner)
            argument.expr = inner
            return t.INT
        self._aggregated_arg(node, 0)
        return t.INT

    # literal coercion ------------------------------------------------------------
    def _coerce_pair(self, left: ast.Expr, right: ast.Expr, node: ast.Node) -> tuple[ast.Expr, ast.Expr]:
        """Read a literal compared with a field as a value of the field's type."""
        if isinstance(right, ast.Literal) and not isinstance(left, ast.Literal):
            right = self.literal_as(right, left.value_type.element)
        elif isinstance(left, ast.Literal) and not isinstance(right, ast.Literal):
            left = self.literal_as(left, right.value_type.element)
        return left, right

    def literal_as(self, node: ast.Expr, target: t.ValueType) -> ast.Expr:
        """Check `node` as a literal readable as a `target` value (`"12"` for an int field...)."""
        if not isinstance(node, ast.Literal):
            node = self.value(node)
            if isinstance(node, ast.Signed | ast.Arithmetic) or not isinstance(node, ast.Literal):
                if not t.comparable(node.value_type, target.element):
                    raise self.error(f"expected a {target.element.describe()} value", node)
                return node
        self._literal(node)
        if isinstance(node, ast.Null) or target.is_null:
            return node
        kind = target.kind
        try:
            if kind in ("int", "double"):
                node.resolved = _as_number(node)
                node.value_type = t.INT if isinstance(node.resolved, int) else t.DOUBLE
            elif kind == "text":
                node.resolved = _as_text(node)
                node.value_type = t.TEXT
            elif kind == "boolean":
                node.resolved = _as_boolean(node)
                node.value_type = t.BOOLEAN
            elif kind in ("date", "datetime"):
                node.resolved = self._as_date(node)
                node.value_type = t.DATETIME if node.resolved.is_instant else t.DATE
            elif node.value_type.kind != kind and not (node.value_type.is_geo and target.is_geo):
                raise ValueError(f"a {node.value_type.kind} literal")
        except ValueError as error:
            raise self.error(f"expected a {kind} value, found {error}", node) from None
        return node

    def _as_date(self, node: ast.Literal) -> ParsedDate:
        if isinstance(node.resolved, ParsedDate):
            return node.resolved
        if isinstance(node, ast.String):
            return self._parse_date(node.value, node)
        if isinstance(node, ast.Number) and isinstance(node.value, int) and 1 <= node.value <= 9999:
            return self._parse_date(f"{node.value:04d}", node)
        raise ValueError(f"a {node.value_type.kind} literal")

    # group_by --------------------------------------------------------------------
    def group_expression(self, node: ast.Expr) -> ast.Expr:
        if isinstance(node, ast.Call) and node.name == "range":
            return self._range(node)
        if isinstance(node, ast.Call) and node.name == "geo_cluster":
            return self._geo_cluster(node)
        if isinstance(node, ast.Call) and node.name not in GROUP_BY_SCALARS and node.name in FUNCTIONS:
            raise self.error(f"{node.name}() cannot be used in group_by", node)
        if not isinstance(node, ast.Field | ast.Call):
            raise self.error(
                "group_by expects fields, range(), date functions, date_format(), ifnull() or lower()", node
            )
        checked = self.value(node)
        if isinstance(checked, ast.Call) and checked.name == "ifnull":
            for argument in checked.args:
                if not isinstance(argument, ast.Field | ast.Literal):
                    raise self.error("ifnull() in group_by takes only fields and literals", argument)
        kind = checked.value_type
        if kind.is_geo:
            raise self.error("grouping by a geo field is not supported, use geo_cluster()", node)
        if kind.multivalued and not is_multivalued_field(checked):
            raise self.error("a multivalued field can only be grouped by alone (one group per value)", node)
        return checked

    def _range(self, node: ast.Call) -> ast.Expr:
        if len(node.args) < 2:
            raise self.error("range() expects a field and a width or bounds", node)
        subject = self.value(node.args[0])
        node.args[0] = subject
        kind = subject.value_type
        if not (kind.is_numeric or kind.is_temporal):
            raise self.error(f"range() expects a number or date field, found {kind.describe()}", subject)
        rest = node.args[1:]
        if len(rest) == 1 and isinstance(rest[0], ast.Quantity):
            node.resolved = self._calendar_width(node, rest[0], kind)
        elif len(rest) == 1 and isinstance(rest[0], ast.Number):
            if not kind.is_numeric:
                raise self.error("range() on a date expects a width such as 1 day", rest[0])
            width = rest[0].value
            if not width > 0 or not math.isfinite(width):
                raise self.error("the range width must be positive", rest[0])
            node.resolved = {"mode": "width", "width": width}
        else:
            node.resolved = self._static_bounds(node, rest, kind)
        node.value_type = t.TEXT
        return node

    def _calendar_width(self, node: ast.Call, quantity: ast.Quantity, kind: t.ValueType) -> dict:
        if not kind.is_temporal:
            raise self.error("a range width with a unit applies to date fields", quantity)
        unit = DATE_RANGE_UNITS.get(quantity.unit)
        if unit is None:
            raise self.error(f"unknown range unit {quantity.unit!r} (units are case-sensitive)", quantity)
        amount = quantity.amount.value
        if not isinstance(amount, int) or amount < 1:
            raise self.error("the range width must be a positive integer", quantity)
        if unit in CALENDAR_UNITS and amount != 1:
            raise self.error(f"ranges of {unit}s only support a width of 1", quantity)
        return {"mode": "calendar", "unit": unit, "amount": amount}

    def _static_bounds(self, node: ast.Call, rest: list[ast.Argument], kind: t.ValueType) -> dict:
        open_low = isinstance(rest[0], ast.Star)
        open_high = isinstance(rest[-1], ast.Star) and len(rest) > 1
        bounds_args = rest[1 if open_low else 0 : len(rest) - (1 if open_high else 0)]
        if not bounds_args:
            raise self.error("range() expects at least one bound", node)
        bounds = []
        for argument in bounds_args:
            if isinstance(argument, ast.Star):
                raise self.error("* can only be the first or last bound of range()", argument)
            checked = self.literal_as(argument, kind)
            if not isinstance(checked, ast.Literal) or isinstance(checked, ast.Null):
                raise self.error("range() bounds must be literals", argument)
            bounds.append(checked)
        values = [self._bound_key(b) for b in bounds]
        if values != sorted(values) or len(set(values)) != len(values):
            raise self.error("range() bounds must be in increasing order", node)
        return {"mode": "static", "bounds": bounds, "open_low": open_low, "open_high": open_high}

    def _bound_key(self, bound: ast.Literal):
        if isinstance(bound.resolved, ParsedDate):
            return bound.resolved.start(self.context.zone).timestamp()
        return bound.resolved

    def _geo_cluster(self, node: ast.Call) -> ast.Expr:
        if len(node.args) not in (2, 3):
            raise self.error("geo_cluster() expects a geo_point_2d field, a zoom and an optional radius", node)
        spec = self._geo_field(node, node.args[0], kinds=("geo_point_2d",))
        zoom = node.args[1]
        if not isinstance(zoom, ast.Number) or not isinstance(zoom.value, int) or not 0 <= zoom.value <= 25:
            raise self.error("geo_cluster() expects a zoom level between 0 and 25", zoom)
        radius = GEO_CLUSTER_DEFAULT_RADIUS
        if len(node.args) == 3:
            given = node.args[2]
            if not isinstance(given, ast.Number) or not 0 < given.value <= 1024:
                raise self.error("geo_cluster() expects a radius in pixels between 1 and 1024", given)
            radius = given.value
        node.resolved = {"field": spec, "zoom": zoom.value, "radius": radius}
        node.value_type = t.GEO_POINT
        return node


def _is_aggregate(node: ast.Node) -> bool:
    return isinstance(node, ast.Call) and node.name in FUNCTIONS and FUNCTIONS[node.name].kind == "aggregate"


def geo_field_spec(node: ast.Node) -> FieldSpec | None:
    """The geo field a node names (through aliases), None for any other expression."""
    while isinstance(node, ast.Field) and node.alias_of is not None:
        node = node.alias_of
    if isinstance(node, ast.Field) and node.spec is not None and node.spec.type in ("geo_point_2d", "geo_shape"):
        return node.spec
    return None


def is_multivalued_field(node: ast.Node) -> bool:
    """A plain reference to a multivalued field (through aliases)."""
    while isinstance(node, ast.Field) and node.alias_of is not None:
        node = node.alias_of
    return isinstance(node, ast.Field) and node.spec is not None and field_type(node.spec).multivalued


def is_aggregate(node: ast.Node) -> bool:
    return _is_aggregate(node)


def contains_aggregate(node: ast.Node) -> bool:
    return any(_is_aggregate(inner) for inner in ast.walk(node))


def _as_number(node: ast.Literal) -> int | float:
    if isinstance(node, ast.Number):
        return node.value
    if isinstance(node, ast.Boolean):
        return int(node.value)
    if isinstance(node, ast.String):
        text = node.value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
        except ValueError:
            raise ValueError(f"{node.value!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"{node.value!r}")
        return number
    raise ValueError(f"a {node.value_type.kind} literal")


def _as_text(node: ast.Literal) -> str:
    if isinstance(node, ast.String):
        return node.value
    if isinstance(node, ast.Number):
        return node.text
    if isinstance(node, ast.Boolean):
        return "true" if node.value else "false"
    raise ValueError(f"a {node.value_type.kind} literal")


def _as_boolean(node: ast.Literal) -> bool:
    if isinstance(node, ast.Boolean):
        return node.value
    if isinstance(node, ast.String) and node.value.strip().lower() in ("true", "false", "1", "0"):
        return node.value.strip().lower() in ("true", "1")
    if isinstance(node, ast.Number) and node.value in (0, 1):
        return bool(node.value)
    raise ValueError(f"a {node.value_type.kind} literal")


def matches_pattern(name: str, pattern: str) -> bool:
    """include()/exclude() patterns: a name, or a prefix followed by `*`."""
    if pattern.endswith("*"):
        return name.startswith(pattern[:-1])
    return name == pattern


def field_names(fields: Iterable[FieldSpec]) -> list[str]:
    return [f.name for f in fields]


__all__ = [
    "CALENDAR_UNITS",
    "DATE_RANGE_UNITS",
    "GEO_CLUSTER_DEFAULT_RADIUS",
    "GROUP_BY_SCALARS",
    "CheckedQuery",
    "Checker",
    "Context",
    "GroupKey",
    "OrderKey",
    "Output",
    "Schema",
]
