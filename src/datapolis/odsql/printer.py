"""Build SQLGlot expressions from checked ODSQL trees, for DuckDB (`Printer`).

What PostgreSQL prints differently is a subclass (`odsql.postgres.PostgresPrinter`).

Request text never becomes SQL text: strings are bound parameters (`$p1` for DuckDB,
`%(p1)s` for psycopg); numbers, dates and geometry coordinates are written from the
values the checker parsed; identifiers come from the schema; the few SQL fragments
written here are constants.
"""

from __future__ import annotations

import itertools
import math
from datetime import date, datetime
from typing import Any

import shapely
import sqlglot
from sqlglot import exp

from datapolis.odsql import ast
from datapolis.odsql import types as t
from datapolis.odsql.checker import Context, field_type, geo_field_spec
from datapolis.odsql.dateformat import Component, Text, day_names, month_names
from datapolis.odsql.literals import ParsedDate
from datapolis.odsql.search import FoldedWordSearch, SearchStrategy
from datapolis.schema import FieldSpec

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = 111_320.0
WEB_MERCATOR_METRES_PER_PIXEL_AT_ZOOM_0 = 156_543.033_928


def _number(value: int | float) -> exp.Expression:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        text = f"{value:.1f}"
    else:
        text = repr(value)
    return exp.Literal.number(text)


def _cast(expression: exp.Expression, type_name: str) -> exp.Expression:
    return exp.Cast(this=expression, to=exp.DataType.build(type_name))


def _fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


_AGGREGATE_FUNCTIONS = frozenset({"list", "quantile_cont"})


def _has_aggregate(expression: exp.Expression) -> bool:
    return any(
        isinstance(node, exp.AggFunc)
        or (isinstance(node, exp.Anonymous) and str(node.this).lower() in _AGGREGATE_FUNCTIONS)
        for node in expression.walk()
    )


def _is_double_cast(expression: exp.Expression) -> bool:
    inner = expression.this if isinstance(expression, exp.Paren) else expression
    return isinstance(inner, exp.Cast) and inner.to.is_type(exp.DataType.Type.DOUBLE)


