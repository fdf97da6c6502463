"""Steps that read another dataset: a join on a key, and the polygon containing a point.

Neither multiplies rows. A join keeps, for each key, the first row of the other dataset
in its order (`duplicates: "first"`, the default), or refuses with the first input row
whose key matches several rows there (`duplicates: "error"`). A point inside several
polygons (borders) takes the first polygon in the other dataset's order.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from datapolis.ingest.errors import gettext_noop
from datapolis.schema import FieldSpec
from datapolis.steps.frame import CARRIED, ROW_SQL, Check, Frame, StepSQL, as_text, ident


def added_fields(frame: Frame, remote: list[FieldSpec], names: list[str] | None, prefix: str) -> list[FieldSpec]:
    """The other dataset's fields to add, renamed with `prefix`; an existing name is refused."""
    by_name = {spec.name: spec for spec in remote}
    chosen = names or [spec.name for spec in remote if spec.type != "geo_shape"]
    result = []
    for name in chosen:
        if name not in by_name:
            raise frame.error(
                gettext_noop("the other dataset has no field named %(field)r; fields are %(fields)s"),
                "fields",
                field=name,
                fields=", ".join(by_name),
            )
        new_name = f"{prefix}{name}"
        frame.new_name(new_name, "prefix")
        result.append(replace(by_name[name], name=new_name, annotations=dict(by_name[name].annotations)))
    return result


def _joined(frame: Frame, added: list[FieldSpec], remote_names: list[str], join: str, tail: str = "") -> StepSQL:
    local = [f"i.{ident(spec.name)}" for spec in frame.fields]
    extra = [f"r.{ident(src)} AS {ident(spec.name)}" for spec, src in zip(added, remote_names, strict=True)]
    if frame.carry:  # only the input has carried columns
        extra.append(CARRIED)
    sql = f"SELECT i.{ROW_SQL}, {', '.join(local + extra)} FROM {frame.source} AS i {join}{tail}"
    return StepSQL(sql, list(frame.fields) + added)


def _key_sql(spec: FieldSpec, other: FieldSpec, qualifier: str) -> str:
    x = f"{qualifier}.{ident(spec.name)}"
    if spec.type == other.type and spec.type not in ("geo_point_2d", "geo_shape"):
        return x
    return as_text(spec, x)


def join(frame: Frame, options: dict[str, Any]) -> StepSQL:
    local = frame.spec(options["key"], "key")
    relation, remote = frame.lookup(options["dataset"])
    remote_by_name = {spec.name: spec for spec in remote}
    remote_key = remote_by_name.get(options.get("remote_key") or local.name)
    if remote_key is None:
        raise frame.error(
            gettext_noop("the other dataset has no field named %(field)r"),
            "remote_key",
            field=options.get("remote_key") or local.name,
        )
    names = options.get("fields") or [s.name for s in remote if s.name != remote_key.name and s.type != "geo_shape"]
    added = added_fields(frame, remote, names, options.get("prefix", ""))
    left_key = _key_sql(local, remote_key, "i")
    right_key = _key_sql(remote_key, local, "o")
    columns = ", ".join(f"o.{ident(n)}" for n in names)
    ranked = (
        f"SELECT {right_key} AS __steps_key, {columns} "
        f"FROM (SELECT *, row_number() OVER () AS __steps_r FROM {relation}) AS o "
        f"WHERE {right_key} IS NOT NULL "
        f"QUALIFY row_number() OVER (PARTITION BY {right_key} ORDER BY __steps_r) = 1"
    )
    out = _joined(frame, added, names, f"LEFT JOIN ({ranked}) AS r ON {left_key} = r.__steps_key")
    if options.get("duplicates", "first") == "error":
        duplicated = f"SELECT {right_key} FROM {relation} AS o GROUP BY ALL HAVING count(*) > 1"
        key = _key_sql(local, remote_key, frame.source)
        out.checks.append(
            Check(
                f"{key} IN ({duplicated})",
                as_text(local),
                gettext_noop("key %(field)r matches several rows of the other dataset"),
                {"field": local.name},
            )
        )
    out.changed = f"{_key_sql(local, remote_key, frame.source)} IN (SELECT {right_key} FROM {relation} AS o)"
    return out


def point_in_polygon(frame: Frame, options: dict[str, Any]) -> StepSQL:
    spec = frame.typed(options["point"], ("geo_point_2d", "geo_shape"), "point")
    relation, remote = frame.lookup(options["dataset"])
    shapes = [s for s in remote if s.type == "geo_shape"]
    geometry = options.get("geometry") or (shapes[0].name if shapes else None)
    if geometry is None or geometry not in {s.name for s in shapes}:
        raise frame.error(gettext_noop("the other dataset has no such geo_shape field"), "geometry")
    names = options.get("fields") or [s.name for s in remote if s.type != "geo_shape"]
    added = added_fields(frame, remote, names, options.get("prefix", ""))
    p = f"i.{ident(spec.name)}"
    probe = f"ST_Point({p}.lon, {p}.lat)" if spec.type == "geo_point_2d" else f"ST_PointOnSurface({p})"
    columns = ", ".join(ident(n) for n in names)
    polygons = (
        f"SELECT {ident(geometry)} AS __steps_shape, {columns}, row_number() OVER () AS __steps_r FROM {relation}"
    )
    join_sql = f"LEFT JOIN ({polygons}) AS r ON ST_Contains(r.__steps_shape, {probe})"
    tail = f" QUALIFY row_number() OVER (PARTITION BY i.{ROW_SQL} ORDER BY r.__steps_r) = 1"
    out = _joined(frame, added, names, join_sql, tail)
    return out
