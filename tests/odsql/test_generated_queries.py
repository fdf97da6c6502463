"""Generated ODSQL: every query either compiles and runs, or is an ODSQLError; and on small
data the results equal a plain-Python evaluation of the same query over the same rows."""

from __future__ import annotations

import functools
import operator
from datetime import date

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from datapolis.odsql import RELATION_PLACEHOLDER, ODSQLError, QuerySpec, compile_count, compile_query
from datapolis.schema import FieldSpec

SCHEMA = [
    FieldSpec("id", "Id", "int"),
    FieldSpec("a", "A", "int"),
    FieldSpec("b", "B", "double"),
    FieldSpec("s", "S", "text"),
    FieldSpec("flag", "Flag", "boolean"),
    FieldSpec("d", "D", "date"),
    FieldSpec("geo", "Geo", "geo_point_2d"),
]
ROWS = [
    {"id": 1, "a": 1, "b": 0.5, "s": "alpha", "flag": True, "d": date(2020, 1, 1)},
    {"id": 2, "a": -3, "b": None, "s": "Beta", "flag": False, "d": date(2021, 6, 15)},
    {"id": 3, "a": None, "b": 2.25, "s": None, "flag": None, "d": None},
    {"id": 4, "a": 0, "b": -1.0, "s": "gamma delta", "flag": True, "d": date(2019, 12, 31)},
    {"id": 5, "a": 7, "b": 7.0, "s": "alpha", "flag": False, "d": date(2020, 2, 29)},
    {"id": 6, "a": 2, "b": 0.0, "s": "", "flag": None, "d": date(2020, 1, 1)},
    {"id": 7, "a": 7, "b": None, "s": "Épée d'or", "flag": True, "d": date(2022, 3, 1)},
    {"id": 8, "a": -1, "b": 3.5, "s": "beta", "flag": False, "d": None},
]
TEXTS = ["alpha", "Beta", "beta", "", "Épée d'or", "gamma delta", "zeta", 'quote"s', "b"]

# Every SQL function the printer may emit; anything else in a printed tree is a bug.
ALLOWED_SQL_FUNCTIONS = {
    "ABS", "ARRAY", "ARRAY_TO_STRING", "ASIN", "AVG", "CASE", "CAST", "COALESCE", "CONCAT_WS", "COS", "COUNT",
    "DATE_TRUNC", "EXTRACT", "FLOOR", "HASH", "IF", "JSON_VALID", "LENGTH", "LEVENSHTEIN", "LIST", "LIST_BOOL_OR",
    "LIST_CONTAINS", "LIST_HAS_ALL", "LIST_TRANSFORM", "LOWER", "MAX", "MIN", "NULLIF", "PAD", "POWER",
    "QUANTILE_CONT", "RADIANS", "REGEXP_REPLACE", "REGEXP_SPLIT_TO_ARRAY", "SIN", "SQRT", "STARTS_WITH", "STEM",
    "STRIP_ACCENTS", "STRUCT", "ST_ASGEOJSON", "ST_CLOSESTPOINT", "ST_COLLECT", "ST_CONVEXHULL", "ST_DISJOINT",
    "ST_GEOMFROMWKB", "ST_INTERSECTS", "ST_MAKEENVELOPE", "ST_POINT", "ST_WITHIN", "ST_X", "ST_XMAX", "ST_XMIN",
    "ST_Y", "ST_YMAX", "ST_YMIN", "ISFINITE",
    "SUM", "TIME_BUCKET", "TIMESTAMP_TRUNC", "TRANSFORM", "TRY", "LEN", "CARDINALITY", "TRANSLATE", "EXISTS",
    "UNNEST", "ARRAY_CONTAINS_ALL", "JSON_BUILD_OBJECT", "PG_INPUT_IS_VALID", "UPPER", "ANY", "DATE_BIN", "MD5",
    "PERCENTILE_CONT",
}  # fmt: skip


