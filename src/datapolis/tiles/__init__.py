"""Mapbox vector tiles of a dataset version, above ODSQL and the store. No Django imports.

`building` compiles a tile's rows with ODSQL and wraps them in DuckDB spatial's
`ST_AsMVT`; `cache` keeps recent tiles. The HTTP face is `datapolis.api.tiles`.
"""

from datapolis.tiles.building import (
    CLUSTER_MAX_ZOOM,
    EXTENT,
    GEO_TYPES,
    LAYER,
    TileError,
    TileRequest,
    build_tile,
    tile_sql,
)
from datapolis.tiles.cache import TileCache, cached_tile

__all__ = [
    "CLUSTER_MAX_ZOOM",
    "EXTENT",
    "GEO_TYPES",
    "LAYER",
    "TileCache",
    "TileError",
    "TileRequest",
    "build_tile",
    "cached_tile",
    "tile_sql",
]
