"""The dataset store: versioned DuckLake tables and queries over them. No Django imports."""

from datapolis.engine.lake import LakeLocation
from datapolis.engine.store import DatasetNotFound, Prepared, Store, StoreError, Version, VersionNotFound
from datapolis.engine.types import FIELD_TYPES, STORAGE_TYPES, FieldSpec, FieldType, normalise_field_name

__all__ = [
    "FIELD_TYPES",
    "STORAGE_TYPES",
    "DatasetNotFound",
    "FieldSpec",
    "FieldType",
    "LakeLocation",
    "Prepared",
    "Store",
    "StoreError",
    "Version",
    "VersionNotFound",
    "normalise_field_name",
]
