"""Server time of the portal's pages on the demo instance, and of vector tiles on 1M points.

    .venv/bin/python bench/pages.py              # pages on the demo (target: median < 300 ms)
    .venv/bin/python bench/pages.py --tiles      # also tiles of a 1,000,000-point dataset
    .venv/bin/python bench/pages.py --home DIR   # reuse an instance folder (else a temporary one)

The demo is created as `datapolis demo` does (generated datasets), then each page is
requested through Django's test client (the whole server-side stack: middleware, access
policy, Explore API services, DuckDB, templates; no network): a few warm-up requests, then
--repeat timed ones. Printed: median and 90th percentile in milliseconds per page.
With --tiles, a dataset of one million random points over western France is published,
and tiles from zoom 0 to 14 are timed cold (empty tile cache) and warm.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

TARGET_MS = 300

PAGES = [
    ("home", "/"),
    ("catalog", "/catalog/"),
    ("catalog search", "/catalog/?q=air&refine=theme:Environnement"),
    ("dataset information", "/dataset/qualite-air-mesures-horaires/"),
    ("dataset table (210k rows)", "/dataset/qualite-air-mesures-horaires/table/"),
    ("table filtered + sorted", "/dataset/qualite-air-mesures-horaires/table/?sort=-valeur&min.valeur=20&page=3"),
    ("dataset table (IRVE)", "/dataset/bornes-irve/table/"),
    ("map page", "/dataset/bornes-irve/map/"),
    ("chart page", "/dataset/comptages-velo/chart/"),
]


def setup(home: Path) -> None:
    os.environ["DATAPOLIS_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datapolis.settings")
    from datapolis.cli import ensure_instance

    ensure_instance()
    from datapolis import demo_instance
    from datapolis.catalog.models import Dataset

    if not Dataset.objects.exists():
        started = time.perf_counter()
        demo_instance.import_generated()
        print(f"demo instance created in {time.perf_counter() - started:.1f} s at {home}")


def timed(client, path: str, repeat: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        times.append((time.perf_counter() - started) * 1000)
    return times


def report(label: str, times: list[float]) -> float:
    median = statistics.median(times)
    p90 = sorted(times)[int(len(times) * 0.9) - 1] if len(times) >= 10 else max(times)
    print(f"  {label:<32} median {median:7.1f} ms   p90 {p90:7.1f} ms")
    return median


def bench_pages(repeat: int) -> bool:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    print(f"page server times ({repeat} requests each, target median < {TARGET_MS} ms):")
    ok = True
    for label, path in PAGES:
        median = report(label, timed(client, path, repeat))
        if label in {"home", "catalog", "dataset table (210k rows)"} and median >= TARGET_MS:
            ok = False
    return ok


def bench_tiles(repeat: int) -> None:
    import math

    import duckdb

    from datapolis.api import tiles as tile_api
    from datapolis.catalog import services
    from datapolis.catalog.models import Dataset
    from datapolis.catalog.storage import get_store
    from datapolis.engine import Prepared
    from datapolis.schema import FieldSpec

    if not Dataset.objects.filter(dataset_id="million-points").exists():
        fields = [FieldSpec("name", "Name", "text"), FieldSpec("kind", "Kind", "text"),
                  FieldSpec("value", "Value", "double"), FieldSpec("geo", "Position", "geo_point_2d")]  # fmt: skip

        def prepare(con: duckdb.DuckDBPyConnection) -> Prepared:
            con.execute(
                "CREATE TEMP TABLE points AS SELECT 'point ' || i AS name, 'kind ' || (i % 7) AS kind, "
                "random() * 100 AS value, {'lon': -5.0 + random() * 8, 'lat': 43.0 + random() * 6} AS geo "
                "FROM range(1000000) t(i)"
            )
            return Prepared("points", fields)

        started = time.perf_counter()
        version = get_store().publish("million-points", prepare)
        dataset = Dataset.objects.create(dataset_id="million-points", title="Un million de points", status="published")
        services._mirror_version(dataset, version)
        dataset.save()
        print(f"1,000,000 points published in {time.perf_counter() - started:.1f} s")

    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.get("/dataset/million-points/")  # builds the serving copy if needed
    print("tiles of 1,000,000 points (cold = empty tile cache; warm = cached):")
    for z in (0, 4, 6, 8, 10, 12, 14):
        lon, lat = -1.0, 47.0
        n = 2**z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        path = f"/api/tiles/million-points/{z}/{x}/{y}.pbf?attributes=name,kind,value"
        cold = []
        for _ in range(max(repeat // 4, 3)):
            tile_api.tile_cache().clear()
            started = time.perf_counter()
            response = client.get(path)
            cold.append((time.perf_counter() - started) * 1000)
        size = len(response.content)
        warm = timed(client, path, repeat, warmup=1)
        print(f"  z{z:<2} {x}/{y}: cold median {statistics.median(cold):7.1f} ms, "
              f"warm median {statistics.median(warm):5.1f} ms, {size / 1024:6.1f} KiB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, help="instance folder to reuse (default: a new temporary one)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--tiles", action="store_true", help="also time tiles of a 1M-point dataset")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="datapolis-bench-pages-"))
    setup(home)
    print(f"load average: {', '.join(f'{value:.2f}' for value in os.getloadavg())} on {os.cpu_count()} cores")
    ok = bench_pages(args.repeat)
    if args.tiles:
        bench_tiles(args.repeat)
    print("targets met" if ok else f"TARGET MISSED: a median of home, catalog or table page is ≥ {TARGET_MS} ms")


if __name__ == "__main__":
    main()