@pytest.fixture(scope="module")
def table(duck: duckdb.DuckDBPyConnection) -> str:
    duck.execute(
        "CREATE OR REPLACE TABLE generated (_id VARCHAR, id BIGINT, a BIGINT, b DOUBLE, s VARCHAR, flag BOOLEAN,"
        " d DATE, geo STRUCT(lon DOUBLE, lat DOUBLE))"
    )
    for row in ROWS:
        duck.execute(
            "INSERT INTO generated VALUES (?, ?, ?, ?, ?, ?, ?, {'lon': 2.0 + ? / 100, 'lat': 48.0})",
            [str(row["id"]), row["id"], row["a"], row["b"], row["s"], row["flag"], row["d"], row["id"]],
        )
    return "generated"


def sql_function_names(tree: exp.Expression) -> set[str]:
    names = set()
    for node in tree.find_all(exp.Func):
        if isinstance(node, exp.Connector):  # AND / OR are operators, not functions
            continue
        names.add(str(node.this).upper() if isinstance(node, exp.Anonymous) else node.sql_name().upper())
    return names


def run(duck, table: str, **spec):
    compiled = compile_query(QuerySpec(**spec), SCHEMA, table)
    assert sql_function_names(compiled.expression) <= ALLOWED_SQL_FUNCTIONS
    tables = {t.name for t in compiled.expression.find_all(exp.Table)}
    assert tables == {RELATION_PLACEHOLDER}
    return compiled.decode_rows(duck.execute(compiled.sql, compiled.params).fetchall())


# Expressions as (ODSQL text, Python evaluator) pairs --------------------------------------


def lift(function):
    """Apply `function` unless an argument is None (SQL null propagation)."""

    def apply(*values):
        return None if any(v is None for v in values) else function(*values)

    return apply


def divide(x, y):
    return None if y == 0 else x / y


ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": divide}
COMPARISONS = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}

numeric_leaf = st.one_of(
    st.sampled_from(["a", "b"]).map(lambda name: (name, lambda r, n=name: r[n])),
    st.integers(-6, 9).map(lambda n: (str(n) if n >= 0 else f"({n})", lambda r, n=n: n)),
    st.sampled_from([0.5, 1.25, 2.0]).map(lambda x: (repr(x), lambda r, x=x: x)),
)


def _combine(parts):
    (left_text, left), symbol, (right_text, right) = parts
    evaluate = lift(ARITHMETIC[symbol])
    return f"({left_text} {symbol} {right_text})", lambda r: evaluate(left(r), right(r))


numeric = st.recursive(
    numeric_leaf, lambda inner: st.tuples(inner, st.sampled_from(sorted(ARITHMETIC)), inner).map(_combine), max_leaves=4
)


def kleene_and(x, y):
    if x is False or y is False:
        return False
    return None if x is None or y is None else True


def kleene_or(x, y):
    if x is True or y is True:
        return True
    return None if x is None or y is None else False


def _comparison(parts):
    (left_text, left), symbol, (right_text, right) = parts
    return f"{left_text} {symbol} {right_text}", lambda r: lift(COMPARISONS[symbol])(left(r), right(r))


def _text_test(parts):
    symbol, value = parts
    literal = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"s {symbol} {literal}", lambda r: lift(COMPARISONS[symbol])(r["s"], value)


def _range(parts):
    low, high, low_closed, high_closed = parts
    text = f"a in {'[' if low_closed else ']'}{low}..{high}{']' if high_closed else '['}"

    def evaluate(r):
        above = lift(operator.ge if low_closed else operator.gt)(r["a"], low)
        below = lift(operator.le if high_closed else operator.lt)(r["a"], high)
        return kleene_and(above, below)

    return text, evaluate


def _in_list(values):
    text = "s in (" + ", ".join('"' + v.replace('"', '\\"') + '"' for v in values) + ")"
    return text, lambda r: lift(lambda s: s in values)(r["s"])


