"""Options a publisher can give a reader; everything left as None is detected."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from datapolis.schema import FieldType


@dataclass
class ReadOptions:
    format: str | None = None  # csv, xlsx, ods, json, jsonl, geojson, shp, gpkg, kml, parquet
    encoding: str | None = None  # utf-8, utf-8-sig, latin-1, cp1252...
    delimiter: str | None = None  # , ; \t |
    sheet: str | None = None  # spreadsheet sheet name (default: the first)
    json_path: str | None = None  # dotted path to the array of records in a JSON document
    epsg: int | None = None  # declared projection of coordinates when the file does not say
    field_types: dict[str, FieldType] = field(default_factory=dict)  # forced types by field name
    multivalued: dict[str, str] = field(default_factory=dict)  # field name -> separator of its values
    original_name: str | None = None  # the uploaded file's name, when the path is a temporary file
    # fields read as text when the file has them (a Table Schema's strings: codes keep their zeros)
    text_fields: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value not in (None, {}, [])}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReadOptions:
        """The options `to_dict` gave; TypeError names an unknown option."""
        unknown = set(data) - {item.name for item in fields(cls)}
        if unknown:
            raise TypeError(f"unknown reading option(s): {', '.join(sorted(unknown))}")
        return cls(**data)
