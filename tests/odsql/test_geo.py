"""Golden tests of the geo predicates and functions; expectations from shapely and plain math."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import Point, box, shape


def haversine(lon1, lat1, lon2, lat2) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


CHATELET = (2.3470, 48.8589)


def ids(rows):
    return {row["id"] for row in rows}


@pytest.mark.parametrize(
    ("distance", "metres"),
    [("500m", 500), ("1km", 1000), ("0.5mi", 804.672), ("1000yd", 914.4), ("2000ft", 609.6), ("80000cm", 800)],
)
def test_within_distance_units(velib, distance, metres):
    lon0, lat0 = CHATELET
    expected = {r["id"] for r in velib.rows if haversine(r["geo"]["lon"], r["geo"]["lat"], lon0, lat0) <= metres}
    assert expected
    where = f"within_distance(geo, geom'POINT({lon0} {lat0})', {distance})"
    assert ids(velib.query(where=where)) == expected


def test_v20_distance_predicate_and_geojson_center(velib):
    lon0, lat0 = CHATELET
    expected = {r["id"] for r in velib.rows if haversine(r["geo"]["lon"], r["geo"]["lat"], lon0, lat0) <= 700}
    where = f"""distance(geo, geom'{{"type": "Point", "coordinates": [{lon0}, {lat0}]}}', 700m)"""
    assert ids(velib.query(where=where)) == expected


def test_distance_in_select_and_order_by(velib):
    lon0, lat0 = CHATELET
    rows = velib.query(
        select=f"id, distance(geo, geom'POINT({lon0} {lat0})') as d",
        order_by=f"distance(geo, geom'POINT({lon0} {lat0})')",
        limit=5,
    )
    nearest = sorted(velib.rows, key=lambda r: haversine(r["geo"]["lon"], r["geo"]["lat"], lon0, lat0))[:5]
    assert [r["id"] for r in rows] == [r["id"] for r in nearest]
    for row, reference in zip(rows, nearest, strict=True):
        assert row["d"] == pytest.approx(
            haversine(reference["geo"]["lon"], reference["geo"]["lat"], lon0, lat0), rel=1e-9
        )


def test_in_bbox_takes_corners_in_any_order(velib):
    expected = {r["id"] for r in velib.rows if 48.85 <= r["geo"]["lat"] <= 48.87 and 2.30 <= r["geo"]["lon"] <= 2.35}
    assert expected
    assert ids(velib.query(where="in_bbox(geo, 48.87, 2.35, 48.85, 2.30)")) == expected
    assert ids(velib.query(where="in_bbox(geo, 48.85, 2.30, 48.87, 2.35)")) == expected


POLYGON = (
    "POLYGON((2.331161 48.869762, 2.3600006 48.87574, 2.373046875 48.85101,"
    " 2.3503875 48.84209, 2.3376846 48.85451, 2.331161 48.869762))"
)


def test_intersects_within_disjoint_on_points(velib):
    polygon = shape(
        {"type": "Polygon", "coordinates": [[tuple(map(float, p.split())) for p in POLYGON[9:-2].split(", ")]]}
    )
    inside = {r["id"] for r in velib.rows if polygon.intersects(Point(r["geo"]["lon"], r["geo"]["lat"]))}
    assert inside
    assert ids(velib.query(where=f"intersects(geo, geom'{POLYGON}')")) == inside
    assert ids(velib.query(where=f"within(geo, geom'{POLYGON}')")) == {
        r["id"] for r in velib.rows if Point(r["geo"]["lon"], r["geo"]["lat"]).within(polygon)
    }
    assert ids(velib.query(where=f"disjoint(geo, geom'{POLYGON}')")) == {r["id"] for r in velib.rows} - inside
    assert ids(velib.query(where=f"geometry(geo, geom'{POLYGON}', INTERSECTS)")) == inside
    assert ids(velib.query(where=f"geometry(geo, geom'{POLYGON}')")) == inside


def test_shape_predicates_on_geo_shapes(communes49):
    angers_station = Point(-0.5546, 47.4736)
    region = box(-0.6, 47.4, -0.5, 47.5)
    codes = lambda rows: {r["code"] for r in rows}  # noqa: E731
    assert (
        codes(communes49.query(where="intersects(shape, geom'POINT(-0.5546 47.4736)')"))
        == {r["code"] for r in communes49.rows if shape(r["shape"]).intersects(angers_station)}
        == {"49007"}
    )
    assert codes(communes49.query(where=f"within(shape, geom'{region.wkt}')")) == {
        r["code"] for r in communes49.rows if shape(r["shape"]).within(region)
    }
    expected_box = {r["code"] for r in communes49.rows if shape(r["shape"]).intersects(region)}
    assert codes(communes49.query(where="in_bbox(shape, 47.4, -0.6, 47.5, -0.5)")) == expected_box
    assert len(communes49.query(where=f"disjoint(shape, geom'{region.wkt}')")) == len(communes49.rows) - len(
        expected_box
    )


def test_within_distance_on_shapes(communes49):
    center = Point(-0.5546, 47.4736)
    # Approximate expectation: the closest point of each commune to the center, in great-circle metres.
    from shapely.ops import nearest_points

    def metres(geometry):
        closest = nearest_points(shape(geometry), center)[0]
        return haversine(closest.x, closest.y, center.x, center.y)

    expected = {r["code"] for r in communes49.rows if metres(r["shape"]) <= 5000}
    got = {r["code"] for r in communes49.query(where="within_distance(shape, geom'POINT(-0.5546 47.4736)', 5km)")}
    assert got == expected


def test_geo_shape_values_are_geojson_features(communes49):
    row = communes49.query(where='code = "49007"', select="code, shape")[0]
    reference = next(r for r in communes49.rows if r["code"] == "49007")
    assert row["shape"]["type"] == "Feature"
    assert shape(row["shape"]["geometry"]).equals(shape(reference["shape"]))


def test_envelope_is_the_convex_hull_of_points(velib):
    hull = shape(velib.query(select="envelope(geo) as hull")[0]["hull"]["geometry"])
    from shapely.geometry import MultiPoint

    expected = MultiPoint([(r["geo"]["lon"], r["geo"]["lat"]) for r in velib.rows]).convex_hull
    assert hull.equals_exact(expected, 1e-9) or hull.symmetric_difference(expected).area < 1e-12


def test_bbox_of_points_and_shapes(velib, communes49):
    bounds = shape(velib.query(select="bbox(geo)")[0]["bbox(geo)"]["geometry"]).bounds
    lons = [r["geo"]["lon"] for r in velib.rows]
    lats = [r["geo"]["lat"] for r in velib.rows]
    assert bounds == pytest.approx((min(lons), min(lats), max(lons), max(lats)))
    shape_bounds = shape(communes49.query(select="bbox(shape) as b")[0]["b"]["geometry"]).bounds
    all_bounds = [shape(r["shape"]).bounds for r in communes49.rows]
    assert shape_bounds == pytest.approx(
        (
            min(b[0] for b in all_bounds),
            min(b[1] for b in all_bounds),
            max(b[2] for b in all_bounds),
            max(b[3] for b in all_bounds),
        )
    )


def test_geo_cluster_groups_points_and_returns_their_centre(velib):
    rows = velib.query(select="count(*) as n", group_by="geo_cluster(geo, 12) as cluster")
    assert sum(r["n"] for r in rows) == len(velib.rows)
    assert 1 < len(rows) < len(velib.rows)
    for row in rows:
        assert 2.1 < row["cluster"]["lon"] < 2.6 and 48.7 < row["cluster"]["lat"] < 49.0
    coarse = velib.query(select="count(*) as n", group_by="geo_cluster(geo, 3)")
    assert len(coarse) < len(rows)


def test_envelope_and_bbox_in_one_select_answer_both_every_time(velib, communes49):
    """Issue 10: with ST_Extent_Agg after list(), this select corrupted memory (wrong answers,
    then a double free or an invalidated database). Repeated, as the crash came after 1-5 calls."""
    from shapely.geometry import MultiPoint

    points = [(r["geo"]["lon"], r["geo"]["lat"]) for r in velib.rows]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    for _ in range(6):
        row = velib.query(select="envelope(geo) as e, bbox(geo) as b, count(*) as n")[0]
        assert row["n"] == len(points)
        assert shape(row["e"]["geometry"]).symmetric_difference(MultiPoint(points).convex_hull).area < 1e-12
        assert shape(row["b"]["geometry"]).bounds == pytest.approx((min(lons), min(lats), max(lons), max(lats)))
    grouped = communes49.query(select="nom, bbox(shape) as b, count(*) as n", group_by="nom", order_by="nom", limit=3)
    for group in grouped:
        bounds = [shape(r["shape"]).bounds for r in communes49.rows if r["nom"] == group["nom"]]
        expected = (min(b[0] for b in bounds), min(b[1] for b in bounds), max(b[2] for b in bounds),
                    max(b[3] for b in bounds))  # fmt: skip
        assert group["n"] == len(bounds)
        assert shape(group["b"]["geometry"]).bounds == pytest.approx(expected)


def test_arithmetic_on_aggregates_runs(velib):
    """TRY() may not hold an aggregate: `count(*) + count(*)` was a Binder Error (a 500)."""
    row = velib.query(select="count(*) + count(*) as twice, -count(*) as negative, sum(capacity) / count(*) as mean")[0]
    assert row["twice"] == 2 * len(velib.rows)
    assert row["negative"] == -len(velib.rows)
    assert row["mean"] == pytest.approx(sum(r["capacity"] for r in velib.rows) / len(velib.rows))
