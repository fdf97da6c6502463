"""What a caller asks: filters, select, grouping, paging — and the bounds the reference sets.

The dataclasses are the plain form of the Explore API's query parameters; the API's Ninja
schemas have the same attribute names, so either can be passed where a request is read.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from datapolis.odsql import QuerySpec, parse_refine
from datapolis.queries.errors import QueryError, invalid_parameter

MAX_LIMIT = 100
MAX_WINDOW = 10_000
MAX_GROUPED_LIMIT = 20_000
DEFAULT_LIMIT = 10


@dataclass
class Filters:
    """Where clauses (ANDed), facet refinements and exclusions, and how values are read."""

    where: list[str] = field(default_factory=list)
    refine: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    timezone: str = "UTC"
    lang: str | None = None


@dataclass
class RecordsRequest(Filters):
    """A page of records or of groups."""

    select: str | None = None
    group_by: str | None = None
    order_by: str | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def page_bounds(limit: int, offset: int, *, grouped: bool) -> tuple[int, int]:
    """Validate limit/offset as the reference does; -1 means as many as allowed."""
    max_limit, window = (MAX_GROUPED_LIMIT, MAX_GROUPED_LIMIT) if grouped else (MAX_LIMIT, MAX_WINDOW)
    if limit < -1 or limit > max_limit:
        raise invalid_parameter("limit", limit, f"-1 <= limit <= {max_limit}")
    if offset < 0:
        raise invalid_parameter("offset", offset, "offset >= 0")
    if limit == -1:
        limit = min(max_limit, window - offset)
    if offset + limit > window:
        raise invalid_parameter("sum of offset + limit", offset + limit, f"<= {window}")
    return limit, offset


def export_bounds(limit: int, offset: int) -> tuple[int | None, int]:
    if limit < -1:
        raise invalid_parameter("limit", limit, "limit >= -1")
    if offset < 0:
        raise invalid_parameter("offset", offset, "offset >= 0")
    return (None if limit == -1 else limit), offset


def refines(values: Sequence[str], name: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        if not value.strip():
            continue  # `refine=` with nothing refines nothing (clients send it for an empty selection)
        try:
            pairs.append(parse_refine(value))
        except ValueError as error:
            raise QueryError(f"Invalid value for {name} API parameter: {error}") from None
    return pairs


def query_spec(
    request: Filters,
    *,
    restrictions: Sequence[str] = (),
    visible_fields: Collection[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> QuerySpec:
    """The ODSQL request of a query, with what the access layer imposes."""
    return QuerySpec(
        select=getattr(request, "select", None),
        where=list(request.where),
        group_by=getattr(request, "group_by", None),
        order_by=getattr(request, "order_by", None),
        limit=limit,
        offset=offset,
        refine=refines(request.refine, "refine"),
        exclude=refines(request.exclude, "exclude"),
        timezone=request.timezone or "UTC",
        lang=request.lang or "fr",
        restrictions=tuple(restrictions),
        visible_fields=visible_fields,
    )
