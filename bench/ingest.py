"""Ingestion speed and memory: read + infer + publish to a DuckLake store, per file.

    python bench/ingest.py          # 1M-row files (3 runs each, medians) and a ~500 MB file
    python bench/ingest.py --quick  # 100k-row files, 1 run, a ~50 MB file

The mixed and French files are also imported as an instance does, through the isolated
reader (docs/ingest.md), and compared with reading in-process in the same run.

Each ingest runs in a fresh subprocess that reports its wall time and its peak RSS
(getrusage of the process itself), so runs do not inherit each other's memory.
Files are generated with DuckDB in a temporary folder, never in the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

CKAN_XLOADER_SECONDS_FOR_500MB = 3 * 60 + 26  # reference measurement for a 500 MB CSV
TARGET_SECONDS_PER_MILLION = 5.0
TARGET_PEAK_MB = 1024

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from datapolis.engine import LakeLocation, Store
from datapolis.engine.serving import ServingCache
from datapolis.ingest import prepare
from datapolis.ingest.isolation import ReadLimits, isolated

path, lake, memory_limit, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] or None, sys.argv[4]
store = Store(LakeLocation.local(lake), memory_limit=memory_limit)
if mode == "isolated":  # an instance's fork server is up already: started outside the timing
    warm_up = lake.with_suffix(".warm-up.csv")
    warm_up.write_text("a;b" + chr(10) + "1;2" + chr(10))
    with isolated(warm_up):
        pass
started = time.perf_counter()
if mode == "isolated":  # as an instance imports: read in the isolated child, published from its Parquet
    with isolated(path, limits=ReadLimits(duckdb_memory_limit=memory_limit)) as staged:
        version = store.publish("bench", staged.prepare)
else:
    version = store.publish("bench", prepare(path))
seconds = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
types = sorted({spec.type for spec in version.fields})
# What an instance's import then adds before queries are fast: the serving copy and its word index.
con = store.connect()
started = time.perf_counter()
ServingCache(lake / "serving").build(con, "bench", version.snapshot_id, store.version_relation_sql(version))
serving_seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rows": version.row_count, "peak_mb": peak_mb, "types": types,
                  "serving_seconds": serving_seconds}))
"""

_BARE = """
import json, resource, sys, time
import duckdb
path, target = sys.argv[1], sys.argv[2]
con = duckdb.connect()
started = time.perf_counter()
con.execute("COPY (SELECT * FROM read_csv(?)) TO '" + target.replace("'", "''") + "' (FORMAT PARQUET)", [path])
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def generate_mixed(path: Path, rows: int) -> None:
    """10 columns: ints, a code with leading zeros, texts, doubles, ISO dates, booleans, lat/lon."""
    duckdb.sql(
        f"""COPY (
            SELECT i AS id,
                   lpad(CAST(1000 + i % 95000 AS VARCHAR), 5, '0') AS code_commune,
                   'Commune ' || (i % 977) AS nom,
                   CAST(random() * 100000 AS BIGINT) AS montant,
                   round(random() * 100, 3) AS ratio,
                   DATE '2015-01-01' + CAST(i % 3650 AS INTEGER) AS jour,
                   random() < 0.5 AS actif,
                   round(43 + random() * 6, 6) AS latitude,
                   round(-1 + random() * 7, 6) AS longitude,
                   'texte, avec virgule ' || i AS commentaire
            FROM range({int(rows)}) t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')"""
    )


def generate_french(path: Path, rows: int) -> None:
    """';' delimiter, decimal commas, dd/mm/yyyy dates, oui/non, codes with leading zeros."""
    duckdb.sql(
        f"""COPY (
            SELECT lpad(CAST(i % 100000 AS VARCHAR), 5, '0') AS "Code INSEE",
                   'Libellé ' || (i % 1000) AS "Libellé",
                   replace(printf('%.2f', random() * 10000), '.', ',') AS "Montant (€)",
                   strftime(DATE '2010-01-01' + CAST(i % 5000 AS INTEGER), '%d/%m/%Y') AS "Date de décision",
                   CASE WHEN i % 3 = 0 THEN 'oui' ELSE 'non' END AS "Accessible",
                   CAST(i % 500 AS VARCHAR) AS "Nombre de places",
                   replace(printf('%.4f', random()), '.', ',') AS "Taux",
                   'Rue ' || (i % 313) || ', bâtiment B' AS "Adresse",
                   printf('%.6f, %.6f', 43 + random() * 6, -1 + random() * 7) AS "Géolocalisation",
                   strftime(TIMESTAMP '2024-01-01 00:00:00' + to_minutes(i % 500000), '%Y-%m-%dT%H:%M:%S+01:00')
                       AS "Horodatage"
            FROM range({int(rows)}) t(i)
        ) TO '{path}' (HEADER, DELIMITER ';')"""
    )


def to_windows_1252(source: Path, target: Path) -> None:
    """The same file as a Windows-1252 export: the reader transcodes it to UTF-8 first."""
    with open(source, encoding="utf-8") as text, open(target, "w", encoding="cp1252", newline="") as out:
        while chunk := text.read(1 << 20):
            out.write(chunk)


