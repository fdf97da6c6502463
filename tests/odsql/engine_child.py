"""A child process that runs ODSQL queries on the real engine, so a crash cannot kill pytest.

The child builds one table holding every field type (text, int, double, date, datetime,
boolean, geo_point_2d, geo_shape, a multivalued text) with nulls and extreme values, and
answers each request (QuerySpec keyword arguments) the way the Explore API does: the
records query, its count and the page-with-total query, each compiled, run and decoded.

It answers one of:
- ("ok", rows): every query ran and decoded;
- ("odsql", message): the checker refused the query (an ODSQLError, a 400);
- ("engine", error type, message, sql): the engine refused a query the checker accepted;
- ("compile", error type, message, where): the compiler failed on a query the checker accepted;
- ("decode", error type, message, where): a value could not be turned into its API value;
- ("invalidated", error type, message, sql): the database no longer answers; the child exits.
A child killed by a signal (a crash) is seen by its parent as a negative exit code.
"""

from __future__ import annotations

import multiprocessing
import traceback
from multiprocessing.connection import Connection
from typing import Any

import duckdb

from datapolis.engine.extensions import load_extensions
from datapolis.engine.failures import is_engine_failure
from datapolis.odsql import ODSQLError, QuerySpec, compile_count, compile_page_with_total, compile_query
from datapolis.schema import FieldSpec, Relation

TABLE = "fuzzed"
MULTI = {"multivalued": [","]}
SCHEMA = [
    FieldSpec("t", "Texte", "text"),
    FieldSpec("i", "Entier", "int"),
    FieldSpec("x", "Décimal", "double"),
    FieldSpec("d", "Date", "date"),
    FieldSpec("dt", "Horodatage", "datetime"),
    FieldSpec("b", "Booléen", "boolean"),
    FieldSpec("p", "Point", "geo_point_2d"),
    FieldSpec("s", "Forme", "geo_shape"),
    FieldSpec("m", "Étiquettes", "text", annotations=MULTI),
]

_TEXTS = ["alpha", "Beta", "", "Épée d'or", '{"a": [1, 2]}', "[1, 2", "日本語", "x" * 300, "50%_off", "a\\b", None]
_INTS = [0, 1, -1, 42, 9_223_372_036_854_775_807, -9_223_372_036_854_775_808, 1_000_000, None]
_DOUBLES = [0.0, -0.0, 2.5, -3.75, 1e308, -1e308, 5e-324, 123456.789, float("nan"), float("inf"), None]
_DATES = ["2020-02-29", "1970-01-01", "0001-01-01", "9999-12-31", "2024-12-31", None]
_DATETIMES = ["2020-02-29 23:59:59+00", "1970-01-01 00:00:00+00", "0001-01-02 00:00:00+00",
              "9999-12-30 23:59:59+00", "2024-03-31 01:30:00+01", None]  # fmt: skip
_BOOLEANS = [True, False, None]
_POINTS = [(2.35, 48.85), (-0.55, 47.47), (180.0, 90.0), (-180.0, -90.0), (0.0, 0.0), (2.0, None), None]
_SHAPES = [
    "POINT (2.35 48.85)",
    "POLYGON ((0 40, 10 40, 10 50, 0 50, 0 40))",
    "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
    "LINESTRING (-1 45, 3 49)",
    "POLYGON EMPTY",
    "GEOMETRYCOLLECTION (POINT (1 1), LINESTRING (0 0, 2 2))",
    None,
]
_LISTS = [["vélo", "gare"], [], None, ["a", None], ["a", "a", "b"], ["Écoles"]]
ROW_COUNT = 240


