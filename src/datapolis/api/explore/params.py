"""Query parameters of the Explore API, with the reference's limits and defaults (§2.1).

The Ninja schemas give the OpenAPI document its parameters and validate their types; they
have the attribute names of the query services' requests (`datapolis.queries.requests`),
which apply the rules that span parameters (limit/offset bounds).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from datapolis.queries.requests import DEFAULT_LIMIT

Language = Literal["en", "fr", "nl", "pt", "it", "ar", "de", "es", "ca", "eu", "sv"]

SELECT_DOC = (
    "ODSQL select clause: fields, `expr AS alias`, aggregations, `include()`/`exclude()`. Example: `name, population`."
)
WHERE_DOC = (
    "ODSQL filter; repeat the parameter to combine filters with AND. "
    "Examples: `population > 10000`, `search(\"vélo\")`, `within_distance(geo, geom'POINT(2.35 48.85)', 1km)`."
)
GROUP_BY_DOC = "ODSQL group_by clause: fields, `range()`, `year()`, `date_format()`, `geo_cluster()`..."
ORDER_BY_DOC = "ODSQL order_by clause: `population DESC, name`. A leading `-` means descending."
REFINE_DOC = "Keep only records whose facet has this value: `FACET:VALUE` (dates: `2024`, `2024/05`). Repeatable."
EXCLUDE_DOC = "Remove records whose facet has this value: `FACET:VALUE`. Repeatable."
TIMEZONE_DOC = "IANA time zone for datetimes in queries and results, e.g. `Europe/Paris`."
LANG_DOC = "Language for formatted values (`date_format` month and day names). Default `fr`."


class LanguageParams(Schema):
    lang: Language | None = Field(None, description=LANG_DOC)
    timezone: str = Field("UTC", description=TIMEZONE_DOC)


VERSION_DOC = (
    "Read this version of the dataset (its number in the dataset's history) instead of the current one, "
    "without rolling back. A Datapolis extension."
)
AT_DOC = (
    "Read the version that was current at this time (ISO 8601, e.g. `2026-03-01T08:00:00+01:00`; "
    "without a zone, in `timezone`). A Datapolis extension."
)


class VersionParams(LanguageParams):
    version: int | None = Field(None, description=VERSION_DOC)
    at: datetime | None = Field(None, description=AT_DOC)


class FilterParams(LanguageParams):
    where: list[str] = Field(default_factory=list, description=WHERE_DOC)
    refine: list[str] = Field(default_factory=list, description=REFINE_DOC)
    exclude: list[str] = Field(default_factory=list, description=EXCLUDE_DOC)


class QueryParams(FilterParams):
    select: str | None = Field(None, description=SELECT_DOC)
    group_by: str | None = Field(None, description=GROUP_BY_DOC)
    order_by: str | None = Field(None, description=ORDER_BY_DOC)


class RecordsParams(QueryParams):
    limit: int = Field(
        DEFAULT_LIMIT,
        description="Number of items to return: at most 100 and offset+limit ≤ 10000 (20000 with group_by).",
    )
    offset: int = Field(0, description="Index of the first item to return.")
    include_links: bool = Field(False, description="Add HATEOAS `_links` to the response.")
    include_app_metas: bool = Field(False, description="Add application metadata (accepted, no effect).")


class DatasetRecordsParams(RecordsParams, VersionParams):
    pass


class RecordParams(VersionParams):
    select: str | None = Field(None, description=SELECT_DOC)


class DatasetParams(LanguageParams):
    select: str | None = Field(None, description="Metadata to return, e.g. `title, modified`.")
    include_links: bool = Field(False, description="Add HATEOAS `_links` to the response.")
    include_app_metas: bool = Field(False, description="Add application metadata (accepted, no effect).")


class FacetParams(FilterParams):
    facet: list[str] = Field(
        default_factory=list,
        description='Facets to compute: `name` or `facet(name="f", disjunctive=true, sort="-count", limit=10)`.',
    )


class DatasetFacetParams(FacetParams, VersionParams):
    pass


class ExportParams(QueryParams, VersionParams):
    limit: int = Field(-1, description="Number of records to export; -1 (default) exports them all.")
    offset: int = Field(0, description="Index of the first record to export.")
    use_labels: bool = Field(False, description="Use field labels instead of names in headers.")
    compressed: bool = Field(False, description="Gzip the file.")
    epsg: int = Field(4326, description="EPSG code to project geometries into.")
    delimiter: str = Field(";", description="CSV: field delimiter, one of `;` `,` tab `|`.")
    list_separator: str = Field(",", description="CSV: separator of multivalued values.")
    quote_all: bool = Field(False, description="CSV: quote every value.")
    with_bom: bool = Field(True, description="CSV: start the file with a UTF-8 byte order mark.")
    parquet_compression: Literal["snappy", "zstd"] = Field("snappy", description="Parquet: compression codec.")
    name_field: str | None = Field(None, description="GPX: field used as waypoint name.")
    description_field_list: str | None = Field(None, description="GPX: comma-separated fields for descriptions.")
    use_extension: bool = Field(True, description="GPX: put attributes in `<extensions>`.")
