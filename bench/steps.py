"""Benchmark: a 10-step pipeline against the bare materialisation of the same rows.

    .venv/bin/python bench/steps.py [--quick]    # 1,000,000 rows, or 100,000 with --quick

Builds a realistic raw import with DuckDB's range() (text codes without their zeros,
French decimal commas, dd/mm/yyyy dates, lat/lon, padded names, duplicates), then times
(median of 3) the import of the same rows written as a `;` CSV (the reader in its child
process, then the table an import publishes: the reference of the target), a bare CREATE
TABLE of them, and apply_steps with retype, trim, replace, pad, parse date, compute,
filter, map, point from lat/lon and dedupe.
Also times the back-office preview of the pipeline (20 rows and every step's counts on the first
100,000 rows). Targets: the pipeline under 2x the import, the preview under a second.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from datapolis.engine.extensions import load_extensions
from datapolis.engine.store import Prepared
from datapolis.ingest.isolation import isolated
from datapolis.schema import FieldSpec
from datapolis.steps import apply_steps, parse_steps
from datapolis.steps.pipeline import preview_steps

# The back office previews a pipeline on the first rows of the raw data (steps.pipeline.preview_steps).
PREVIEW_SAMPLE = 100_000

PIPELINE = [
    {"kind": "retype", "options": {"field": "montant", "type": "double", "decimal_comma": True}},
    {"kind": "trim", "options": {"fields": ["nom"]}},
    {"kind": "replace", "options": {"fields": ["nom"], "find": "^Mairie", "replace": "Hôtel de ville", "regex": True}},
    {"kind": "pad", "options": {"field": "code", "preset": "insee"}},
    {"kind": "parse_date", "options": {"field": "jour", "format": "dd/mm/yyyy"}},
    {"kind": "compute", "options": {"field": "annee", "expression": "year(jour)"}},
    {"kind": "filter", "options": {"where": "montant > 5"}},
    {"kind": "map", "options": {"field": "secteur", "mapping": {"PU": "Public", "PR": "Privé"}}},
    {"kind": "point_from_latlon", "options": {"lat": "lat", "lon": "lon"}},
    {"kind": "dedupe", "options": {"fields": ["code", "jour"]}},
]
FIELDS = {
    "nom": "text",
    "code": "text",
    "montant": "text",
    "jour": "text",
    "secteur": "text",
    "lat": "double",
    "lon": "double",
}


def raw(con: duckdb.DuckDBPyConnection, rows: int) -> Prepared:
    con.execute(f"""CREATE TABLE raw AS SELECT
        '  ' || (CASE WHEN i % 3 = 0 THEN 'Mairie ' ELSE 'Ecole ' END) || i || ' ' AS nom,
        CAST((i * 7919) % 36000 + 1000 AS VARCHAR) AS code,
        replace(CAST(round((i % 10007) / 100.0, 2) AS VARCHAR), '.', ',') AS montant,
        strftime(DATE '2015-01-01' + CAST(i % 3000 AS INTEGER), '%d/%m/%Y') AS jour,
        CASE i % 3 WHEN 0 THEN 'PU' WHEN 1 THEN 'PR' ELSE 'AUTRE' END AS secteur,
        42 + (i % 90001) / 10000.0 AS lat, -4 + (i % 120007) / 10000.0 AS lon
        FROM range({rows}) t(i)""")
    return Prepared("raw", [FieldSpec(k, k, v) for k, v in FIELDS.items()])


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows instead of 1,000,000")
    rows = 100_000 if parser.parse_args().quick else 1_000_000
    con = duckdb.connect()
    load_extensions(con)
    prepared = raw(con, rows)
    steps = parse_steps(PIPELINE)
    columns = ", ".join(f'"{name}"' for name in FIELDS)

    folder = Path(tempfile.mkdtemp(prefix="bench-steps-"))
    csv_path = folder / "raw.csv"
    con.execute(f"COPY raw TO '{csv_path}' (HEADER, DELIMITER ';')")

    def imported() -> None:
        with isolated(csv_path) as staged:
            relation = staged.prepare(con).relation
            con.execute(f'CREATE OR REPLACE TEMP TABLE imported AS SELECT * FROM "{relation}"')

    def bare() -> None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE bare AS SELECT row_number() OVER () AS r, {columns} FROM raw")

    def pipeline() -> None:
        applied = apply_steps(con, prepared, steps)
        con.execute(f'DROP TABLE "{applied.prepared.relation}"')

    def preview() -> None:
        preview_steps(con, prepared, steps, sample=PREVIEW_SAMPLE)

    def pipeline_no_counts() -> None:
        applied = apply_steps(con, prepared, steps, counts=False)
        con.execute(f'DROP TABLE "{applied.prepared.relation}"')

    reference = statistics.median(timed(imported) for _ in range(3))
    base = statistics.median(timed(bare) for _ in range(3))
    full = statistics.median(timed(pipeline) for _ in range(3))
    lean = statistics.median(timed(pipeline_no_counts) for _ in range(3))
    shown = statistics.median(timed(preview) for _ in range(3))
    print(f"rows: {rows:,}")
    print(f"import of the CSV (reference): {reference * 1000:8.1f} ms")
    print(f"bare materialisation:          {base * 1000:8.1f} ms")
    print(f"10 steps (with counts):        {full * 1000:8.1f} ms   {full / reference:.2f}x the import (target < 2x)")
    print(f"10 steps (without counts):     {lean * 1000:8.1f} ms   {lean / reference:.2f}x the import")
    print(f"back-office preview ({min(rows, PREVIEW_SAMPLE):,} rows): {shown * 1000:8.1f} ms   (target < 1,000 ms)")


if __name__ == "__main__":
    main()
