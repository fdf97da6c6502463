"""Steps on the field list and on rows: rename, drop, reorder, retype, compute, filter,
deduplicate, fill, unpivot."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlglot import exp

from datapolis.ingest.errors import gettext_noop
from datapolis.odsql import ODSQLError, QuerySpec, compile_query
from datapolis.odsql.dialect import RELATION_PLACEHOLDER
from datapolis.schema import FieldSpec
from datapolis.steps.convert import convert
from datapolis.steps.frame import ROW_SQL, Check, Frame, StepSQL, add, as_text, ident, put

STORAGE_VALUE_TYPES = ("text", "int", "double", "boolean", "date", "datetime", "geo_point_2d", "geo_shape")


def rename(frame: Frame, options: dict[str, Any]) -> StepSQL:
    renames: dict[str, str] = options["fields"]
    labels: dict[str, str] = options.get("labels") or {}
    frame.specs(renames, "fields")
    frame.specs(labels, "labels")
    new_names = [renames.get(spec.name, spec.name) for spec in frame.fields]
    duplicates = sorted({n for n in new_names if new_names.count(n) > 1})
    if duplicates:
        raise frame.error(gettext_noop("two fields would be named %(field)r"), "fields", field=duplicates[0])
    columns = []
    for spec in frame.fields:
        new = replace(spec, name=renames.get(spec.name, spec.name), annotations=dict(spec.annotations))
        if spec.name in labels:
            new.label = str(labels[spec.name])
        columns.append((new, ident(spec.name)))
    return frame.select(columns)


def drop(frame: Frame, options: dict[str, Any]) -> StepSQL:
    dropped = {spec.name for spec in frame.specs(options["fields"], "fields")}
    return frame.select([c for c in frame.passthrough() if c[0].name not in dropped])


def keep(frame: Frame, options: dict[str, Any]) -> StepSQL:
    kept = [spec.name for spec in frame.specs(options["fields"], "fields")]
    return frame.select([c for c in frame.passthrough() if c[0].name in kept])


def reorder(frame: Frame, options: dict[str, Any]) -> StepSQL:
    first = frame.specs(options["fields"], "fields")
    names = [spec.name for spec in first]
    rest = [spec for spec in frame.fields if spec.name not in names]
    return frame.select([(spec, ident(spec.name)) for spec in first + rest])


def retype(frame: Frame, options: dict[str, Any]) -> StepSQL:
    spec = frame.spec(options["field"], "field")
    target = options["type"]
    value, failed = convert(spec, target, decimal_comma=options.get("decimal_comma", False))
    columns = frame.passthrough()
    put(columns, spec, None, value, target)
    out = frame.select(columns)
    if failed:
        unreadable = gettext_noop("field %(field)r: value cannot be read as %(type)s")
        out.checks.append(Check(failed, as_text(spec), unreadable, {"field": spec.name, "type": target}))
    return out


def _odsql(frame: Frame, spec: QuerySpec, option: str) -> tuple[exp.Select, Any]:
    try:
        compiled = compile_query(spec, frame.fields, RELATION_PLACEHOLDER, storage_values=True, record_id_column=None)
    except ODSQLError as error:
        raise frame.error(gettext_noop("invalid expression: %(reason)s"), option, reason=str(error)) from None
    renamed = {name: frame.param(value)[1:] for name, value in compiled.params.items()}

    def rename_param(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and node.name in renamed:
            return exp.Placeholder(this=renamed[node.name])
        return node

    return compiled.expression.copy().transform(rename_param), compiled


def compute(frame: Frame, options: dict[str, Any]) -> StepSQL:
    name = options["field"]
    select, compiled = _odsql(frame, QuerySpec(select=f"({options['expression']}) as {name}"), "expression")
    if compiled.is_aggregation:
        raise frame.error(gettext_noop("an aggregate cannot compute a value per row"), "expression")
    column = compiled.columns[0]
    if column.type not in STORAGE_VALUE_TYPES:
        raise frame.error(gettext_noop("the expression gives a %(type)s, which no field can hold"), "expression",
                          type=column.type)  # fmt: skip
    value = select.expressions[0].this.sql(dialect="duckdb")
    spec = FieldSpec(name, options.get("label") or name, column.type)
    if column.multivalued:
        spec.annotations["multivalued"] = [";"]
    columns = frame.passthrough()
    existing = next((s for s in frame.fields if s.name == name), None)
    if existing is not None:
        spec = replace(spec, label=options.get("label") or existing.label)
    add(columns, spec, value)
    return frame.select(columns)


def filter_rows(frame: Frame, options: dict[str, Any]) -> StepSQL:
    select, _ = _odsql(frame, QuerySpec(where=options["where"]), "where")
    condition = select.args["where"].this.sql(dialect="duckdb")
    if frame.carry:
        column, kept = frame.keep_rows(condition)
        out = frame.select(frame.passthrough(), extra=[column])
        out.kept = kept
        return out
    return frame.select(frame.passthrough(), f" WHERE {condition}")


def dedupe(frame: Frame, options: dict[str, Any]) -> StepSQL:
    keys = frame.specs(options.get("fields") or [s.name for s in frame.fields], "fields")
    parts = [f"ST_AsWKB({ident(k.name)})" if k.type == "geo_shape" else ident(k.name) for k in keys]
    if frame.carry:  # the rows already dropped are a partition of their own
        first = f"row_number() OVER (PARTITION BY {frame.alive}, {', '.join(parts)} ORDER BY {ROW_SQL}) = 1"
        column, kept = frame.keep_rows(first)
        out = frame.select(frame.passthrough(), extra=[column])
        out.kept = kept
        return out
    tail = f" QUALIFY row_number() OVER (PARTITION BY {', '.join(parts)} ORDER BY {ROW_SQL}) = 1"
    return frame.select(frame.passthrough(), tail)


def fill(frame: Frame, options: dict[str, Any]) -> StepSQL:
    specs = frame.specs(options["fields"], "fields")
    columns = frame.passthrough()
    changed = []
    for spec in specs:
        if spec.type in ("geo_point_2d", "geo_shape") or spec.annotations.get("multivalued"):
            raise frame.error(gettext_noop("field %(field)r is %(type)s: only single values can be filled"), "fields",
                              field=spec.name, type=spec.type)  # fmt: skip
        x = ident(spec.name)
        constant = f"CAST({frame.param(str(options['value']))} AS {spec.storage_type})"
        empty = f"({x} IS NULL OR trim({x}) = '')" if spec.type == "text" else f"{x} IS NULL"
        put(columns, spec, None, f"(CASE WHEN {empty} THEN {constant} ELSE {x} END)", spec.type)
        changed.append(empty)
    out = frame.select(columns)
    out.changed = " OR ".join(changed)
    _check_constant(frame, specs, options["value"])
    return out


def _check_constant(frame: Frame, specs: list[FieldSpec], value: Any) -> None:
    for spec in specs:
        if spec.type != "text" and _probe(spec.type, str(value)) is None:
            raise frame.error(gettext_noop("%(value)r is not a value of field %(field)r (%(type)s)"), "value",
                              value=value, field=spec.name, type=spec.type)  # fmt: skip


def _probe(type_: str, value: str) -> Any:
    import datetime as dt

    try:
        if type_ == "int":
            return int(value)
        if type_ == "double":
            return float(value)
        if type_ == "boolean":
            return {"true": True, "false": False}[value.lower()]
        if type_ == "date":
            return dt.date.fromisoformat(value)
        if type_ == "datetime":
            return dt.datetime.fromisoformat(value)
    except (ValueError, KeyError):
        return None
    return value


def unpivot(frame: Frame, options: dict[str, Any]) -> StepSQL:
    specs = frame.specs(options["fields"], "fields")
    key, value = options["key"], options["value"]
    names = {s.name for s in specs}
    kept = [(s, e) for s, e in frame.passthrough() if s.name not in names]
    for name, option in ((key, "key"), (value, "value")):
        if any(s.name == name for s, _ in kept):
            raise frame.error(gettext_noop("a field named %(field)r exists already"), option, field=name)
    if key == value:
        raise frame.error(gettext_noop("the key and value fields need different names"), "value")
    types = {s.type for s in specs}
    same = len(types) == 1 and not any(s.annotations.get("multivalued") for s in specs)
    value_type = specs[0].type if same else "text"
    values = [ident(s.name) if same else as_text(s) for s in specs]
    keys = ", ".join(frame.param(s.name) for s in specs)
    inner = (
        f"SELECT {ROW_SQL} AS __steps_source, {', '.join(ident(s.name) for s, _ in kept) + ', ' if kept else ''}"
        f"unnest([{keys}]) AS {ident(key)}, unnest([{', '.join(values)}]) AS {ident(value)}, "
        f"unnest(range(1, {len(specs) + 1})) AS __steps_position FROM {frame.source}"
    )
    key_spec = FieldSpec(key, options.get("key_label") or key, "text")
    value_spec = FieldSpec(value, options.get("value_label") or value, value_type)
    columns = [ident(s.name) for s, _ in kept] + [ident(key), ident(value)]
    sql = (
        f"SELECT row_number() OVER (ORDER BY __steps_source, __steps_position) AS {ROW_SQL}, "
        f"{', '.join(columns)} FROM ({inner})"
    )
    return StepSQL(sql, [s for s, _ in kept] + [key_spec, value_spec])
