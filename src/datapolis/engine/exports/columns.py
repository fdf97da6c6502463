"""The columns an export writes: names, labels and API types of a query's output."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from datapolis.schema import FieldType, normalise_field_name

GEO_TYPES: frozenset[FieldType] = frozenset({"geo_point_2d", "geo_shape"})
NUMERIC_TYPES: frozenset[FieldType] = frozenset({"int", "double"})


@dataclass(frozen=True)
class ExportColumn:
    """One output column of the exported query.

    `name` is the column's name in the query's result; `label` what headers show with
    `use_labels`; `type` its API type, stored as in `schema.STORAGE_TYPES`.
    A multivalued text column holds a `VARCHAR[]`.
    """

    name: str
    label: str
    type: FieldType
    multivalued: bool = False

    @property
    def is_geo(self) -> bool:
        return self.type in GEO_TYPES


def geometry_column(columns: Sequence[ExportColumn]) -> ExportColumn | None:
    """The column geo formats take their geometry from: the first shape, else the first point.

    Datasets often carry both a shape and its centre point (as Opendatasoft's exports
    do); the shape is the feature's geometry, the point one of its properties.
    """
    shapes = (column for column in columns if column.type == "geo_shape")
    points = (column for column in columns if column.is_geo)
    return next(shapes, None) or next(points, None)


def unique_names(names: Iterable[str], numbering: str = " ({n})") -> list[str]:
    """Names made unique, case-insensitively, by numbering repeats: ["a", "A"] -> ["a", "A (2)"]."""
    taken: set[str] = set()
    result = []
    for name in names:
        candidate, n = name, 2
        while candidate.lower() in taken:
            candidate = name + numbering.format(n=n)
            n += 1
        taken.add(candidate.lower())
        result.append(candidate)
    return result


_DBF_NAME_LENGTH = 10


def shapefile_names(names: Iterable[str]) -> list[str]:
    """DBF attribute names: ASCII, at most 10 characters, unique without regard to case."""
    taken: set[str] = set()
    result = []
    for name in names:
        base = normalise_field_name(name)[:_DBF_NAME_LENGTH]
        candidate, n = base, 2
        while candidate.lower() in taken:
            suffix = f"_{n}"
            candidate = base[: _DBF_NAME_LENGTH - len(suffix)] + suffix
            n += 1
        taken.add(candidate.lower())
        result.append(candidate)
    return result


_XML_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def xml_names(names: Iterable[str], reserved: frozenset[str] = frozenset()) -> list[str]:
    """Element names for XML formats: safe characters, not starting with a digit, unique."""
    result = []
    for name in names:
        cleaned = _XML_NAME.sub("_", name) or "field"
        if not (cleaned[0].isalpha() or cleaned[0] == "_"):
            cleaned = f"f_{cleaned}"
        if cleaned.lower() in reserved:
            cleaned = f"{cleaned}_field"
        result.append(cleaned)
    return unique_names(result, numbering="_{n}")