class Printer:
    """Prints the expressions of one query for DuckDB; collects its bound parameters."""

    dialect = "duckdb"
    default_search: type[SearchStrategy] = FoldedWordSearch

    def __init__(self, context: Context, search: SearchStrategy | None = None) -> None:
        self.context = context
        self.search = search or self.default_search()
        self.params: dict[str, Any] = {}
        # Multivalued fields grouped by: field name -> the column holding one of its values.
        self.unnested: dict[str, str] = {}

    # helpers used by search strategies too
    def param(self, value: object) -> exp.Expression:
        name = f"p{len(self.params) + 1}"
        self.params[name] = value
        return exp.Placeholder(this=name)

    def text_param(self, value: str) -> exp.Expression:
        return _cast(self.param(value), "varchar")

    def column(self, spec: FieldSpec) -> exp.Expression:
        return exp.column(exp.to_identifier(spec.name, quoted=True))

    # dispatch
    def expr(self, node: ast.Expr) -> exp.Expression:
        method = getattr(self, f"_{type(node).__name__}")
        return method(node)

    def condition(self, node: ast.Expr) -> exp.Expression:
        return self.expr(node)

    # literals
    def _String(self, node: ast.String) -> exp.Expression:
        return self.text_param(node.resolved if node.resolved is not None else node.value)

    def _Number(self, node: ast.Number) -> exp.Expression:
        value = node.resolved if node.resolved is not None else node.value
        if node.value_type == t.TEXT:
            return self.text_param(str(value))
        return _number(value)

    def _Boolean(self, node: ast.Boolean) -> exp.Expression:
        value = node.resolved if node.resolved is not None else node.value
        if node.value_type == t.TEXT:
            return self.text_param(str(value))
        return exp.Boolean(this=bool(value))

    def _Null(self, node: ast.Null) -> exp.Expression:
        return exp.Null()

    def _DateLiteral(self, node: ast.DateLiteral) -> exp.Expression:
        return self.date_value(node, node.value_type.kind if node.value_type else "datetime")

    def _GeometryLiteral(self, node: ast.GeometryLiteral) -> exp.Expression:
        return self.geometry(node.geometry)

    def date_value(self, node: ast.Literal, target: str) -> exp.Expression:
        """A date literal compared with a `target` (date or datetime) value."""
        parsed: ParsedDate = node.resolved
        if isinstance(node, ast.String | ast.Number) and node.value_type == t.TEXT:
            return self.expr(node)
        zone = self.context.zone
        if target == "date":
            if not parsed.is_instant:
                return _cast(exp.Literal.string(parsed.value.isoformat()), "date")
            local = parsed.value.astimezone(zone).replace(tzinfo=None)
            return _cast(exp.Literal.string(local.isoformat(sep=" ")), "timestamp")
        return self.instant(parsed.start(zone))

    def instant(self, moment: datetime) -> exp.Expression:
        return _cast(exp.Literal.string(moment.isoformat(sep=" ")), "timestamptz")

    def geometry(self, geometry) -> exp.Expression:
        return _fn("ST_GeomFromWKB", self.param(shapely.to_wkb(geometry)))

    # references
    def _Field(self, node: ast.Field) -> exp.Expression:
        if node.alias_of is not None:
            return self.expr(node.alias_of)
        return self.column(node.spec)

    def _Signed(self, node: ast.Signed) -> exp.Expression:
        operand = self.expr(node.operand)
        if node.sign == "+":
            return operand
        return self.overflow_safe(exp.Neg(this=exp.Paren(this=operand)))

    def _Arithmetic(self, node: ast.Arithmetic) -> exp.Expression:
        left, right = exp.Paren(this=self.expr(node.left)), exp.Paren(this=self.expr(node.right))
        if node.operator == "/":
            # Division by zero gives null (§3.2), and 7 / 2 is 3.5 in both engines.
            divisor = exp.Nullif(this=right, expression=_number(0))
            return self.overflow_safe(exp.Div(this=_cast(left, "double"), expression=divisor))
        operation = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}[node.operator]
        return self.overflow_safe(operation(this=left, expression=right))

    def overflow_safe(self, arithmetic: exp.Expression) -> exp.Expression:
        """In DuckDB an overflow is an error; a query must not fail on data, so it gives null.

        TRY() may not hold an aggregate (`count(*) + 1`): there the operands are computed
        as doubles, whose overflow is an infinity rather than an error, and an infinity or
        NaN gives null.
        """
        if not _has_aggregate(arithmetic):
            return _fn("try", arithmetic)
        for operand in (arithmetic.this, arithmetic.args.get("expression")):
            if operand is not None and not _is_double_cast(operand):
                operand.replace(_cast(operand.copy(), "double"))
        finite = _fn("isfinite", arithmetic.copy())
        return exp.Case(ifs=[exp.If(this=finite, true=arithmetic)])

    # where
    def _And(self, node: ast.And) -> exp.Expression:
        return exp.and_(*(self.condition(o) for o in node.operands), copy=False)

    def _Or(self, node: ast.Or) -> exp.Expression:
        return exp.or_(*(self.condition(o) for o in node.operands), copy=False)

    def _Not(self, node: ast.Not) -> exp.Expression:
        # A comparison with null is false (§3.2), so NOT of it is true: NULL must not leak out.
        inner = exp.Coalesce(this=exp.Paren(this=self.condition(node.operand)), expressions=[exp.false()])
        return exp.Not(this=inner)

    def operand_kind(self, node: ast.Expr) -> str:
        return node.value_type.kind if node.value_type else "null"

    def compared(self, node: ast.Expr, other: ast.Expr) -> exp.Expression:
        """Print `node`, a side of a comparison with `other` (dates follow the other side's type)."""
        if isinstance(node, ast.Literal) and isinstance(node.resolved, ParsedDate):
            target = self.operand_kind(other)
            return self.date_value(node, target if target in ("date", "datetime") else "datetime")
        return self.expr(node)

    def _Comparison(self, node: ast.Comparison) -> exp.Expression:
        left, right = node.left, node.right
        if left.value_type.multivalued or right.value_type.multivalued:
            many, one = (left, right) if left.value_type.multivalued else (right, left)
            contains = self.list_contains(self.expr(many), self.compared(one, many))
            return contains if node.operator == "=" else exp.Not(this=contains)
        operations = {"=": exp.EQ, "!=": exp.NEQ, ">": exp.GT, "<": exp.LT, ">=": exp.GTE, "<=": exp.LTE}
        return operations[node.operator](this=self.compared(left, right), expression=self.compared(right, left))

    def list_contains(self, values: exp.Expression, value: exp.Expression) -> exp.Expression:
        return _fn("list_contains", values, value)

    def list_length(self, values: exp.Expression) -> exp.Expression:
        return _fn("len", values)

    def _IsTest(self, node: ast.IsTest) -> exp.Expression:
        operand = self.expr(node.operand)
        if node.what == "null":
            test: exp.Expression = exp.Is(this=operand, expression=exp.Null())
            if node.operand.value_type.multivalued:
                empty = exp.EQ(this=self.list_length(operand.copy()), expression=_number(0))
                test = exp.or_(test, empty, copy=False)
        else:
            test = exp.Is(this=operand, expression=exp.Boolean(this=node.what == "true"))
        return exp.Not(this=exp.Paren(this=test)) if node.negated else test

    def _InRange(self, node: ast.InRange) -> exp.Expression:
        operand = node.operand
        low = (exp.GTE if node.low_inclusive else exp.GT)(
            this=self.expr(operand), expression=self.compared(node.low, operand)
        )
        high = (exp.LTE if node.high_inclusive else exp.LT)(
            this=self.expr(operand), expression=self.compared(node.high, operand)
        )
        return exp.and_(low, high, copy=False)

    def _InList(self, node: ast.InList) -> exp.Expression:
        items = [self.compared(item, node.operand) for item in node.items]
        if node.operand.value_type.multivalued:
            return exp.or_(*(self.list_contains(self.expr(node.operand), item) for item in items), copy=False)
        return exp.In(this=self.expr(node.operand), expressions=items)

    def _InField(self, node: ast.InField) -> exp.Expression:
        value = self.compared(node.value, node.field)
        if node.field.value_type.multivalued:
            return self.list_contains(self.expr(node.field), value)
        return exp.EQ(this=self.expr(node.field), expression=value)

    def _Like(self, node: ast.Like) -> exp.Expression:
        return self.search.like(self, [self.searchable(node.operand)], node.pattern.value)

    def _FullText(self, node: ast.FullText) -> exp.Expression:
        texts = [self.searchable(ast.Field(name=f.name, spec=f, value_type=field_type(f))) for f in node.fields]
        return self.search.full_text(self, texts, node.text)

    def searchable(self, node: ast.Expr) -> exp.Expression:
        """A text expression for full-text predicates (multivalued values joined by spaces)."""
        value = self.expr(node)
        if node.value_type and node.value_type.multivalued:
            return _fn("array_to_string", value, exp.Literal.string(" "))
        return value

    # calls
    def _Call(self, node: ast.Call) -> exp.Expression:
        return getattr(self, f"_call_{node.name}")(node)

    def _args(self, node: ast.Call) -> list[exp.Expression]:
        return [self.expr(a) for a in node.args if isinstance(a, ast.Expr)]

    def _call_length(self, node: ast.Call) -> exp.Expression:
        return exp.Length(this=self.expr(node.args[0]))

    def _call_lower(self, node: ast.Call) -> exp.Expression:
        return exp.Lower(this=self.expr(node.args[0]))

    def _call_upper(self, node: ast.Call) -> exp.Expression:
        return exp.Upper(this=self.expr(node.args[0]))

    def local_time(self, node: ast.Expr) -> exp.Expression:
        """A date, or a datetime as wall-clock time in the query timezone."""
        value = self.expr(node)
        if self.operand_kind(node) == "datetime":
            return exp.AtTimeZone(this=value, zone=exp.Literal.string(self.context.timezone))
        return value

    def date_part(self, unit: str, local: exp.Expression) -> exp.Expression:
        extracted = exp.Extract(this=exp.var(unit.upper()), expression=local)
        if unit == "second":
            extracted = exp.Floor(this=extracted)
        return _cast(extracted, "bigint")

    def _date_part_call(self, node: ast.Call) -> exp.Expression:
        return self.date_part(node.name, self.local_time(node.args[0]))

    _call_year = _call_month = _call_day = _call_hour = _call_minute = _call_second = _date_part_call

    def _call_date_format(self, node: ast.Call) -> exp.Expression:
        local = self.local_time(node.args[0])
        pieces: list[exp.Expression] = []
        for segment in node.resolved["segments"]:
            if isinstance(segment, Text):
                pieces.append(self.text_param(segment.value))
            else:
                pieces.append(self._date_component(segment, local.copy(), node.resolved["lang"]))
        if not pieces:
            return self.text_param("")
        result = pieces[0]
        for piece in pieces[1:]:
            result = exp.DPipe(this=result, expression=piece, safe=False)
        return result

    def _date_component(self, component: Component, local: exp.Expression, lang: str) -> exp.Expression:
        if component.unit in ("month_name", "day_name"):
            unit = "month" if component.unit == "month_name" else "isodow"
            names = (month_names if unit == "month" else day_names)(lang, component.style)
            number = self.date_part(unit, local)
            case = exp.Case(this=number)
            for index, name in enumerate(names, start=1):
                case = case.when(_number(index), exp.Literal.string(name), copy=False)
            return case
        number = self.date_part(component.unit, local)
        if component.unit in ("year", "isoyear") and component.width == 2:
            number = exp.Mod(this=number, expression=_number(100))
        text = _cast(number, "varchar")
        if component.width:
            return exp.Pad(
                this=text, expression=_number(component.width), fill_pattern=exp.Literal.string("0"), is_left=True
            )
        return text

    def _call_json_format(self, node: ast.Call) -> exp.Expression:
        value = self.expr(node.args[0])
        fallback = self.expr(node.args[1]) if len(node.args) == 2 else value.copy()
        return exp.Case(ifs=[exp.If(this=self.json_valid(value.copy()), true=value)], default=fallback)

    def json_valid(self, text: exp.Expression) -> exp.Expression:
        return _fn("json_valid", text)

    def _call_ifnull(self, node: ast.Call) -> exp.Expression:
        first, second = node.args
        return exp.Coalesce(this=self.expr(first), expressions=[self.compared(second, first)])

    def _call_now(self, node: ast.Call) -> exp.Expression:
        return self.instant(node.resolved["value"])

    # geo
    def point_parts(self, spec: FieldSpec) -> tuple[exp.Expression, exp.Expression]:
        column = self.column(spec)
        return (
            exp.Bracket(this=column, expressions=[exp.Literal.string("lon")]),
            exp.Bracket(this=column.copy(), expressions=[exp.Literal.string("lat")]),
        )

    def point_geometry(self, spec: FieldSpec) -> exp.Expression:
        lon, lat = self.point_parts(spec)
        return _fn("ST_Point", lon, lat)

    def field_geometry(self, spec: FieldSpec) -> exp.Expression:
        return self.point_geometry(spec) if spec.type == "geo_point_2d" else self.column(spec)

    def haversine(self, lon: exp.Expression, lat: exp.Expression, lon0: float, lat0: float) -> exp.Expression:
        """Great-circle distance in metres, in plain SQL arithmetic (same in every dialect)."""
        template = (
            "2 * :radius * ASIN(SQRT(POWER(SIN(RADIANS(:lat - :lat0) / 2), 2)"
            " + COS(RADIANS(:lat0)) * COS(RADIANS(:lat)) * POWER(SIN(RADIANS(:lon - :lon0) / 2), 2)))"
        )
        return exp.replace_placeholders(
            _parsed(template),
            radius=_number(EARTH_RADIUS_M),
            lat=lat,
            lon=lon,
            lat0=_number(lat0),
            lon0=_number(lon0),
        )

    def distance_to(self, spec: FieldSpec, lon0: float, lat0: float) -> exp.Expression:
        if spec.type == "geo_point_2d":
            lon, lat = self.point_parts(spec)
            return self.haversine(lon, lat, lon0, lat0)
        closest = _fn("ST_ClosestPoint", self.column(spec), _fn("ST_Point", _number(lon0), _number(lat0)))
        return self.haversine(_fn("ST_X", closest), _fn("ST_Y", closest.copy()), lon0, lat0)

    def _call_distance(self, node: ast.Call) -> exp.Expression:
        resolved = node.resolved
        return self.distance_to(resolved["field"], resolved["lon"], resolved["lat"])

    def bbox_test(self, spec: FieldSpec, west: float, south: float, east: float, north: float) -> exp.Expression:
        if spec.type == "geo_point_2d":
            lon, lat = self.point_parts(spec)
            return exp.and_(
                exp.Between(this=lat, low=_number(south), high=_number(north)),
                exp.Between(this=lon, low=_number(west), high=_number(east)),
                copy=False,
            )
        envelope = _fn("ST_MakeEnvelope", *(_number(v) for v in (west, south, east, north)))
        return _fn("ST_Intersects", self.column(spec), envelope)

    def _call_within_distance(self, node: ast.Call) -> exp.Expression:
        resolved = node.resolved
        spec, lon0, lat0, metres = resolved["field"], resolved["lon"], resolved["lat"], resolved["metres"]
        # A bounding-box prefilter on plain columns first: cheap, and prunable by the engine.
        dlat = metres / METRES_PER_DEGREE
        cos_lat = max(math.cos(math.radians(min(abs(lat0) + dlat, 90.0))), 1e-6)
        dlon = min(metres / (METRES_PER_DEGREE * cos_lat), 360.0)
        prefilter = self.bbox_test(spec, lon0 - dlon, max(lat0 - dlat, -90.0), lon0 + dlon, min(lat0 + dlat, 90.0))
        exact = exp.LTE(this=self.distance_to(spec, lon0, lat0), expression=_number(metres))
        return exp.and_(prefilter, exact, copy=False)

    def _call_in_bbox(self, node: ast.Call) -> exp.Expression:
        r = node.resolved
        return self.bbox_test(r["field"], r["west"], r["south"], r["east"], r["north"])

    def _shape_relation(self, node: ast.Call) -> exp.Expression:
        spec, geometry, relation = node.resolved["field"], node.resolved["geometry"], node.resolved["relation"]
        function = {"intersects": "ST_Intersects", "within": "ST_Within", "disjoint": "ST_Disjoint"}[relation]
        test = _fn(function, self.field_geometry(spec), self.geometry(geometry))
        if relation == "disjoint" or spec.type != "geo_point_2d":
            return test
        west, south, east, north = geometry.bounds
        return exp.and_(self.bbox_test(spec, west, south, east, north), test, copy=False)

    _call_intersects = _call_within = _call_disjoint = _shape_relation

    def _search_call(self, node: ast.Call) -> exp.Expression:
        fields: list[FieldSpec] = node.resolved["fields"]
        texts = [self.searchable(ast.Field(name=f.name, spec=f, value_type=field_type(f))) for f in fields]
        if not texts:
            return exp.false()
        method = getattr(self.search, node.name)
        return method(self, texts, node.resolved["text"])

    _call_search = _call_suggest = _call_startswith = _search_call

    # aggregates
    def _call_count(self, node: ast.Call) -> exp.Expression:
        argument = node.args[0]
        if isinstance(argument, ast.Star):
            return exp.Count(this=exp.Star())
        if isinstance(argument, ast.Distinct):
            return exp.Count(this=exp.Distinct(expressions=[self.expr(argument.expr)]))
        return exp.Count(this=self.expr(argument))

    def _call_sum(self, node: ast.Call) -> exp.Expression:
        total = exp.Sum(this=self.expr(node.args[0]))
        # Integer sums stay exact (HUGEINT in DuckDB, numeric in PostgreSQL): no overflow.
        return total if node.value_type == t.INT else _cast(total, "double")

    def _call_avg(self, node: ast.Call) -> exp.Expression:
        return _cast(exp.Avg(this=self.expr(node.args[0])), "double")

    def _call_min(self, node: ast.Call) -> exp.Expression:
        return exp.Min(this=self.expr(node.args[0]))

    def _call_max(self, node: ast.Call) -> exp.Expression:
        return exp.Max(this=self.expr(node.args[0]))

    def percentile(self, value: exp.Expression, fraction: float) -> exp.Expression:
        return _fn("quantile_cont", value, _number(fraction))

    def _call_median(self, node: ast.Call) -> exp.Expression:
        return _cast(self.percentile(self.expr(node.args[0]), 0.5), "double")

    def _call_percentile(self, node: ast.Call) -> exp.Expression:
        return _cast(self.percentile(self.expr(node.args[0]), node.resolved["fraction"]), "double")

    def _geo_argument(self, node: ast.Call) -> exp.Expression:
        return self.field_geometry(_geo_spec(node))

    def _call_envelope(self, node: ast.Call) -> exp.Expression:
        collected = _fn("ST_Collect", _fn("list", self._geo_argument(node)))
        return _fn("ST_ConvexHull", collected)

    def _call_bbox(self, node: ast.Call) -> exp.Expression:
        """The bounding box from plain min/max aggregates of coordinates.

        Not ST_Extent_Agg: in DuckDB 1.5 its aggregate state overwrites the state of an
        aggregate placed before it (`list()` of envelope() in the same select), which gave
        wrong values, then a double free or an invalidated database (issue 10).
        """
        spec = _geo_spec(node)
        if spec.type == "geo_point_2d":
            lon, lat = self.point_parts(spec)
            low_x, low_y, high_x, high_y = lon.copy(), lat.copy(), lon, lat
        else:
            column = self.column(spec)
            low_x, low_y = _fn("ST_XMin", column), _fn("ST_YMin", column.copy())
            high_x, high_y = _fn("ST_XMax", column.copy()), _fn("ST_YMax", column.copy())
        corners = (exp.Min(this=low_x), exp.Min(this=low_y), exp.Max(this=high_x), exp.Max(this=high_y))
        return _fn("ST_MakeEnvelope", *(_cast(corner, "double") for corner in corners))

    # group_by
    def group_value(self, node: ast.Expr) -> exp.Expression:
        """The SQL value of a group_by expression (decoded into API values by the compiler)."""
        target = node
        while isinstance(target, ast.Field) and target.alias_of is not None:
            target = target.alias_of
        if isinstance(target, ast.Field) and target.spec is not None and target.spec.name in self.unnested:
            return exp.column(exp.to_identifier(self.unnested[target.spec.name], quoted=True))
        if isinstance(target, ast.Call) and target.name == "range":
            return self.range_value(target)
        if isinstance(target, ast.Call) and target.name == "geo_cluster":
            return self.cluster_center(target)
        return self.expr(node)

    def unnest_values(self, spec: FieldSpec) -> exp.Expression:
        """One row per distinct value of a multivalued field; a record without values keeps one
        row with null, so it lands in the null group as with a plain field."""
        some = _fn("list_distinct", self.column(spec))
        size = exp.Length(this=some.copy())
        none = exp.Array(expressions=[exp.Null()])
        return _fn("unnest", some_or_null(some, size, none))

    def group_terms(self, node: ast.Expr) -> list[exp.Expression] | None:
        """What to GROUP BY when it differs from the output value (geo_cluster cells)."""
        if isinstance(node, ast.Call) and node.name == "geo_cluster":
            spec = node.resolved["field"]
            cell = self.cluster_cell_degrees(node.resolved["zoom"], node.resolved["radius"])
            lon, lat = self.point_parts(spec)
            return [exp.Floor(this=exp.Div(this=part, expression=_number(cell))) for part in (lon, lat)]
        return None

    def range_value(self, node: ast.Call) -> exp.Expression:
        subject = node.args[0]
        resolved = node.resolved
        if resolved["mode"] == "width":
            width = resolved["width"]
            if self.operand_kind(subject) == "int" and isinstance(width, int):
                exact = self.int_bucket(subject, width)
                if exact is not None:
                    return exact
            bucket = exp.Floor(this=exp.Div(this=_cast(self.expr(subject), "double"), expression=_number(width)))
            if self.operand_kind(subject) == "int" and isinstance(width, int):
                return exp.Mul(this=_cast(bucket, "bigint"), expression=_number(width))
            return exp.Mul(this=bucket, expression=_number(width))
        if resolved["mode"] == "calendar":
            return self.calendar_bucket(subject, resolved["unit"], resolved["amount"])
        return self.static_bucket(node)

    def int_bucket(self, subject: ast.Expr, width: int) -> exp.Expression | None:
        """The bucket of an integer, exact in 128-bit integers: through a double, 2^63 - 1
        rounds to 2^63 and its cast back to BIGINT failed (a 500 on a dataset holding the
        largest integer). None where the dialect has no such integers."""
        value = _cast(self.expr(subject), "hugeint")
        offset = exp.Mod(this=exp.Paren(this=exp.Add(this=exp.Mod(this=value.copy(), expression=_number(width)),
                         expression=_number(width))), expression=_number(width))  # fmt: skip
        return exp.Sub(this=value, expression=exp.Paren(this=offset))

    def calendar_bucket(self, subject: ast.Expr, unit: str, amount: int) -> exp.Expression:
        local = self.local_time(subject)
        if self.operand_kind(subject) == "date":
            local = _cast(local, "timestamp")
        if amount == 1:
            return exp.TimestampTrunc(this=local, unit=exp.var(unit.upper()))
        interval = exp.Interval(this=exp.Literal.string(str(amount)), unit=exp.var(unit.upper()))
        return self.time_bucket(interval, local)

    def time_bucket(self, interval: exp.Expression, local: exp.Expression) -> exp.Expression:
        return _fn("time_bucket", interval, local)

    def static_bucket(self, node: ast.Call) -> exp.Expression:
        """The index of the static range a value falls in (0 = below the first bound if open)."""
        subject = node.args[0]
        resolved = node.resolved
        bounds = resolved["bounds"]
        value = self.expr(subject)
        case = exp.Case()
        index = 0
        if resolved["open_low"]:
            case = case.when(
                exp.LT(this=value.copy(), expression=self.compared(bounds[0], subject)), _number(0), copy=False
            )
        for low, high in itertools.pairwise(bounds):
            index += 1
            inside = exp.and_(
                exp.GTE(this=value.copy(), expression=self.compared(low, subject)),
                exp.LT(this=value.copy(), expression=self.compared(high, subject)),
                copy=False,
            )
            case = case.when(inside, _number(index), copy=False)
        if resolved["open_high"]:
            last = exp.GTE(this=value.copy(), expression=self.compared(bounds[-1], subject))
            case = case.when(last, _number(index + 1), copy=False)
        return case

    def cluster_cell_degrees(self, zoom: int, radius: int | float) -> float:
        metres = radius * WEB_MERCATOR_METRES_PER_PIXEL_AT_ZOOM_0 / (2**zoom)
        return metres / METRES_PER_DEGREE

    def cluster_center(self, node: ast.Call) -> exp.Expression:
        lon, lat = self.point_parts(node.resolved["field"])
        return exp.Struct(
            expressions=[
                exp.PropertyEQ(this=exp.to_identifier("lon"), expression=exp.Avg(this=lon)),
                exp.PropertyEQ(this=exp.to_identifier("lat"), expression=exp.Avg(this=lat)),
            ]
        )

    # order_by
    def random_order(self, seed: int, keys: list[exp.Expression]) -> exp.Expression:
        return _fn("hash", *keys, _number(seed))


def some_or_null(some: exp.Expression, size: exp.Expression, none: exp.Expression) -> exp.Expression:
    """`some` when it holds values, else `none` (a list holding one null)."""
    return exp.Case(ifs=[exp.If(this=exp.GT(this=size, expression=_number(0)), true=some)], default=none)


def _geo_spec(node: ast.Call) -> FieldSpec:
    """The geo field argument of envelope() or bbox() (the checker made sure it is one)."""
    spec = geo_field_spec(node.args[0])
    assert spec is not None, node
    return spec


_TEMPLATES: dict[str, exp.Expression] = {}


def _parsed(template: str) -> exp.Expression:
    if template not in _TEMPLATES:
        _TEMPLATES[template] = sqlglot.parse_one(template)
    return _TEMPLATES[template].copy()


def iso_value(value: Any, zone) -> Any:
    """A date or datetime as the API writes it: ISO 8601, datetimes in the query timezone."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.isoformat()
        return value.astimezone(zone).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