NULL_TESTS = [
    ("s is null", lambda r: r["s"] is None),
    ("b is not null", lambda r: r["b"] is not None),
    ("flag", lambda r: r["flag"]),
    ("flag is true", lambda r: r["flag"] is True),
    ("flag is false", lambda r: r["flag"] is False),
    ("flag is not true", lambda r: r["flag"] is not True),
    ("d > date'2020-01-01'", lambda r: lift(operator.gt)(r["d"], date(2020, 1, 1))),
    ("d in [date'2020'..date'2021'[", lambda r: lift(lambda d: date(2020, 1, 1) <= d < date(2021, 1, 1))(r["d"])),
    ("d:date'2020/01/01'", lambda r: lift(operator.eq)(r["d"], date(2020, 1, 1))),
]

condition_leaf = st.one_of(
    st.tuples(numeric, st.sampled_from(sorted(COMPARISONS)), numeric).map(_comparison),
    st.tuples(st.sampled_from(sorted(COMPARISONS)), st.sampled_from(TEXTS)).map(_text_test),
    st.tuples(st.integers(-4, 8), st.integers(-4, 8), st.booleans(), st.booleans()).map(_range),
    st.lists(st.sampled_from(TEXTS), min_size=1, max_size=3).map(_in_list),
    st.sampled_from(NULL_TESTS),
)


def _logic(parts):
    kind, (left_text, left), (right_text, right) = parts
    if kind == "not":
        return f"not ({left_text})", lambda r: not (left(r) or False)
    joined = kleene_and if kind == "and" else kleene_or
    return f"({left_text}) {kind} ({right_text})", lambda r: joined(left(r), right(r))


