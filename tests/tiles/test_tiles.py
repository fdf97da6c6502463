"""Vector tiles: decoded and checked against the data, under filters and access rules."""

from __future__ import annotations

import math

import duckdb
import mapbox_vector_tile
import pytest

from datapolis.engine import Prepared, Store
from datapolis.schema import FieldSpec
from datapolis.tiles import (
    CLUSTER_MAX_ZOOM,
    EXTENT,
    LAYER,
    TileCache,
    TileError,
    TileRequest,
    build_tile,
    cached_tile,
)

POINT_FIELDS = [
    FieldSpec("name", "Name", "text"),
    FieldSpec("kind", "Kind", "text"),
    FieldSpec("power", "Power", "double"),
    FieldSpec("opened", "Opened", "date"),
    FieldSpec("secret", "Secret", "text"),
    FieldSpec("geo", "Position", "geo_point_2d"),
]
SHAPE_FIELDS = [FieldSpec("code", "Code", "text"), FieldSpec("population", "Population", "int"),
                FieldSpec("shape", "Shape", "geo_shape")]  # fmt: skip

# 400 points on a 20 x 20 grid around Angers, every third one of kind "b".
POINTS = [
    {
        "name": f"p{i}",
        "kind": "b" if i % 3 == 0 else "a",
        "power": float(i),
        "lon": -0.60 + (i % 20) * 0.01,
        "lat": 47.40 + (i // 20) * 0.01,
    }
    for i in range(400)
]


def publish_points(store: Store) -> int:
    values = ", ".join(
        f"('{p['name']}', '{p['kind']}', {p['power']}, DATE '2024-01-01', 'x', {p['lon']}, {p['lat']})" for p in POINTS
    )

    def prepare(con: duckdb.DuckDBPyConnection) -> Prepared:
        con.execute(
            "CREATE TEMP TABLE src AS SELECT name, kind, power::DOUBLE AS power, opened, secret, "
            "{'lon': lon::DOUBLE, 'lat': lat::DOUBLE} AS geo "
            f"FROM (VALUES {values}) t(name, kind, power, opened, secret, lon, lat)"
        )
        return Prepared("src", POINT_FIELDS)

    return store.publish("points", prepare).snapshot_id


def tile_xy(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Fractional tile coordinates of a point (Web Mercator), for independent checks."""
    n = 2**z
    x = (lon + 180) / 360 * n
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return x, y


def decode(tile: bytes) -> list[dict]:
    if not tile:
        return []
    layers = mapbox_vector_tile.decode(tile, default_options={"y_coord_down": True})
    return layers.get(LAYER, {}).get("features", [])


def points_tile(store: Store, z: int, lon: float, lat: float, **options) -> tuple[TileRequest, list[dict]]:
    x, y = tile_xy(lon, lat, z)
    request = TileRequest(z=z, x=int(x), y=int(y), geo_field="geo", **options)
    relation = store.relation_sql("points")
    return request, decode(build_tile(store.cursor(), request, POINT_FIELDS, relation))


def in_tile(request: TileRequest, point: dict) -> bool:
    x, y = tile_xy(point["lon"], point["lat"], request.z)
    return int(x) == request.x and int(y) == request.y


def test_points_at_high_zoom_are_sent_one_by_one_with_their_attributes(store: Store) -> None:
    publish_points(store)
    request, features = points_tile(store, 15, -0.55, 47.45, attributes=("name", "power"))
    expected = {p["name"]: p for p in POINTS if in_tile(request, p)}

    assert request.z >= CLUSTER_MAX_ZOOM and expected
    inside = [f for f in features if 0 <= f["geometry"]["coordinates"][0] < EXTENT
              and 0 <= f["geometry"]["coordinates"][1] < EXTENT]  # fmt: skip
    assert {f["properties"]["name"] for f in inside} == set(expected)
    for feature in inside:
        point = expected[feature["properties"]["name"]]
        assert feature["properties"]["power"] == point["power"]
        assert feature["properties"]["point_count"] == 1
        x, y = tile_xy(point["lon"], point["lat"], request.z)
        px, py = feature["geometry"]["coordinates"]
        assert abs(px - (x - request.x) * EXTENT) <= 1 and abs(py - (y - request.y) * EXTENT) <= 1


def test_low_zooms_cluster_on_a_grid_in_the_query_and_count_every_point(store: Store) -> None:
    publish_points(store)
    _, features = points_tile(store, 3, -0.5, 47.5, attributes=("name",))

    assert sum(f["properties"]["point_count"] for f in features) == len(POINTS)
    assert len(features) < 10  # 400 points in a few cells at zoom 3
    clusters = [f for f in features if f["properties"]["point_count"] > 1]
    assert clusters and all("name" not in f["properties"] for f in clusters)


def test_a_row_filter_hides_rows_from_tiles(store: Store) -> None:
    publish_points(store)
    _, low = points_tile(store, 3, -0.5, 47.5, restrictions=('kind = "a"',))
    _, high = points_tile(store, 15, -0.55, 47.45, attributes=("name", "kind"), restrictions=('kind = "a"',))

    assert sum(f["properties"]["point_count"] for f in low) == sum(p["kind"] == "a" for p in POINTS)
    names = {f["properties"]["name"] for f in high}
    assert names and names <= {p["name"] for p in POINTS if p["kind"] == "a"}
    assert all(f["properties"]["kind"] == "a" for f in high)


def test_page_filters_are_compiled_by_odsql(store: Store) -> None:
    publish_points(store)
    _, features = points_tile(store, 3, -0.5, 47.5, where=("power >= 300",), refine=(("kind", "b"),))

    assert sum(f["properties"]["point_count"] for f in features) == sum(
        p["power"] >= 300 and p["kind"] == "b" for p in POINTS
    )


def test_a_hostile_filter_is_an_odsql_error_not_sql(store: Store) -> None:
    from datapolis.odsql import ODSQLError

    publish_points(store)
    with pytest.raises(ODSQLError):
        points_tile(store, 3, -0.5, 47.5, where=("1); DROP TABLE points; --",))


def test_hidden_fields_never_reach_a_tile(store: Store) -> None:
    publish_points(store)
    visible = frozenset({"name", "geo"})
    _, features = points_tile(store, 15, -0.55, 47.45, attributes=("name", "secret"), visible_fields=visible)

    assert features and all(set(f["properties"]) == {"name", "point_count"} for f in features)


def test_dates_become_text(store: Store) -> None:
    publish_points(store)
    _, features = points_tile(store, 15, -0.55, 47.45, attributes=("opened",))

    assert features and {f["properties"]["opened"] for f in features} == {"2024-01-01"}


def publish_shapes(store: Store) -> None:
    squares = [
        ("A", 100, "POLYGON((-0.6 47.4, -0.5 47.4, -0.5 47.5, -0.6 47.5, -0.6 47.4))"),
        ("B", 200, "POLYGON((-0.5 47.4, -0.4 47.4, -0.4 47.5, -0.5 47.5, -0.5 47.4))"),
        ("C", 300, "POLYGON((5 45, 5.1 45, 5.1 45.1, 5 45.1, 5 45))"),
    ]
    values = ", ".join(f"('{code}', {population}, ST_GeomFromText('{wkt}'))" for code, population, wkt in squares)

    def prepare(con: duckdb.DuckDBPyConnection) -> Prepared:
        con.execute(f"CREATE TEMP TABLE src AS SELECT * FROM (VALUES {values}) t(code, population, shape)")
        return Prepared("src", SHAPE_FIELDS)

    store.publish("shapes", prepare)


def test_shapes_are_clipped_to_their_tiles_with_attributes(store: Store) -> None:
    publish_shapes(store)
    x, y = tile_xy(-0.5, 47.45, 8)
    request = TileRequest(z=8, x=int(x), y=int(y), geo_field="shape", attributes=("code", "population"))
    features = decode(build_tile(store.cursor(), request, SHAPE_FIELDS, store.relation_sql("shapes")))

    assert {(f["properties"]["code"], f["properties"]["population"]) for f in features} == {("A", 100), ("B", 200)}
    assert {f["geometry"]["type"] for f in features} == {"Polygon"}
    # The shared edge at lon -0.5 is where A ends and B starts.
    edge = (x - int(x)) * EXTENT
    a = next(f for f in features if f["properties"]["code"] == "A")
    assert abs(max(px for px, _ in a["geometry"]["coordinates"][0]) - edge) <= 1


def test_shape_tiles_follow_row_filters(store: Store) -> None:
    publish_shapes(store)
    x, y = tile_xy(-0.5, 47.45, 8)
    request = TileRequest(z=8, x=int(x), y=int(y), geo_field="shape", attributes=("code",),
                          restrictions=("population > 150",))  # fmt: skip
    features = decode(build_tile(store.cursor(), request, SHAPE_FIELDS, store.relation_sql("shapes")))

    assert [f["properties"]["code"] for f in features] == ["B"]


def test_a_tile_far_from_the_data_has_no_feature(store: Store) -> None:
    publish_points(store)
    request = TileRequest(z=10, x=0, y=0, geo_field="geo")

    assert decode(build_tile(store.cursor(), request, POINT_FIELDS, store.relation_sql("points"))) == []


def test_tiles_outside_the_world_or_without_geo_field_are_refused() -> None:
    with pytest.raises(TileError):
        TileRequest(z=2, x=4, y=0, geo_field="geo")
    with pytest.raises(TileError):
        TileRequest(z=30, x=0, y=0, geo_field="geo")
    with pytest.raises(TileError):
        from datapolis.tiles import tile_sql

        tile_sql(TileRequest(z=1, x=0, y=0, geo_field="name"), POINT_FIELDS, "t")


def test_the_cache_is_keyed_by_snapshot_and_filters_and_bounded(store: Store) -> None:
    snapshot = publish_points(store)
    cache = TileCache(max_bytes=3_000)
    relation = store.relation_sql("points")
    request = TileRequest(z=3, x=3, y=2, geo_field="geo")
    filtered = TileRequest(z=3, x=3, y=2, geo_field="geo", where=('kind = "b"',))

    first = cached_tile(cache, store.cursor(), "points", snapshot, request, POINT_FIELDS, relation)
    again = cached_tile(cache, store.cursor(), "points", snapshot, request, POINT_FIELDS, relation)
    other = cached_tile(cache, store.cursor(), "points", snapshot, filtered, POINT_FIELDS, relation)
    assert first == again and first != other
    assert cache.hits == 1 and cache.misses == 2

    cached_tile(cache, store.cursor(), "points", snapshot + 1, request, POINT_FIELDS, relation)
    assert cache.misses == 3  # a new version never reuses the old tiles


def test_the_cache_drops_the_least_recently_used_tiles_past_its_size(store: Store) -> None:
    snapshot = publish_points(store)
    relation = store.relation_sql("points")
    requests = []
    for z in range(4, 12):
        x, y = tile_xy(-0.5, 47.5, z)
        requests.append(TileRequest(z=z, x=int(x), y=int(y), geo_field="geo", attributes=("name", "kind")))
    tiles = [build_tile(store.cursor(), request, POINT_FIELDS, relation) for request in requests]
    cache = TileCache(max_bytes=sum(len(tile) for tile in tiles[-3:]))

    for request in requests:
        cached_tile(cache, store.cursor(), "points", snapshot, request, POINT_FIELDS, relation)

    assert len(cache) == 3 and cache.size == cache.max_bytes
    kept = [request for request in requests if cache.get(cache.key("points", snapshot, request)) is not None]
    assert kept == requests[-3:]
