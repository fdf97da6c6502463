"""Facets: the values of chosen fields with their counts, under the current filters (§3.8).

Each facet is computed with an ODSQL group_by, so the caller's row filters and visible
fields apply exactly as they do to records; the plain facets counted under the request's
own filters share one scan (`compile_facet_counts`, GROUPING SETS). Semantics:

- refined values are marked `refined`; other values `displayed`. A conjunctive facet (the
  default) is counted under every refine, so only its refined values remain; a disjunctive
  one (`disjunctive` annotation, or `facet(name=..., disjunctive=true)`) is counted
  without its own refines, so the other values stay selectable.
- excluded values are listed last with the state `excluded` and no count.
- date and datetime facets are hierarchical: years, then the months of a refined year,
  then the days of a refined month (values `2024`, `2024/05`, `2024/05/17`), in the
  query's time zone.
- multivalued text fields count each of their values (an ODSQL group_by on the field).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from datapolis.odsql import ODSQLError, QuerySpec, compile_query, parse_select
from datapolis.odsql import ast as odsql_ast
from datapolis.odsql.facets import FacetCount, compile_facet_counts, facet_order_by
from datapolis.queries.errors import QueryError
from datapolis.queries.requests import Filters
from datapolis.queries.target import QueryTarget
from datapolis.schema import FieldSpec, Relation

DEFAULT_FACET_LIMIT = 100
DATE_TYPES = {"date", "datetime"}
SORTS = {"count", "-count", "alphanum", "-alphanum", "num", "-num"}

# One callable runs compiled SQL and returns rows; the caller decides where (dataset or catalog).
Runner = Callable[[str, dict[str, Any]], list[tuple]]


@dataclass(frozen=True)
class Facet:
    name: str
    disjunctive: bool | None = None
    sort: str | None = None
    limit: int = DEFAULT_FACET_LIMIT


def parse_facet(text: str) -> Facet:
    """`name` or `facet(name="f", disjunctive=true, sort="-count", limit=10)`."""
    try:
        items = parse_select(text).items
    except ODSQLError as error:
        raise QueryError(f"Invalid value for facet API parameter: {error.message}") from None
    expr = items[0].expr if len(items) == 1 and isinstance(items[0], odsql_ast.SelectExpr) else None
    if isinstance(expr, odsql_ast.Field):
        return Facet(name=expr.name)
    if isinstance(expr, odsql_ast.Call) and expr.name.lower() == "facet":
        options = {}
        for argument in expr.args:
            if not isinstance(argument, odsql_ast.NamedArgument) or not hasattr(argument.value, "value"):
                raise QueryError(f"Invalid value for facet API parameter: {text} (expected name=value arguments)")
            options[argument.name.lower()] = argument.value.value
        return _facet_from_options(options, text)
    raise QueryError(f'Invalid value for facet API parameter: {text} (expected a field name or facet(name="..."))')


def _facet_from_options(options: dict[str, Any], text: str) -> Facet:
    if not isinstance(options.get("name"), str):
        raise QueryError(f"Invalid value for facet API parameter: {text} (name is required)")
    sort = options.get("sort")
    if sort is not None and sort not in SORTS:
        raise QueryError(
            f"Invalid value for facet sort: {sort} was found but one of {', '.join(sorted(SORTS))} is expected."
        )
    limit = options.get("limit", DEFAULT_FACET_LIMIT)
    if not isinstance(limit, int) or limit < 1:
        raise QueryError(f"Invalid value for facet limit: {limit} was found but a positive integer is expected.")
    disjunctive = options.get("disjunctive")
    return Facet(name=options["name"], disjunctive=bool(disjunctive) if disjunctive is not None else None, sort=sort,
                 limit=limit)  # fmt: skip


@dataclass
class FacetRequest:
    """The filters every facet is counted under, and where to run queries."""

    base: QuerySpec  # where, refine, exclude, restrictions, visible fields, timezone
    schema: Sequence[FieldSpec]
    relation: Relation | str
    run: Runner


def dataset_facets(target: QueryTarget, filters: Filters, facets: Sequence[Facet]) -> list[dict[str, Any]]:
    """The facets of the caller's records of `target` under `filters` (row filters applied)."""
    base = target.query_spec(filters)
    return compute_facets(FacetRequest(base, target.fields, target.relation(), target.run), facets)


def compute_facets(request: FacetRequest, facets: Sequence[Facet]) -> list[dict[str, Any]]:
    request = replace(request, schema=_with_facet_options(request.schema, facets))
    by_name = {spec.name: spec for spec in request.schema}
    visible = request.base.visible_fields
    for facet in facets:
        spec = by_name.get(facet.name)
        if spec is None or (visible is not None and facet.name not in visible):
            raise QueryError(f"Unknown field in facet: {facet.name}", error_code="ODSQLError")
        if spec.type in {"geo_point_2d", "geo_shape"}:
            raise QueryError(f"Facets are not available on the geographic field {facet.name}", error_code="ODSQLError")
    counted = _counted_together(request, facets, by_name)
    return [
        {"name": facet.name, "facets": _facet_values(request, facet, by_name[facet.name], counted.get(facet.name))}
        for facet in facets
    ]


