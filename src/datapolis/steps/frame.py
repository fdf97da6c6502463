"""The state one step compiles against, and what a step compiles to.

A `Frame` is the input of a step: the name of the relation (a CTE) holding the previous
step's rows, its fields, and the parameters collected so far. Steps write SQL text in
which every identifier goes through `Frame.col`/`ident` (quoted, checked against the
fields) and every value through `Frame.param` (a bound parameter): nothing typed by a
person is pasted into SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from datapolis.engine.sql import quote_identifier
from datapolis.ingest.errors import gettext_noop
from datapolis.schema import FieldSpec
from datapolis.steps.model import StepContext, StepError

ROW = "__steps_row"
ROW_SQL = quote_identifier(ROW)
# Columns the pipeline carries through every step when it compiles for one materialisation
# (`Frame.carry`): the rows still kept, the values a step changed, the values that failed.
CARRIED_PREFIX = "__stx_"
CARRIED = f"COLUMNS('^{CARRIED_PREFIX}')"


def ident(name: str) -> str:
    return quote_identifier(name)


@dataclass
class Check:
    """Rows of the step's input where a value fails: `condition` true on them."""

    condition: str
    value: str
    message: str  # a gettext_noop template, filled from `params` (StepError)
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepSQL:
    """A step compiled: a SELECT over the input (always carrying ROW), its fields, its checks.

    `changed` is a boolean SQL expression over the input rows: true where the step changes
    a value (counted in StepCount.changed). When the frame carries (`Frame.carry`), a step
    that drops rows keeps them and names in `kept` the boolean column of those it keeps.
    """

    sql: str
    fields: list[FieldSpec]
    checks: list[Check] = field(default_factory=list)
    changed: str | None = None
    kept: str | None = None


@dataclass
class Frame:
    step: int
    kind: str
    source: str  # quoted name of the input relation
    fields: list[FieldSpec]
    params: dict[str, Any]
    context: StepContext
    lookups: dict[str, str] = field(default_factory=dict)  # placeholder -> relation SQL
    # Compiling for one materialisation: every step passes the CARRIED columns on, and a
    # step that drops rows marks them instead (`kept`); `alive` is the input's column of
    # the rows still kept.
    carry: bool = False
    alive: str = "true"

    # -- errors and fields --

    def error(self, template: str, option: str | None = None, **params: Any) -> StepError:
        """The step's error: `template` marked with gettext_noop, its %(name)s filled from `params`."""
        return StepError(self.step, self.kind, template, params=params, option=option)

    def spec(self, name: str, option: str | None = None) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        names = ", ".join(s.name for s in self.fields) or "none"
        raise self.error(
            gettext_noop("no field named %(field)r; fields are %(fields)s"), option, field=name, fields=names
        )

    def specs(self, names: Iterable[str], option: str | None = None) -> list[FieldSpec]:
        return [self.spec(name, option) for name in names]

    def typed(self, name: str, types: tuple[str, ...], option: str | None = None) -> FieldSpec:
        spec = self.spec(name, option)
        if spec.type not in types:
            raise self.error(gettext_noop("field %(field)r is %(type)s; expected %(expected)s"), option, field=name,
                             type=spec.type, expected=" / ".join(types))  # fmt: skip
        return spec

    def col(self, name: str) -> str:
        self.spec(name)
        return ident(name)

    def names(self) -> set[str]:
        return {spec.name for spec in self.fields}

    def new_name(self, name: str, option: str | None = None, *, replacing: str | None = None) -> str:
        if name in self.names() and name != replacing:
            raise self.error(gettext_noop("a field named %(field)r exists already"), option, field=name)
        return name

    # -- values --

    def param(self, value: Any) -> str:
        name = f"s{self.step}_{len(self.params) + 1}"
        while name in self.params:
            name += "_"
        self.params[name] = value
        return f"${name}"

    def lookup(self, dataset: str, option: str = "dataset") -> tuple[str, list[FieldSpec]]:
        if self.context.lookup is None:
            raise self.error(gettext_noop("no other dataset can be read here"), option)
        try:
            sql, fields = self.context.lookup(dataset)
        except Exception as exc:  # the catalog says why: unknown dataset, no access...
            raise self.error(gettext_noop("dataset %(dataset)r cannot be read: %(reason)s"), option, dataset=dataset,
                             reason=str(exc)) from None  # fmt: skip
        placeholder = f"__steps_lookup_{self.step}_{len(self.lookups) + 1}"
        self.lookups[placeholder] = sql
        return ident(placeholder), fields

    # -- building --

    def select(self, columns: list[tuple[FieldSpec, str]], tail: str = "", extra: Iterable[str] = ()) -> StepSQL:
        """SELECT ROW, each (spec, expression) AS spec.name FROM the input (and the carried columns)."""
        parts = [ROW_SQL, *(f"{expr} AS {ident(spec.name)}" for spec, expr in columns), *extra]
        if self.carry:
            parts.append(CARRIED)
        sql = f"SELECT {', '.join(parts)} FROM {self.source}{tail}"
        return StepSQL(sql, [spec for spec, _ in columns])

    def keep_rows(self, condition: str) -> tuple[str, str | None]:
        """(the extra select column, the kept column) of a step keeping the rows where `condition`.

        Not carrying, the condition is for a QUALIFY or WHERE clause; carrying, the rows are
        all kept and a boolean column says which ones the step keeps.
        """
        name = f"{CARRIED_PREFIX}kept_{self.step}"
        return f"({self.alive} AND coalesce(({condition}), false)) AS {ident(name)}", ident(name)

    def passthrough(self) -> list[tuple[FieldSpec, str]]:
        return [(spec, ident(spec.name)) for spec in self.fields]


