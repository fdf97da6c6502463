"""The state of a dataset page, read from and written to its URL.

Every filter lives in the query string, so any view (table, map, chart) can be shared or
embedded as it is. The state turns into Explore API v2.1 parameters (`where`, `refine`,
`exclude`, `order_by`), which the API, the tiles, the exports and the pages all read the
same way: the page never builds SQL, only ODSQL text whose literals are quoted here and
which the query layer parses and checks like any request.

URL parameters:

- `q`: full-text search (an ODSQL string literal: every word in one of the text fields);
- `c.<field>`: a column filter on a text field (each word the prefix of a word of it);
- `min.<field>`, `max.<field>`: bounds on a number or date field;
- `where`: ODSQL conditions as written in the API (repeatable, for advanced users);
- `refine`, `exclude`: `field:value` (repeatable), from the facet sidebar;
- `sort`: `field` or `-field`; `page`: from 1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from datapolis.odsql import odsql_field, odsql_string
from datapolis.schema import FieldSpec

NUMBER_TYPES = {"int", "double"}
DATE_TYPES = {"date", "datetime"}
DATE_VALUE = re.compile(r"^\d{4}(-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?)?)?$")
PAGE_SIZE = 20
MAX_PAGE = 10_000 // PAGE_SIZE
FACET_LIMIT = 10
MAX_FACET_LIMIT = 250
TIMEZONE = "Europe/Paris"


@dataclass
class PageState:
    q: str = ""
    where: list[str] = field(default_factory=list)
    refine: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    text_filters: dict[str, str] = field(default_factory=dict)
    min_filters: dict[str, str] = field(default_factory=dict)
    max_filters: dict[str, str] = field(default_factory=dict)
    sort: str = ""
    page: int = 1
    version: int | None = None  # a past version of the dataset, read without rolling back
    errors: list[str] = field(default_factory=list)
    # The facet sidebar's own state (`flimit.<field>`: values shown, `fq.<field>`: search in
    # its values); not filters, so not carried to other tabs.
    facet_limits: dict[str, int] = field(default_factory=dict)
    facet_search: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def version_of(query) -> int | None:
        """The version `?version=N` asks for (None without it, or when it is not a number)."""
        value = query.get("version", "").strip()
        return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None

    @classmethod
    def from_query(cls, query, fields: Sequence[FieldSpec]) -> PageState:
        """Read the state from a QueryDict, keeping only filters on known, suitable fields."""
        by_name = {spec.name: spec for spec in fields}
        state = cls(
            q=query.get("q", "").strip()[:500],
            where=[text for text in query.getlist("where") if text.strip()][:10],
            refine=[text for text in query.getlist("refine") if ":" in text][:20],
            exclude=[text for text in query.getlist("exclude") if ":" in text][:20],
            version=cls.version_of(query),
        )
        for key in query:
            value = query.get(key, "").strip()
            if not value or "." not in key:
                continue
            kind, _, name = key.partition(".")
            spec = by_name.get(name)
            if spec is None:
                continue
            if kind == "c" and spec.type == "text":
                state.text_filters[name] = value[:200]
            elif kind == "fq" and spec.type == "text":
                state.facet_search[name] = value[:100]
            elif kind == "flimit" and value.isdigit():
                state.facet_limits[name] = min(max(int(value), FACET_LIMIT), MAX_FACET_LIMIT)
            elif kind in {"min", "max"} and (spec.type in NUMBER_TYPES or spec.type in DATE_TYPES):
                if _valid_bound(spec, value):
                    (state.min_filters if kind == "min" else state.max_filters)[name] = value
                else:
                    state.errors.append(name)
        sort = query.get("sort", "").strip()
        if sort.lstrip("-") in by_name and by_name[sort.lstrip("-")].type not in {"geo_point_2d", "geo_shape"}:
            state.sort = sort
        try:
            state.page = min(max(int(query.get("page", "1")), 1), MAX_PAGE)
        except ValueError:
            state.page = 1
        return state

    # -- to the Explore API ------------------------------------------------------------

    def where_clauses(self) -> list[str]:
        """The ODSQL conditions of the state, ANDed by the API."""
        clauses = []
        if self.q:
            clauses.append(odsql_string(self.q))
        for name, value in self.text_filters.items():
            clauses.append(f"suggest({odsql_field(name)}, {odsql_string(value)})")
        for bounds, operator in ((self.min_filters, ">="), (self.max_filters, "<=")):
            for name, value in bounds.items():
                literal = value if not DATE_VALUE.match(value) else f"date'{value}'"
                clauses.append(f"{odsql_field(name)} {operator} {literal}")
        clauses.extend(self.where)
        return clauses

    @property
    def order_by(self) -> str | None:
        if not self.sort:
            return None
        name = self.sort.lstrip("-")
        return f"{odsql_field(name)} {'desc' if self.sort.startswith('-') else 'asc'}"

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    def filter_params(self) -> list[tuple[str, str]]:
        """Explore API parameters of the filters (for records, facets, exports, tiles)."""
        params = [("where", clause) for clause in self.where_clauses()]
        params += [("refine", value) for value in self.refine]
        params += [("exclude", value) for value in self.exclude]
        if self.version is not None:
            params.append(("version", str(self.version)))
        return params

    def records_params(self, *, limit: int = PAGE_SIZE, with_page: bool = True) -> list[tuple[str, str]]:
        params = self.filter_params()
        if self.order_by:
            params.append(("order_by", self.order_by))
        params.append(("limit", str(limit)))
        if with_page and self.offset:
            params.append(("offset", str(self.offset)))
        params.append(("timezone", TIMEZONE))
        return params

    @property
    def is_filtered(self) -> bool:
        return bool(self.where_clauses() or self.refine or self.exclude)

    # -- back to URLs ------------------------------------------------------------------

    def url_params(self) -> list[tuple[str, str]]:
        params: list[tuple[str, str]] = []
        if self.q:
            params.append(("q", self.q))
        params += [(f"c.{name}", value) for name, value in self.text_filters.items()]
        params += [(f"min.{name}", value) for name, value in self.min_filters.items()]
        params += [(f"max.{name}", value) for name, value in self.max_filters.items()]
        params += [("where", text) for text in self.where]
        params += [("refine", text) for text in self.refine]
        params += [("exclude", text) for text in self.exclude]
        if self.sort:
            params.append(("sort", self.sort))
        if self.page > 1:
            params.append(("page", str(self.page)))
        if self.version is not None:
            params.append(("version", str(self.version)))
        return params

    def querystring(self, *, drop: Iterable[str] = (), extra: Iterable[tuple[str, str]] = (), **changes) -> str:
        """The state's query string with some parameters changed (`page=2`, `sort="-x"`)."""
        dropped = set(drop) | set(changes)
        params = [(key, value) for key, value in self.url_params() if key not in dropped]
        for key, value in changes.items():
            if value is None or value == "" or (key == "page" and str(value) == "1"):
                continue
            params.append((key, str(value)))
        params += list(extra)
        return urlencode(params)

    def toggled_refine(self, name: str, value: str) -> str:
        """The query string with `name:value` refined, or no longer refined if it was."""
        pair = f"{name}:{value}"
        others = [item for item in self.refine if item != pair]
        refine = others if pair in self.refine else [*others, pair]
        params = [(key, val) for key, val in self.url_params() if key not in {"refine", "page"}]
        return urlencode(params + [("refine", item) for item in refine])

    def without(self, key: str, value: str | None = None) -> str:
        """The query string without one parameter (or one value of it)."""
        params = [
            (k, v) for k, v in self.url_params() if not (k == key and (value is None or v == value)) and k != "page"
        ]
        return urlencode(params)

    def active_filters(self, labels: dict[str, str]) -> list[dict[str, str]]:
        """What filters the rows, for the chips above the table (each with its removal link)."""
        chips = []
        if self.q:
            chips.append({"label": f"« {self.q} »", "remove": self.without("q")})
        for name, value in self.text_filters.items():
            chips.append({"label": f"{labels.get(name, name)} ~ {value}", "remove": self.without(f"c.{name}")})
        for name, value in self.min_filters.items():
            chips.append({"label": f"{labels.get(name, name)} ≥ {_bound_text(value)}",
                          "remove": self.without(f"min.{name}")})  # fmt: skip
        for name, value in self.max_filters.items():
            chips.append({"label": f"{labels.get(name, name)} ≤ {_bound_text(value)}",
                          "remove": self.without(f"max.{name}")})  # fmt: skip
        for text in self.refine:
            name, _, value = text.partition(":")
            chips.append({"label": f"{labels.get(name, name)} = {value}", "remove": self.without("refine", text)})
        for text in self.exclude:
            name, _, value = text.partition(":")
            chips.append({"label": f"{labels.get(name, name)} ≠ {value}", "remove": self.without("exclude", text)})
        for text in self.where:
            chips.append({"label": text, "remove": self.without("where", text)})
        return chips


def _bound_text(value: str) -> str:
    """A date bound as the page's language writes dates (04/12/2026); numbers as typed."""
    from datapolis.frontoffice.templatetags.portal import format_temporal

    return format_temporal(value, "date") if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else value


def _valid_bound(spec: FieldSpec, value: str) -> bool:
    if spec.type in NUMBER_TYPES:
        try:
            float(value)
        except ValueError:
            return False
        return re.fullmatch(r"-?\d+(\.\d+)?", value) is not None
    return DATE_VALUE.match(value) is not None