def _counted_together(
    request: FacetRequest, facets: Sequence[Facet], by_name: dict[str, FieldSpec]
) -> dict[str, list[tuple[Any, int]]]:
    """The values of the plain facets counted under the request's own filters, in one scan."""
    together: dict[str, Facet] = {}
    for facet in facets:
        spec = by_name[facet.name]
        disjunctive = facet.disjunctive if facet.disjunctive is not None else "disjunctive" in spec.annotations
        own_refines = any(name == facet.name for name, _ in request.base.refine)
        if spec.type in DATE_TYPES or "multivalued" in spec.annotations or (disjunctive and own_refines):
            continue
        together.setdefault(facet.name, facet)
    if len(together) < 2:
        return {}
    counts = [FacetCount(f.name, f.sort or "-count", f.limit) for f in together.values()]
    compiled = compile_facet_counts(request.base, request.schema, request.relation, counts)
    values: dict[str, list[tuple[Any, int]]] = {name: [] for name in together}
    for row in request.run(compiled.sql, compiled.params):
        index = int(row[0])
        values[counts[index].field].append((row[1 + index], int(row[-1])))
    return values


def _with_facet_options(schema: Sequence[FieldSpec], facets: Sequence[Facet]) -> list[FieldSpec]:
    """`facet(name=f, disjunctive=...)` overrides f's annotation, for counts and refines alike."""
    options = {facet.name: facet.disjunctive for facet in facets if facet.disjunctive is not None}
    result = []
    for spec in schema:
        if spec.name in options:
            annotations = {key: value for key, value in spec.annotations.items() if key != "disjunctive"}
            if options[spec.name]:
                annotations["disjunctive"] = []
            spec = replace(spec, annotations=annotations)
        result.append(spec)
    return result


def default_facets(schema: Sequence[FieldSpec], visible: frozenset[str] | None) -> list[Facet]:
    """Without a `facet` parameter: the fields annotated `facet`."""
    return [
        Facet(name=spec.name)
        for spec in schema
        if "facet" in spec.annotations and (visible is None or spec.name in visible)
    ]


def _facet_values(
    request: FacetRequest, facet: Facet, spec: FieldSpec, counted: list[tuple[Any, int]] | None = None
) -> list[dict[str, Any]]:
    refined = [value for name, value in request.base.refine if name == facet.name]
    excluded = [value for name, value in request.base.exclude if name == facet.name]
    disjunctive = facet.disjunctive if facet.disjunctive is not None else "disjunctive" in spec.annotations
    base = request.base
    if disjunctive and spec.type not in DATE_TYPES:
        base = replace(base, refine=[pair for pair in base.refine if pair[0] != facet.name])
    if counted is not None:
        values = [_entry(_text(value), _text(value), count, set(refined)) for value, count in counted]
    elif spec.type in DATE_TYPES:
        values = _date_level(request, base, facet, [], refined, keep_own_refines=not disjunctive)
    else:
        values = _plain_values(request, base, facet, spec, set(refined))
    return values + [{"name": value, "value": value, "state": "excluded"} for value in excluded]


def _plain_values(
    request: FacetRequest, base: QuerySpec, facet: Facet, spec: FieldSpec, refined: set[str]
) -> list[dict[str, Any]]:
    field = f"`{facet.name}`"
    order = facet_order_by(facet.sort or "-count")
    # A multivalued field groups by each of its values; a list of nulls only makes a null
    # group, left out like the records without a value.
    multivalued = "multivalued" in spec.annotations
    spec_values = replace(
        base,
        select=f"{field} as value, count(*) as count",
        where=[*base.where_clauses, f"{field} is not null"],
        group_by=field,
        order_by=order,
        limit=facet.limit + 1 if multivalued else facet.limit,
        offset=0,
    )
    compiled = compile_query(spec_values, request.schema, request.relation)
    rows = [
        (row["value"], row["count"])
        for row in compiled.decode_rows(request.run(compiled.sql, compiled.params))
        if row["value"] is not None
    ][: facet.limit]
    return [_entry(_text(value), _text(value), count, refined) for value, count in rows]


DATE_LEVELS = (("year", 4), ("month", 2), ("day", 2))


def _date_level(
    request: FacetRequest,
    base: QuerySpec,
    facet: Facet,
    parents: list[str],
    refined: list[str],
    *,
    keep_own_refines: bool,
) -> list[dict[str, Any]]:
    """One level of a date hierarchy, nesting the next level under refined values."""
    level, width = DATE_LEVELS[len(parents)]
    field = f"`{facet.name}`"
    prefix = "/".join(parents)
    own = [] if keep_own_refines else [pair for pair in base.refine if pair[0] == facet.name]
    scoped = replace(
        base,
        select=f"{level}({field}) as value, count(*) as count",
        where=[*base.where_clauses, f"{field} is not null"],
        refine=[pair for pair in base.refine if pair not in own] + ([(facet.name, prefix)] if prefix else []),
        group_by=f"{level}({field})",
        order_by="value desc" if (facet.sort or "-alphanum") in {"-alphanum", "-num"} else "value asc",
        limit=None,
        offset=0,
    )
    if facet.sort in {"count", "-count"}:
        scoped = replace(scoped, order_by=f"count {'desc' if facet.sort == '-count' else 'asc'}, value asc")
    compiled = compile_query(scoped, request.schema, request.relation)
    entries = []
    for row in compiled.decode_rows(request.run(compiled.sql, compiled.params))[: facet.limit]:
        name = str(row["value"]).zfill(width)
        value = f"{prefix}/{name}" if prefix else name
        is_refined = any(choice == value or choice.startswith(value + "/") for choice in refined)
        entry = _entry(name, value, row["count"], {value} if is_refined else set())
        if is_refined and len(parents) + 1 < len(DATE_LEVELS):
            entry["facets"] = _date_level(
                request, base, facet, [*parents, name], refined, keep_own_refines=keep_own_refines
            )
        entries.append(entry)
    return entries


def _entry(name: str, value: str, count: int, refined: set[str]) -> dict[str, Any]:
    return {"name": name, "value": value, "count": int(count), "state": "refined" if value in refined else "displayed"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
