"""ODSQL micro-benchmark: parse+check+print time per query, and engine time on generated rows.

    .venv/bin/python bench/odsql.py [--rows 1000000] [--groups-rows 10000000]

Prints, per query, the compile time (median of repeated runs, no engine) and the DuckDB
execution time on a synthetic table written to a Parquet file and read the way the engine
reads versions (a table scan the planner can push filters and top-N into).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from datapolis.engine.extensions import load_extensions
from datapolis.odsql import QuerySpec, compile_count, compile_query
from datapolis.schema import FieldSpec

SCHEMA = [
    FieldSpec("name", "Name", "text"),
    FieldSpec("commune", "Commune", "text"),
    FieldSpec("population", "Population", "int"),
    FieldSpec("score", "Score", "double"),
    FieldSpec("open", "Open", "boolean"),
    FieldSpec("created", "Created", "datetime"),
    FieldSpec("geo", "Geo", "geo_point_2d"),
]

QUERIES = {
    "records page": QuerySpec(where="population > 5000 and commune = 'C17'", order_by="score desc", limit=20),
    "records page, two where": QuerySpec(
        where=["population in [1000..9000]", "open"], order_by="-population", limit=100
    ),
    "refine + order": QuerySpec(refine=[("commune", "C3")], order_by="created desc", limit=10),
    "within_distance": QuerySpec(where="within_distance(geo, geom'POINT(2.35 48.85)', 500m)", limit=100),
    "in_bbox": QuerySpec(where="in_bbox(geo, 48.84, 2.33, 48.86, 2.36)", limit=100),
    "full text": QuerySpec(where='"gare nord"', limit=10),
    "group_by count+avg": QuerySpec(select="commune, count(*) as n, avg(score) as s", group_by="commune"),
    "date histogram": QuerySpec(select="count(*)", group_by="range(created, 1 M)", timezone="Europe/Paris"),
}


def make_table(con: duckdb.DuckDBPyConnection, folder: Path, name: str, rows: int) -> str:
    path = folder / f"{name}.parquet"
    con.execute(
        f"""
        COPY (
            SELECT CAST(i AS VARCHAR) AS _id,
                   CASE WHEN i % 97 = 0 THEN 'Gare du Nord ' || i ELSE 'Station ' || i END AS name,
                   'C' || CAST(i % 50 AS VARCHAR) AS commune,
                   CAST(hash(i) % 100000 AS BIGINT) AS population,
                   (hash(i * 7) % 10000) / 100.0 AS score,
                   i % 3 = 0 AS open,
                   TIMESTAMPTZ '2020-01-01 00:00:00+00' + to_seconds(CAST(i % 94608000 AS BIGINT)) AS created,
                   struct_pack(lon := 2.2 + (hash(i * 3) % 20000) / 100000.0,
                               lat := 48.8 + (hash(i * 5) % 10000) / 100000.0) AS geo
            FROM range({rows}) t(i)
        ) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 122880)
        """
    )
    con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    return name


def timed(function, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--groups-rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    con = duckdb.connect()
    load_extensions(con, ("spatial", "fts"))
    with tempfile.TemporaryDirectory() as folder:
        records = make_table(con, Path(folder), "records", args.rows)
        large = make_table(con, Path(folder), "large", args.groups_rows)
        print(f"{'query':<28}{'compile ms':>12}{'run ms':>10}{'count ms':>10}  rows")
        for label, spec in QUERIES.items():
            relation = large if label.startswith("group_by") else records
            compile_ms = timed(lambda spec=spec, rel=relation: compile_query(spec, SCHEMA, rel), args.repeat * 5)
            compiled = compile_query(spec, SCHEMA, relation)
            counted = compile_count(spec, SCHEMA, relation)
            con.execute(compiled.sql, compiled.params).fetchall()  # warm the file cache
            run_ms = timed(lambda c=compiled: con.execute(c.sql, c.params).fetchall(), args.repeat)
            count_ms = timed(lambda c=counted: con.execute(c.sql, c.params).fetchall(), args.repeat)
            size = len(con.execute(compiled.sql, compiled.params).fetchall())
            rows = args.groups_rows if relation == large else args.rows
            print(f"{label:<28}{compile_ms:>12.2f}{run_ms:>10.1f}{count_ms:>10.1f}  {size} of {rows:,}")


if __name__ == "__main__":
    main()