def run_child(code: str, *arguments: str) -> dict:
    completed = subprocess.run([sys.executable, "-c", code, *arguments], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr[-2000:])
    return json.loads(completed.stdout.strip().splitlines()[-1])


def ingest(path: Path, folder: Path, runs: int, memory_limit: str, mode: str = "in-process") -> dict:
    results = []
    for run in range(runs):
        lake = folder / f"lake-{path.stem}-{mode}-{run}"
        results.append(run_child(_CHILD, str(path), str(lake), memory_limit, mode))
    return {
        "seconds": statistics.median(r["seconds"] for r in results),
        "peak_mb": statistics.median(r["peak_mb"] for r in results),
        "rows": results[0]["rows"],
        "types": results[0]["types"],
        "serving_seconds": statistics.median(r["serving_seconds"] for r in results),
    }


def bare_duckdb(path: Path, folder: Path, runs: int) -> float:
    return statistics.median(
        run_child(_BARE, str(path), str(folder / f"bare-{path.stem}-{run}.parquet"))["seconds"] for run in range(runs)
    )


def report(label: str, path: Path, result: dict, bare_seconds: float) -> None:
    size_mb = path.stat().st_size / 1e6
    rate = result["rows"] / result["seconds"]
    per_million = result["seconds"] / result["rows"] * 1e6
    print(
        f"{label}: {result['rows']:,} rows, {size_mb:,.0f} MB -> {result['seconds']:.2f} s "
        f"({rate:,.0f} rows/s, {per_million:.2f} s per million rows, target < {TARGET_SECONDS_PER_MILLION} s), "
        f"peak RSS {result['peak_mb']:,.0f} MB (target < {TARGET_PEAK_MB} MB)"
    )
    print(
        f"    bare DuckDB read_csv -> Parquet: {bare_seconds:.2f} s; our overhead "
        f"x{result['seconds'] / bare_seconds:.2f} (inference, checks, versioned DuckLake commit)"
    )
    print(f"    field types: {', '.join(result['types'])}")
    print(
        f"    then, on an instance, the serving copy and its word index: {result['serving_seconds']:.2f} s "
        f"(queries read the lake until it is built)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller files, one run")
    parser.add_argument(
        "--memory-limit", default="600MB", help="DuckDB memory_limit of the store (default 600MB, as an instance's)"
    )
    arguments = parser.parse_args()
    rows = 100_000 if arguments.quick else 1_000_000
    runs = 1 if arguments.quick else 3
    big_rows = 490_000 if arguments.quick else 4_900_000  # about 500 MB (50 MB quick)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as name:
        folder = Path(name)
        mixed, french, big = folder / "mixed.csv", folder / "french.csv", folder / "big.csv"
        windows = folder / "french-windows-1252.csv"
        started = time.perf_counter()
        generate_mixed(mixed, rows)
        generate_french(french, rows)
        to_windows_1252(french, windows)
        generate_mixed(big, big_rows)
        print(f"generated test files in {time.perf_counter() - started:.1f} s (memory_limit {arguments.memory_limit})")
        print(f"load average before: {' '.join(f'{load:.1f}' for load in os.getloadavg())} on {os.cpu_count()} cores")
        french_result = None
        for label, path in (("mixed CSV", mixed), ("French CSV", french)):
            result = ingest(path, folder, runs, arguments.memory_limit)
            report(label, path, result, bare_duckdb(path, folder, runs))
            isolated_result = ingest(path, folder, runs, arguments.memory_limit, "isolated")
            print(
                f"    as an instance imports it (reader in an isolated child, published from its Parquet): "
                f"{isolated_result['seconds']:.2f} s, {isolated_result['seconds'] - result['seconds']:+.2f} s "
                f"over reading in-process; peak RSS of the importing process {isolated_result['peak_mb']:,.0f} MB"
            )
            french_result = result
        assert french_result is not None
        windows_result = ingest(windows, folder, runs, arguments.memory_limit)
        print(
            f"French CSV in Windows-1252: {windows_result['seconds']:.2f} s, "
            f"peak RSS {windows_result['peak_mb']:,.0f} MB -> transcoding to UTF-8 costs "
            f"{windows_result['seconds'] - french_result['seconds']:+.2f} s"
        )
        result = ingest(big, folder, 1, arguments.memory_limit)
        report("large CSV", big, result, bare_duckdb(big, folder, 1))
        size_mb = big.stat().st_size / 1e6
        reference = CKAN_XLOADER_SECONDS_FOR_500MB * size_mb / 500
        print(
            f"    vs CKAN xloader ({CKAN_XLOADER_SECONDS_FOR_500MB} s for 500 MB, {reference:.0f} s scaled to "
            f"{size_mb:.0f} MB): x{reference / result['seconds']:.1f} faster; target < 60 s"
        )
        print(f"load average after: {' '.join(f'{load:.1f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
