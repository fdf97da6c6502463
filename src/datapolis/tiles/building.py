"""Mapbox vector tiles (MVT) of a dataset version, built by DuckDB spatial's ST_AsMVT.

A tile is one layer, `data`, of the rows a caller may see under their current filters:

- the rows come from an ODSQL query (`compile_query` with `storage_values`): the caller's
  access restrictions and visible fields and the page's filters (where, refine, exclude)
  are compiled and checked by the query layer exactly as for records, never by string
  building here; this module only wraps the compiled query and binds the tile's bounds;
- points (`geo_point_2d`) are projected to tile coordinates with plain arithmetic on the
  stored `{lon, lat}` doubles (Web Mercator), after a bounding-box prefilter on the same
  doubles. Below `cluster_max_zoom` they are aggregated on a grid in the query itself
  (`GROUP BY` cell): a cell is one feature at its points' mean position with
  `point_count`; a cell holding a single point keeps that point's attributes. A million
  points therefore give at most a few hundred features per tile, whatever the zoom;
- shapes (`geo_shape`) are reprojected with ST_Transform, clipped and quantised with
  ST_AsMVTGeom, after an intersection prefilter with the tile's envelope;
- attributes are only those asked for (what tooltips and styling need), and only if
  visible; dates and other values MVT cannot hold are written as text.

No Django imports.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from datapolis.engine.sql import quote_identifier, quote_literal
from datapolis.odsql import QuerySpec, compile_query
from datapolis.schema import FieldSpec, Relation

LAYER = "data"
EXTENT = 4096
BUFFER = 64  # tile units kept around the tile so symbols and strokes do not get cut
MAX_ZOOM = 22
CLUSTER_MAX_ZOOM = 14  # from this zoom on, points are sent one by one
CLUSTER_CELL = 256  # grid cell in tile units: 16 cells per tile side (32 px on a 512 px tile)
MAX_FEATURES = 50_000  # unclustered points or shapes per tile
MAX_LATITUDE = 85.0511287798066  # Web Mercator's limit
MVT_TYPES = {"int": "BIGINT", "double": "DOUBLE", "boolean": "BOOLEAN"}  # others become text
GEO_TYPES = {"geo_point_2d", "geo_shape"}


class TileError(ValueError):
    """A tile request that cannot be answered (bad coordinates, no such geo field)."""


@dataclass(frozen=True)
class TileRequest:
    """One tile of one dataset version as one caller sees it under their filters."""

    z: int
    x: int
    y: int
    geo_field: str
    attributes: tuple[str, ...] = ()
    where: tuple[str, ...] = ()
    refine: tuple[tuple[str, str], ...] = ()
    exclude: tuple[tuple[str, str], ...] = ()
    restrictions: tuple[str, ...] = ()
    visible_fields: frozenset[str] | None = None
    timezone: str = "UTC"
    cluster: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.z <= MAX_ZOOM:
            raise TileError(f"zoom must be between 0 and {MAX_ZOOM}")
        side = 1 << self.z
        if not (0 <= self.x < side and 0 <= self.y < side):
            raise TileError(f"tile {self.z}/{self.x}/{self.y} does not exist")

    def fingerprint(self) -> str:
        """What, besides the version and z/x/y, makes two tiles differ."""
        key = {
            "geo": self.geo_field,
            "attributes": list(self.attributes),
            "where": list(self.where),
            "refine": [list(pair) for pair in self.refine],
            "exclude": [list(pair) for pair in self.exclude],
            "restrictions": list(self.restrictions),
            "visible": sorted(self.visible_fields) if self.visible_fields is not None else None,
            "timezone": self.timezone,
            "cluster": self.cluster,
        }
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()

    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees, widened by the buffer."""
        side = 1 << self.z
        margin = BUFFER / EXTENT

        def lon(tx: float) -> float:
            return tx / side * 360.0 - 180.0

        def lat(ty: float) -> float:
            return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * ty / side))))

        west, east = lon(self.x - margin), lon(self.x + 1 + margin)
        north, south = lat(max(self.y - margin, 0.0)), lat(min(self.y + 1 + margin, float(side)))
        return west, south, east, north


def tile_sql(request: TileRequest, schema: Sequence[FieldSpec], relation: Relation | str) -> tuple[str, dict]:
    """The SQL (and its parameters) returning the tile as one BLOB, NULL when empty."""
    by_name = {spec.name: spec for spec in schema}
    geo = by_name.get(request.geo_field)
    if geo is None or geo.type not in GEO_TYPES:
        raise TileError(f"{request.geo_field} is not a geographic field of this dataset")
    attributes = [
        name
        for name in dict.fromkeys(request.attributes)
        if name in by_name
        and name != geo.name
        and by_name[name].type not in GEO_TYPES
        and (request.visible_fields is None or name in request.visible_fields)
    ]
    spec = QuerySpec(
        select=", ".join(f"`{name}`" for name in [geo.name, *attributes]),
        where=list(request.where),
        refine=list(request.refine),
        exclude=list(request.exclude),
        restrictions=request.restrictions,
        visible_fields=request.visible_fields,
        timezone=request.timezone,
    )
    compiled = compile_query(spec, schema, relation, storage_values=True)
    names = [column.name for column in compiled.columns]
    params = dict(compiled.params)
    west, south, east, north = request.bounds()
    params.update(
        tile_z=request.z,
        tile_x=request.x,
        tile_y=request.y,
        tile_west=west,
        tile_south=south,
        tile_east=east,
        tile_north=north,
    )
    geo_column = quote_identifier(names[0])
    properties = {
        name: _property(by_name[name], quote_identifier(column))
        for name, column in zip(attributes, names[1:], strict=True)
    }
    if geo.type == "geo_point_2d":
        return _points_sql(request, compiled.sql, geo_column, properties), params
    return _shapes_sql(compiled.sql, geo_column, properties), params