conditions = st.recursive(
    condition_leaf,
    lambda inner: st.tuples(st.sampled_from(["and", "or", "not"]), inner, inner).map(_logic),
    max_leaves=5,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(condition=conditions)
def test_where_matches_python(duck, table, condition):
    text, evaluate = condition
    rows = run(duck, table, select="id", where=text)
    assert sorted(r["id"] for r in rows) == [r["id"] for r in ROWS if evaluate(r) is True], text


@SETTINGS
@given(expression=numeric)
def test_arithmetic_matches_python(duck, table, expression):
    text, evaluate = expression
    rows = run(duck, table, select=f"id, {text} as v")
    got = {r["id"]: r["v"] for r in rows}
    for row in ROWS:
        expected = evaluate(row)
        assert (got[row["id"]] is None) == (expected is None), text
        if expected is not None:
            assert got[row["id"]] == pytest.approx(expected, rel=1e-12, abs=1e-12), text


AGGREGATES = {
    "count(*)": lambda rows: len(rows),
    "count(b)": lambda rows: sum(r["b"] is not None for r in rows),
    "sum(a)": lambda rows: (
        sum(v for r in rows if (v := r["a"]) is not None) if any(r["a"] is not None for r in rows) else None
    ),
    "avg(b)": lambda rows: (sum(vs) / len(vs)) if (vs := [r["b"] for r in rows if r["b"] is not None]) else None,
    "min(a)": lambda rows: min(vs) if (vs := [r["a"] for r in rows if r["a"] is not None]) else None,
    "max(d)": lambda rows: max(vs).isoformat() if (vs := [r["d"] for r in rows if r["d"] is not None]) else None,
}


@SETTINGS
@given(
    key=st.sampled_from(["s", "flag", "a"]),
    aggregates=st.lists(st.sampled_from(sorted(AGGREGATES)), min_size=1, max_size=3, unique=True),
    condition=st.one_of(st.none(), conditions),
)
def test_group_by_matches_python(duck, table, key, aggregates, condition):
    names = [f"x{i}" for i in range(len(aggregates))]
    select = ", ".join(f"{agg} as {name}" for agg, name in zip(aggregates, names, strict=True))
    where = condition[0] if condition else None
    kept = [r for r in ROWS if condition is None or condition[1](r) is True]
    rows = run(duck, table, select=select, group_by=key, where=where)
    groups: dict = {}
    for row in kept:
        groups.setdefault(row[key], []).append(row)
    expected = {k: [AGGREGATES[a](v) for a in aggregates] for k, v in groups.items()}
    got = {r[key]: [r[n] for n in names] for r in rows}
    assert got.keys() == expected.keys()
    for k, values in expected.items():
        assert got[k] == pytest.approx(values), (select, key, where)
    count = compile_count(QuerySpec(select=select, group_by=key, where=where), SCHEMA, table)
    assert duck.execute(count.sql, count.params).fetchone()[0] == len(groups)


def _compare(keys):
    def compare(x, y):
        for name, descending in keys:
            left, right = x[name], y[name]
            if left == right:
                continue
            if left is None or right is None:  # nulls last in both directions
                return 1 if left is None else -1
            result = -1 if left < right else 1
            return -result if descending else result
        return 0

    return compare


@SETTINGS
@given(
    keys=st.lists(st.tuples(st.sampled_from(["a", "b", "s", "d", "flag"]), st.booleans()), min_size=1, max_size=2),
    limit=st.integers(0, 9),
    offset=st.integers(0, 3),
)
def test_order_by_and_paging_match_python(duck, table, keys, limit, offset):
    order_by = ", ".join(f"{name} {'desc' if desc else 'asc'}" for name, desc in keys) + ", id"
    rows = run(duck, table, select="id", order_by=order_by, limit=limit, offset=offset)
    ordered = sorted(ROWS, key=functools.cmp_to_key(_compare([*keys, ("id", False)])))
    assert [r["id"] for r in rows] == [r["id"] for r in ordered][offset : offset + limit]


# Adversarial text -------------------------------------------------------------------------

VOCABULARY = [
    "a", "b", "s", "flag", "d", "geo", "id", "`a`", "`s`", "and", "or", "not", "is", "null", "true", "false", "in",
    "like", "as", "asc", "desc", "distinct", "to", "(", ")", ",", "[", "]", "..", ":", "=", "!=", "<>", ">", "<",
    ">=", "<=", "+", "-", "*", "/", "1", "0", "-2", "3.5", "1e3", '"x"', "'y'", "date'2020'", "date'2020-13-01'",
    "geom'POINT(2 48)'", "geom'{\"type\":\"Point\",\"coordinates\":[2,48]}'", "geom'nonsense'", "count(*)", "sum(a)",
    "avg(b)", "year(d)", "date_format(d, 'yyyy')", "range(a, 2)", "range(d, 1 M)", "geo_cluster(geo, 4)", "now()",
    "random(1)", "search(s, \"al\")", "suggest(\"be\")", "startswith(s, \"a\")",
    "within_distance(geo, geom'POINT(2 48)', 5km)",
    "in_bbox(geo, 47, 1, 49, 3)", "length(s)", "lower(s)", "ifnull(a, 0)", "include(a*)", "exclude(s)",
    "'; DROP TABLE generated; --", '"); DROP TABLE generated; --', "/* comment */", "-- comment", ";", "$p1",
    "%(p1)s", "%s", "\\", "\"unterminated", "`", "é", "日本", "\u0000", "\U0001f600", "__odsql_relation__",
]  # fmt: skip

adversarial = st.one_of(
    st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=8).map(" ".join),
    st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=8).map("".join),
    st.text(max_size=40),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(clause=st.sampled_from(["select", "where", "group_by", "order_by"]), text=adversarial)
def test_any_text_compiles_and_runs_or_is_an_odsql_error(duck, table, clause, text):
    try:
        compiled = compile_query(QuerySpec(**{clause: text}), SCHEMA, table)
    except ODSQLError as error:
        assert error.clause == clause
        return
    assert sql_function_names(compiled.expression) <= ALLOWED_SQL_FUNCTIONS
    assert {t.name for t in compiled.expression.find_all(exp.Table)} == {RELATION_PLACEHOLDER}
    assert ";" not in compiled.sql and "DROP" not in compiled.sql.upper() and "--" not in compiled.sql
    for value in compiled.params.values():
        assert isinstance(value, str | bytes)
    duck.execute(compiled.sql, compiled.params).fetchall()
    count = compile_count(QuerySpec(**{clause: text}), SCHEMA, table)
    duck.execute(count.sql, count.params).fetchall()
