"""The whitelist of ODSQL functions: what each is, and in which clauses it may appear.

A name not listed here is an error in every clause; the checker types the arguments and
the printer has one translation per name. Nothing else can reach the SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

SELECT, WHERE, GROUP_BY, ORDER_BY = "select", "where", "group_by", "order_by"
ALL_CLAUSES = frozenset({SELECT, WHERE, GROUP_BY, ORDER_BY})
VALUE_CLAUSES = frozenset({SELECT, WHERE, ORDER_BY})


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    kind: str  # scalar, aggregate, predicate, grouping, ordering
    clauses: frozenset[str]


def _specs(kind: str, clauses: frozenset[str], *names: str) -> dict[str, FunctionSpec]:
    return {name: FunctionSpec(name, kind, clauses) for name in names}


DATE_PARTS = ("year", "month", "day", "hour", "minute", "second")
AGGREGATES_ANYWHERE = ("count", "sum", "avg", "min", "max", "median", "percentile")
SEARCH_PREDICATES = ("search", "suggest", "startswith")
SHAPE_PREDICATES = ("intersects", "disjoint", "within")

FUNCTIONS: dict[str, FunctionSpec] = {
    **_specs("scalar", VALUE_CLAUSES, "length", "now", "distance"),
    **_specs("scalar", ALL_CLAUSES, *DATE_PARTS, "date_format", "ifnull", "lower", "upper"),
    **_specs("scalar", frozenset({SELECT}), "json_format"),
    **_specs("aggregate", frozenset({SELECT, ORDER_BY}), *AGGREGATES_ANYWHERE),
    **_specs("aggregate", frozenset({SELECT}), "envelope", "bbox"),
    **_specs(
        "predicate",
        frozenset({WHERE}),
        *SEARCH_PREDICATES,
        "within_distance",
        "in_bbox",
        *SHAPE_PREDICATES,
        "geometry",
    ),
    **_specs("grouping", frozenset({GROUP_BY}), "range", "geo_cluster"),
    **_specs("ordering", frozenset({ORDER_BY}), "random"),
}

# Functions allowed in group_by besides grouping functions and plain fields (§3.6).
GROUP_BY_SCALARS = frozenset({*DATE_PARTS, "date_format", "ifnull", "lower", "upper"})

# Units of equal-width date ranges (case-sensitive: `m` is minutes, `M` months).
DATE_RANGE_UNITS = {
    "ms": "millisecond",
    "millisecond": "millisecond",
    "milliseconds": "millisecond",
    "s": "second",
    "second": "second",
    "seconds": "second",
    "m": "minute",
    "minute": "minute",
    "minutes": "minute",
    "h": "hour",
    "hour": "hour",
    "hours": "hour",
    "d": "day",
    "day": "day",
    "days": "day",
    "w": "week",
    "week": "week",
    "weeks": "week",
    "M": "month",
    "month": "month",
    "months": "month",
    "q": "quarter",
    "quarter": "quarter",
    "quarters": "quarter",
    "y": "year",
    "year": "year",
    "years": "year",
}
CALENDAR_UNITS = frozenset({"week", "month", "quarter", "year"})  # only N=1 is supported (§3.6)