def _property(spec: FieldSpec, column: str) -> str:
    return f"CAST({column} AS {MVT_TYPES.get(spec.type, 'VARCHAR')})"


def _struct(entries: dict[str, str]) -> str:
    return "{" + ", ".join(f"{quote_literal(name)}: {value}" for name, value in entries.items()) + "}"


def _points_sql(request: TileRequest, rows_sql: str, geo: str, properties: dict[str, str]) -> str:
    # Tile coordinates of a point, in units of EXTENT (Web Mercator, y down).
    lon, raw_lat = f"CAST({geo}.lon AS DOUBLE)", f"CAST({geo}.lat AS DOUBLE)"
    lat = f"least(greatest({raw_lat}, -{MAX_LATITUDE}), {MAX_LATITUDE})"
    px = f"(({lon} + 180.0) / 360.0 * pow(2, $tile_z) - $tile_x) * {EXTENT}"
    mercator_y = f"(1.0 - ln(tan(radians({lat})) + 1.0 / cos(radians({lat}))) / pi()) / 2.0"
    py = f"({mercator_y} * pow(2, $tile_z) - $tile_y) * {EXTENT}"
    prefilter = f"{lon} BETWEEN $tile_west AND $tile_east AND {raw_lat} BETWEEN $tile_south AND $tile_north"
    inner = ", ".join(f"{value} AS {quote_identifier('a_' + name)}" for name, value in properties.items())
    projected = (
        f"SELECT {px} AS px, {py} AS py{', ' + inner if inner else ''} "
        f"FROM ({rows_sql}) AS rows WHERE {geo} IS NOT NULL AND {prefilter}"
    )
    inside = f"px >= -{BUFFER} AND px < {EXTENT + BUFFER} AND py >= -{BUFFER} AND py < {EXTENT + BUFFER}"
    if request.cluster and request.z < CLUSTER_MAX_ZOOM:
        kept = "".join(
            f", CASE WHEN count(*) = 1 THEN any_value({column}) END AS {column}"
            for column in (quote_identifier("a_" + name) for name in properties)
        )
        cells = (
            f"SELECT round(avg(px)) AS px, round(avg(py)) AS py, count(*) AS point_count{kept} "
            f"FROM ({projected}) WHERE {inside} "
            f"GROUP BY floor(px / {CLUSTER_CELL}), floor(py / {CLUSTER_CELL})"
        )
        entries = {"geometry": "ST_Point(px, py)", "point_count": "point_count"}
        entries.update({name: quote_identifier("a_" + name) for name in properties})
        return f"SELECT ST_AsMVT({_struct(entries)}, '{LAYER}', {EXTENT}, 'geometry') FROM ({cells})"
    entries = {"geometry": "ST_Point(round(px), round(py))", "point_count": "1"}
    entries.update({name: quote_identifier("a_" + name) for name in properties})
    return (
        f"SELECT ST_AsMVT({_struct(entries)}, '{LAYER}', {EXTENT}, 'geometry') "
        f"FROM (SELECT * FROM ({projected}) WHERE {inside} LIMIT {MAX_FEATURES})"
    )


def _shapes_sql(rows_sql: str, geo: str, properties: dict[str, str]) -> str:
    envelope = "ST_MakeEnvelope($tile_west, $tile_south, $tile_east, $tile_north)"
    geometry = (
        f"ST_AsMVTGeom(ST_Transform({geo}, 'EPSG:4326', 'EPSG:3857', true), "
        f"ST_Extent(ST_TileEnvelope($tile_z, $tile_x, $tile_y)), {EXTENT}, {BUFFER}, true)"
    )
    inner = ", ".join(f"{value} AS {quote_identifier('a_' + name)}" for name, value in properties.items())
    clipped = (
        f"SELECT {geometry} AS geometry{', ' + inner if inner else ''} FROM ({rows_sql}) AS rows "
        f"WHERE {geo} IS NOT NULL AND ST_Intersects({geo}, {envelope}) LIMIT {MAX_FEATURES}"
    )
    entries = {"geometry": "geometry"}
    entries.update({name: quote_identifier("a_" + name) for name in properties})
    return (
        f"SELECT ST_AsMVT({_struct(entries)}, '{LAYER}', {EXTENT}, 'geometry') "
        f"FROM ({clipped}) WHERE geometry IS NOT NULL AND NOT ST_IsEmpty(geometry)"
    )


def build_tile(
    cursor: duckdb.DuckDBPyConnection, request: TileRequest, schema: Sequence[FieldSpec], relation: Relation | str
) -> bytes:
    """The tile's bytes (empty when no row falls in it)."""
    sql, params = tile_sql(request, schema, relation)
    row = cursor.execute(sql, params).fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""
