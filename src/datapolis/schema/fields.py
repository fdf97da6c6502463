"""How a field is typed: the field types, their storage types, and the technical columns.

Shared by the readers, the store and the query layer.

The names are the Explore API v2.1 field types; each maps to one DuckDB storage type.
geo_point_2d is a struct so records serialise to {"lon", "lat"} without conversion;
geo_shape is a spatial GEOMETRY in WGS84 (EPSG:4326, lon/lat order).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

FieldType = Literal["text", "int", "double", "boolean", "date", "datetime", "geo_point_2d", "geo_shape"]

FIELD_TYPES: tuple[FieldType, ...] = (
    "text",
    "int",
    "double",
    "boolean",
    "date",
    "datetime",
    "geo_point_2d",
    "geo_shape",
)

STORAGE_TYPES: dict[FieldType, str] = {
    "text": "VARCHAR",
    "int": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMPTZ",
    "geo_point_2d": "STRUCT(lon DOUBLE, lat DOUBLE)",
    "geo_shape": "GEOMETRY",
}

# Technical columns every stored version carries besides the dataset's fields.
RECORD_ID_COLUMN = "_id"
RECORD_TIMESTAMP_COLUMN = "_timestamp"
TECHNICAL_COLUMNS = (RECORD_ID_COLUMN, RECORD_TIMESTAMP_COLUMN)


@dataclass
class FieldSpec:
    """One field of a dataset version, as the Explore API describes it."""

    name: str
    label: str
    type: FieldType
    description: str | None = None
    annotations: dict[str, list[Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FieldSpec:
        return cls(
            name=data["name"],
            label=data.get("label") or data["name"],
            type=data["type"],
            description=data.get("description"),
            annotations=dict(data.get("annotations") or {}),
        )

    @property
    def storage_type(self) -> str:
        return STORAGE_TYPES[self.type]


_NON_NAME = re.compile(r"[^a-z0-9_]+")


def normalise_field_name(label: str, taken: set[str] | None = None) -> str:
    """Turn a header such as "Libellé d'acheminement" into "libelle_d_acheminement".

    Names are [a-z0-9_], never empty, never start with a digit or an underscore
    (those are reserved for technical columns), and are unique within `taken`.
    """
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    name = _NON_NAME.sub("_", ascii_text.lower()).strip("_")
    if not name:
        name = "field"
    if name[0].isdigit():
        name = f"f_{name}"
    if taken is not None:
        base, n = name, 2
        while name in taken:
            name = f"{base}_{n}"
            n += 1
        taken.add(name)
    return name
