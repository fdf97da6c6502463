"""Export options, named and defaulted as the Explore API v2.1 export endpoints name them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pyproj
import pytz

CSV_DELIMITERS = (";", ",", "\t", "|")
PARQUET_COMPRESSIONS = ("snappy", "zstd")
WGS84 = 4326
_MAX_LIST_SEPARATOR_LENGTH = 16
_LAYER_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"'{}|\\^`]*")


class ExportError(ValueError):
    """An export that cannot be made as asked (bad option, format unfit for the data)."""


@dataclass(frozen=True)
class ExportOptions:
    timezone: str = "UTC"
    use_labels: bool = False
    compressed: bool = False
    epsg: int = WGS84
    # csv
    delimiter: str = ";"
    list_separator: str = ","
    quote_all: bool = False
    with_bom: bool = True
    # parquet
    parquet_compression: str = "snappy"
    # gpx
    name_field: str | None = None
    description_field_list: tuple[str, ...] = ()
    use_extension: bool = True
    # name of the layer, sheet and archive members inside the file
    layer_name: str = "export"
    # linked-data formats: predicates are this IRI followed by the field name
    vocabulary_uri: str = "urn:datapolis:field:"

    def validate(self) -> None:
        """Raise ExportError for a value the export cannot use."""
        if self.delimiter not in CSV_DELIMITERS:
            raise ExportError(f"delimiter must be one of {', '.join(map(repr, CSV_DELIMITERS))}")
        if not 0 < len(self.list_separator) <= _MAX_LIST_SEPARATOR_LENGTH:
            raise ExportError(f"list_separator must have 1 to {_MAX_LIST_SEPARATOR_LENGTH} characters")
        if self.parquet_compression not in PARQUET_COMPRESSIONS:
            raise ExportError(f"parquet_compression must be one of {', '.join(PARQUET_COMPRESSIONS)}")
        if not is_known_timezone(self.timezone):
            raise ExportError(f"unknown timezone {self.timezone!r}")
        if not _LAYER_NAME.fullmatch(self.layer_name):
            raise ExportError("layer_name must be 1 to 64 letters, digits, '_' or '-'")
        if not _IRI.fullmatch(self.vocabulary_uri):
            raise ExportError(f"vocabulary_uri {self.vocabulary_uri!r} is not an absolute IRI")
        if not is_known_epsg(self.epsg):
            raise ExportError(f"unknown EPSG code {self.epsg!r}")

    @property
    def is_utc(self) -> bool:
        return self.timezone in {"UTC", "Etc/UTC", "Etc/GMT", "GMT"}

    @property
    def reprojects(self) -> bool:
        return self.epsg != WGS84


def is_known_timezone(name: str) -> bool:
    return name in pytz.all_timezones_set


@cache
def is_known_epsg(code: int) -> bool:
    if not isinstance(code, int) or isinstance(code, bool) or code <= 0:
        return False
    try:
        pyproj.CRS.from_epsg(code)
    except pyproj.exceptions.CRSError:
        return False
    return True