def _row(n: int) -> tuple[Any, ...]:
    def pick(values: list[Any], step: int) -> Any:
        return values[(n * step + n // len(values)) % len(values)]

    point = pick(_POINTS, 3)
    return (
        f"r{n}",
        pick(_TEXTS, 1),
        pick(_INTS, 5),
        pick(_DOUBLES, 7),
        pick(_DATES, 2),
        pick(_DATETIMES, 11),
        pick(_BOOLEANS, 1),
        None if point is None else {"lon": point[0], "lat": point[1]},
        pick(_SHAPES, 13),
        pick(_LISTS, 17),
    )


def build_table(con: duckdb.DuckDBPyConnection) -> Relation:
    con.execute(
        f"""CREATE OR REPLACE TABLE {TABLE} (_id VARCHAR, t VARCHAR, i BIGINT, x DOUBLE, d DATE, dt TIMESTAMPTZ,
        b BOOLEAN, p STRUCT(lon DOUBLE, lat DOUBLE), s_text VARCHAR, m VARCHAR[])"""
    )
    con.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [_row(n) for n in range(ROW_COUNT)])
    con.execute(
        f"CREATE OR REPLACE TABLE {TABLE}_data AS SELECT * EXCLUDE (s_text), ST_GeomFromText(s_text) AS s FROM {TABLE}"
    )
    return Relation(f"{TABLE}_data", None, "rowid")


def answer(con: duckdb.DuckDBPyConnection, relation: Relation, request: dict[str, Any]) -> tuple:
    """Run one request like the records endpoint does; say how it went."""
    spec = QuerySpec(**request)
    try:
        compiled = [compile_query(spec, SCHEMA, relation), compile_count(spec, SCHEMA, relation)]
        together = compile_page_with_total(spec, SCHEMA, relation)
    except ODSQLError as error:
        return ("odsql", str(error))
    except Exception as error:  # a compiler failure is a 500 to report
        return ("compile", type(error).__name__, str(error), traceback.format_exc(limit=-3))
    if together is not None:
        compiled.append(together)
    rows = None
    for query in compiled:
        try:
            result = con.execute(query.sql, query.params).fetchall()
        except duckdb.Error as error:
            kind = "invalidated" if is_engine_failure(error) or not _alive(con) else "engine"
            return (kind, type(error).__name__, str(error).splitlines()[0], query.sql)
        try:
            decoded = query.decode_rows(result)
        except Exception as error:  # any decoding failure is a 500 to report
            return ("decode", type(error).__name__, str(error), traceback.format_exc(limit=-3))
        rows = len(decoded) if rows is None else rows
    return ("ok", rows)


def _alive(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        con.execute("SELECT 1").fetchall()
    except duckdb.Error:
        return False
    return True


def serve(channel: Connection) -> None:
    """The child's loop: a request in, an answer out, until None or an invalidated database."""
    con = duckdb.connect()
    load_extensions(con, ("spatial", "fts"))
    relation = build_table(con)
    channel.send(("ready", ROW_COUNT))
    while (request := channel.recv()) is not None:
        reply = answer(con, relation, request)
        channel.send(reply)
        if reply[0] == "invalidated":
            return


class EngineChild:
    """The parent's handle: send a request, get the answer, or ("crash", signal) if the child died."""

    def __init__(self, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self.context = multiprocessing.get_context("spawn")
        self.process: multiprocessing.process.BaseProcess | None = None
        self.channel: Connection | None = None
        self.restarts = 0

    def start(self) -> None:
        parent, child = self.context.Pipe()
        self.process = self.context.Process(target=serve, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.channel = parent
        ready = self._receive()
        assert ready[0] == "ready", ready

    def _receive(self) -> tuple:
        assert self.channel is not None and self.process is not None
        if not self.channel.poll(self.timeout):
            self.process.kill()
            self.process.join()
            return ("timeout", self.timeout)
        try:
            return self.channel.recv()
        except EOFError:
            self.process.join()
            return ("crash", self.process.exitcode)

    def run(self, request: dict[str, Any]) -> tuple:
        if self.process is None or not self.process.is_alive():
            if self.process is not None:
                self.restarts += 1
            self.start()
        assert self.channel is not None
        try:
            self.channel.send(request)
        except (BrokenPipeError, OSError):
            self.process.join()
            return ("crash", self.process.exitcode)
        reply = self._receive()
        if reply[0] == "invalidated" and self.process is not None:
            self.process.join()
        return reply

    def stop(self) -> None:
        if self.process is not None and self.process.is_alive():
            assert self.channel is not None
            self.channel.send(None)
            self.process.join(10)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
