"""The dataset store: versioned DuckLake tables and queries over them. No Django imports."""

from datapolis.engine.lake import LakeLocation
from datapolis.engine.store import DatasetNotFound, Prepared, Store, StoreError, Version, VersionNotFound

__all__ = [
    "DatasetNotFound",
    "LakeLocation",
    "Prepared",
    "Store",
    "StoreError",
    "Version",
    "VersionNotFound",
]
