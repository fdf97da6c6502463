"""Compile a list of steps into one chain of CTEs, check it, and run it or preview it.

The pipeline's input gets a row number (ROW, 1-based, in the input's order) carried by
every step: it orders the result (`Prepared.order_column`) and names the row of a value
that fails. Steps that can fail on a value declare checks: the first failing row is found
by SQL (TRY_CAST & co. give NULL, the check looks for the NULLs that were values), never
from DuckDB's exception text.

`apply_steps` computes the chain once: compiled with `Frame.carry`, every step passes on
columns saying, for each row of the input, whether a step kept it, changed it, or failed
on it (with the value); steps that drop rows only mark them. That one table gives every
check and every count in a single aggregate pass, then loses its dropped rows and carried
columns and is the result. A pipeline that multiplies rows (unpivot), or that DuckDB
refuses to run that way, goes the step-by-step way: a query per check over the chain, the
result written, the counts over the chain.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import duckdb

from datapolis.engine import Prepared
from datapolis.schema import FieldSpec
from datapolis.steps.frame import CARRIED_PREFIX, ROW, ROW_SQL, Frame, StepSQL, ident
from datapolis.steps.model import Applied, Preview, Step, StepContext, StepCount, StepError
from datapolis.steps.registry import PROCESSORS

# Steps that give several rows for one input row: a row's marks cannot follow it.
MULTIPLYING = frozenset({"unpivot"})


@dataclass
class Compiled:
    ctes: list[tuple[str, str]]  # (name, SELECT)
    steps: list[StepSQL]
    fields: list[FieldSpec]
    params: dict[str, Any]
    lookups: dict[str, str] = field(default_factory=dict)
    # Compiled carrying (see Frame.carry): per step, the kept column before and after it,
    # its changed column, and its checks' (flag, value) columns.
    alive: list[str] = field(default_factory=list)
    changed: list[str | None] = field(default_factory=list)
    failed: list[list[tuple[str, str]]] = field(default_factory=list)

    def with_clause(self, upto: int | None = None) -> str:
        ctes = self.ctes if upto is None else self.ctes[: upto + 1]
        return "WITH " + ", ".join(f"{ident(name)} AS ({sql})" for name, sql in ctes)

    def render(self, sql: str) -> str:
        for placeholder, relation in self.lookups.items():
            sql = sql.replace(ident(placeholder), f"({relation})")
        return sql

    def used_params(self, sql: str) -> dict[str, Any]:
        return {name: value for name, value in self.params.items() if f"${name}" in sql}


def _input_sql(prepared: Prepared, limit: int | None, carry: bool = False) -> str:
    order = f"ORDER BY {ident(prepared.order_column)}" if prepared.order_column else ""
    columns = ", ".join(ident(spec.name) for spec in prepared.fields)
    inner = f"SELECT {columns} FROM {ident(prepared.relation)}"
    if prepared.order_column:
        inner += f" {order}"
    if limit is not None:
        inner += f" LIMIT {int(limit)}"
    kept = f", true AS {ident(CARRIED_PREFIX + 'kept_0')}" if carry else ""
    return f"SELECT row_number() OVER () AS {ROW_SQL}, {columns}{kept} FROM ({inner})"


def compile_steps(
    prepared: Prepared,
    steps: Sequence[Step],
    context: StepContext | None = None,
    *,
    limit: int | None = None,
    carry: bool = False,
) -> Compiled:
    """The CTE chain of `steps` over `prepared`; raises StepError for a step that does not fit.

    `carry`: compiled for one materialisation (see the module's docstring); no step may
    multiply rows then.
    """
    context = context or StepContext()
    compiled = Compiled([("s0", _input_sql(prepared, limit, carry))], [], list(prepared.fields), {})
    alive = ident(f"{CARRIED_PREFIX}kept_0")
    for index, step in enumerate(steps, start=1):
        processor = PROCESSORS.get(step.kind)
        if processor is None:
            raise StepError(index, step.kind, f"unknown kind; kinds are {', '.join(sorted(PROCESSORS))}")
        source = ident(f"f{index}" if carry else f"s{index - 1}")
        frame = Frame(index, step.kind, source, compiled.fields, compiled.params, context, carry=carry, alive=alive)
        out = processor.build(frame, dict(step.options))
        if not out.fields:
            raise StepError(index, step.kind, "no field would be left")
        compiled.lookups.update(frame.lookups)
        if carry:
            compiled.ctes.append((f"f{index}", _marks(compiled, index, out, alive)))
            compiled.alive.append(alive)
            alive = out.kept or alive
        compiled.ctes.append((f"s{index}", out.sql))
        compiled.steps.append(out)
        compiled.fields = out.fields
    compiled.alive.append(alive)
    return compiled


def _marks(compiled: Compiled, index: int, out: StepSQL, alive: str) -> str:
    """The input of step `index` with its marks: values changed, values failing each check.

    The step's SQL names its input `f{index}`; so does this SELECT, over `s{index - 1}`.
    """
    marks = []
    changed = None
    if out.changed:
        changed = ident(f"{CARRIED_PREFIX}changed_{index}")
        marks.append(f"({alive} AND coalesce(({out.changed}), false)) AS {changed}")
    failed = []
    for number, check in enumerate(out.checks, start=1):
        flag = ident(f"{CARRIED_PREFIX}failed_{index}_{number}")
        value = ident(f"{CARRIED_PREFIX}value_{index}_{number}")
        marks.append(f"({alive} AND coalesce(({check.condition}), false)) AS {flag}")
        marks.append(f"CASE WHEN {flag} THEN CAST(({check.value}) AS VARCHAR) END AS {value}")
        failed.append((flag, value))
    compiled.changed.append(changed)
    compiled.failed.append(failed)
    source = f"{ident(f's{index - 1}')} AS {ident(f'f{index}')}"
    if not marks:
        return f"SELECT * FROM {source}"
    # A value column reads its flag: the flags first, in a SELECT of their own.
    flags = [m for m in marks if not m.startswith("CASE")]
    values = [m for m in marks if m.startswith("CASE")]
    inner = f"SELECT *, {', '.join(flags)} FROM {source}"
    if not values:
        return inner
    return f"SELECT *, {', '.join(values)} FROM ({inner}) AS {ident(f'f{index}')}"


def _run_checks(con: duckdb.DuckDBPyConnection, compiled: Compiled, steps: Sequence[Step]) -> None:
    for index, out in enumerate(compiled.steps, start=1):
        for check in out.checks:
            sql = compiled.render(
                f"{compiled.with_clause(index - 1)} SELECT {ROW_SQL}, CAST(({check.value}) AS VARCHAR) "
                f"FROM {ident(f's{index - 1}')} WHERE {check.condition} ORDER BY {ROW_SQL} LIMIT 1"
            )
            found = con.execute(sql, compiled.used_params(sql)).fetchone()
            if found is not None:
                raise StepError(index, steps[index - 1].kind, check.message, params=check.params, row=int(found[0]),
                                value=found[1])  # fmt: skip


def _counts(con: duckdb.DuckDBPyConnection, compiled: Compiled, steps: Sequence[Step]) -> list[StepCount]:
    if not steps:
        return []
    parts = []
    for index, out in enumerate(compiled.steps, start=1):
        source = ident(f"s{index - 1}")
        parts.append(f"(SELECT count_if({out.changed}) FROM {source})" if out.changed else "0")
    parts += [f"(SELECT count(*) FROM {ident(name)})" for name, _ in compiled.ctes]
    sql = compiled.render(f"{compiled.with_clause()} SELECT {', '.join(parts)}")
    values = con.execute(sql, compiled.used_params(sql)).fetchone()
    n = len(steps)
    changed, sizes = values[:n], values[n:]
    return [
        StepCount(i + 1, step.kind, int(sizes[i]), int(sizes[i + 1]), int(changed[i] or 0))
        for i, step in enumerate(steps)
    ]


def _final_select(compiled: Compiled) -> str:
    columns = ", ".join([ROW_SQL] + [ident(spec.name) for spec in compiled.fields])
    last = ident(compiled.ctes[-1][0])
    return f"{compiled.with_clause()} SELECT {columns} FROM {last}"


def apply_steps(
    con: duckdb.DuckDBPyConnection,
    prepared: Prepared,
    steps: Sequence[Step],
    *,
    context: StepContext | None = None,
    counts: bool = True,
) -> Applied:
    """Run `steps` over `prepared`: a temporary table with the result, ordered by ROW."""
    table = f"steps_{uuid.uuid4().hex[:12]}"
    done = None
    if not any(step.kind in MULTIPLYING for step in steps):
        done = _apply_once(con, prepared, steps, context, table, counts)
    if done is None:
        done = _apply_step_by_step(con, prepared, steps, context, table, counts)
    fields, step_counts = done
    source = dict(prepared.source)
    source["steps"] = [step.to_dict() for step in steps]
    return Applied(Prepared(table, fields, source, order_column=ROW), step_counts)


def _apply_step_by_step(
    con: duckdb.DuckDBPyConnection,
    prepared: Prepared,
    steps: Sequence[Step],
    context: StepContext | None,
    table: str,
    counts: bool,
) -> tuple[list[FieldSpec], list[StepCount]]:
    compiled = compile_steps(prepared, steps, context)
    _run_checks(con, compiled, steps)
    sql = compiled.render(f"CREATE TEMP TABLE {ident(table)} AS {_final_select(compiled)} ORDER BY {ROW_SQL}")
    con.execute(sql, compiled.used_params(sql))
    return compiled.fields, _counts(con, compiled, steps) if counts else []


def _apply_once(
    con: duckdb.DuckDBPyConnection,
    prepared: Prepared,
    steps: Sequence[Step],
    context: StepContext | None,
    table: str,
    counts: bool,
) -> tuple[list[FieldSpec], list[StepCount]] | None:
    """The steps computed once into `table`, checked and counted in one pass over it.

    None (and no table) when DuckDB fails on the chain: a value a check would name may be
    the cause, and the step-by-step way finds it.
    """
    compiled = compile_steps(prepared, steps, context, carry=True)
    name = ident(table)
    sql = compiled.render(
        f"CREATE TEMP TABLE {name} AS {compiled.with_clause()} SELECT * FROM {ident(f's{len(steps)}')}"
    )
    try:
        con.execute(sql, compiled.used_params(sql))
    except duckdb.Error:
        con.execute(f"DROP TABLE IF EXISTS {name}")
        return None
    try:
        step_counts = _check_and_count(con, compiled, steps, name, counts)
        kept = compiled.alive[-1]
        if kept != ident(f"{CARRIED_PREFIX}kept_0"):
            con.execute(f"DELETE FROM {name} WHERE NOT {kept}")
        carried = [
            row[0]
            for row in con.execute(f"SELECT * FROM {name} LIMIT 0").description
            if row[0].startswith(CARRIED_PREFIX)
        ]
        for column in carried:
            con.execute(f"ALTER TABLE {name} DROP COLUMN {ident(column)}")
    except BaseException:
        con.execute(f"DROP TABLE IF EXISTS {name}")
        raise
    return compiled.fields, step_counts


def _check_and_count(
    con: duckdb.DuckDBPyConnection, compiled: Compiled, steps: Sequence[Step], table: str, counts: bool
) -> list[StepCount]:
    """Every check and every count of a carrying pipeline, in one aggregate over its table."""
    parts = []
    checks = [
        (index, number, flag, value)
        for index, failed in enumerate(compiled.failed, start=1)
        for number, (flag, value) in enumerate(failed)
    ]
    for _, _, flag, value in checks:
        parts.append(f"min({ROW_SQL}) FILTER (WHERE {flag})")
        parts.append(f"arg_min({value}, {ROW_SQL}) FILTER (WHERE {flag})")
    alive = list(dict.fromkeys(compiled.alive)) if counts else []
    parts += [f"count_if({column})" for column in alive]
    changed = [column for column in compiled.changed if column] if counts else []
    parts += [f"count_if({column})" for column in changed]
    if not parts:
        return []
    values = list(con.execute(f"SELECT {', '.join(parts)} FROM {table}").fetchone())
    for position, (index, number, _, _) in enumerate(checks):  # in step order, then check order
        row, value = values[2 * position], values[2 * position + 1]
        if row is not None:
            check = compiled.steps[index - 1].checks[number]
            raise StepError(index, steps[index - 1].kind, check.message, params=check.params, row=int(row), value=value)
    if not counts:
        return []
    values = values[2 * len(checks) :]
    sizes = dict(zip(alive, values[: len(alive)], strict=True))
    changes = dict(zip(changed, values[len(alive) :], strict=True))
    return [
        StepCount(
            index,
            step.kind,
            int(sizes[compiled.alive[index - 1]]),
            int(sizes[compiled.alive[index]]),
            int(changes.get(compiled.changed[index - 1], 0) or 0) if compiled.changed[index - 1] else 0,
        )
        for index, step in enumerate(steps, start=1)
    ]


def preview_steps(
    con: duckdb.DuckDBPyConnection,
    prepared: Prepared,
    steps: Sequence[Step],
    *,
    limit: int = 20,
    sample: int = 100_000,
    context: StepContext | None = None,
) -> Preview:
    """The first `limit` rows the steps make of the first `sample` input rows, and the counts on them."""
    compiled = compile_steps(prepared, steps, context, limit=max(sample, limit))
    _run_checks(con, compiled, steps)
    columns = []
    for spec in compiled.fields:
        quoted = ident(spec.name)
        columns.append(f"ST_AsGeoJSON({quoted}) AS {quoted}" if spec.type == "geo_shape" else quoted)
    last = ident(compiled.ctes[-1][0])
    sql = compiled.render(
        f"{compiled.with_clause()} SELECT {', '.join(columns)} FROM {last} ORDER BY {ROW_SQL} LIMIT {int(limit)}"
    )
    rows = [_json_row(compiled.fields, values) for values in con.execute(sql, compiled.used_params(sql)).fetchall()]
    return Preview(compiled.fields, rows, _counts(con, compiled, steps))


def _json_row(fields: list[FieldSpec], values: Sequence[Any]) -> dict[str, Any]:
    return {
        spec.name: json.loads(value) if spec.type == "geo_shape" and value is not None else _json_value(value)
        for spec, value in zip(fields, values, strict=True)
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.hex()
    return value