def put(
    columns: list[tuple[FieldSpec, str]],
    source: FieldSpec,
    target: str | None,
    expr: str,
    type_: str,
    *,
    annotations: dict[str, list[Any]] | None = None,
    label: str | None = None,
) -> FieldSpec:
    """Write `expr` in place of `source`, or as a new field `target` right after it.

    A field replaced in place keeps its label and description; annotations are kept when
    the type does not change, unless given.
    """
    if target is None or target == source.name:
        kept = dict(source.annotations) if type_ == source.type else {}
        spec = replace(source, type=type_, annotations=annotations if annotations is not None else kept)
        if label:
            spec.label = label
        index = next(i for i, (s, _) in enumerate(columns) if s.name == source.name)
        columns[index] = (spec, expr)
        return spec
    spec = FieldSpec(target, label or target, type_, annotations=dict(annotations or {}))
    existing = [i for i, (s, _) in enumerate(columns) if s.name == target]
    if existing:
        columns[existing[0]] = (spec, expr)
    else:
        index = next(i for i, (s, _) in enumerate(columns) if s.name == source.name)
        columns.insert(index + 1, (spec, expr))
    return spec


def add(columns: list[tuple[FieldSpec, str]], spec: FieldSpec, expr: str) -> None:
    """Append a field, or replace the one of that name."""
    for i, (s, _) in enumerate(columns):
        if s.name == spec.name:
            columns[i] = (spec, expr)
            return
    columns.append((spec, expr))


def as_text(spec: FieldSpec, expr: str | None = None) -> str:
    """A field's value as text (points as 'lat, lon', shapes as WKT, lists joined)."""
    expr = expr or ident(spec.name)
    if spec.type == "text" and spec.annotations.get("multivalued"):
        separator = spec.annotations["multivalued"][0] if spec.annotations["multivalued"] else ";"
        return f"array_to_string({expr}, {sql_string(str(separator))})"
    if spec.type == "text":
        return expr
    if spec.type == "geo_point_2d":
        return f"(CAST({expr}.lat AS VARCHAR) || ', ' || CAST({expr}.lon AS VARCHAR))"
    if spec.type == "geo_shape":
        return f"ST_AsText({expr})"
    return f"CAST({expr} AS VARCHAR)"


def sql_string(value: str) -> str:
    """A constant the platform controls (separators, formats after checking) as a SQL literal."""
    from datapolis.engine.sql import quote_literal

    return quote_literal(value)


def distinct(old: str, new: str) -> str:
    return f"(({old}) IS DISTINCT FROM ({new}))"
