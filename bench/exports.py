"""Export throughput: CSV, JSON and Parquet exports of generated tables, against Datasette's CSV.

    .venv/bin/python bench/exports.py            # 1M and 10M rows
    .venv/bin/python bench/exports.py --quick    # 1M rows only

Each table has 10 mixed columns (int, text, double, boolean, date, datetime,
geo_point_2d, multivalued text). Every export consumes the whole stream; the figures are
medians over --repeat runs: MB/s of the bytes produced, rows/s, time to first byte, and
MB per CPU-second (CPU time of the exporting process, all its threads: a figure that
other processes loading the machine affect much less than wall-clock time).
For Parquet, whose output is compressed, "CSV-equivalent MB/s" (the size of the same
rows as CSV over the Parquet export's time) is printed too.

The reference is Datasette serving the same rows from SQLite
(`/db/table.csv?_stream=on&_size=max`), measured the same way. Datasette is a bench
tool only: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from datapolis.engine.exports import ExportColumn, ExportOptions, export_query
from datapolis.engine.extensions import load_extensions

GENERATE = """
CREATE OR REPLACE TABLE bench AS
SELECT i AS id,
       'commune ' || (i % 34935) || CASE WHEN i % 5 = 0 THEN '-sur-Sèvre' ELSE '' END AS name,
       'Catégorie ' || (i % 12) AS category,
       CAST(round(i * 0.731 % 100000, 2) AS DOUBLE) AS amount,
       (i * 7919) % 1000000 AS population,
       i % 3 = 0 AS active,
       DATE '2000-01-01' + CAST(i % 9000 AS INTEGER) AS day,
       make_timestamptz(2020, 1, 1, 0, 0, 0) + to_seconds(i * 37) AS updated_at,
       struct_pack(lon := -5 + (i % 100000) / 10000.0, lat := 42 + (i % 77777) / 9000.0) AS position,
       ['tag' || (i % 4), 'tag' || (i % 9)] AS tags
FROM range(?) AS t(i)
"""
COLUMNS = [
    ExportColumn("id", "Identifiant", "int"),
    ExportColumn("name", "Nom", "text"),
    ExportColumn("category", "Catégorie", "text"),
    ExportColumn("amount", "Montant", "double"),
    ExportColumn("population", "Population", "int"),
    ExportColumn("active", "Actif", "boolean"),
    ExportColumn("day", "Jour", "date"),
    ExportColumn("updated_at", "Mise à jour", "datetime"),
    ExportColumn("position", "Position", "geo_point_2d"),
    ExportColumn("tags", "Étiquettes", "text", multivalued=True),
]
QUERY = "SELECT * EXCLUDE (position, tags), position, tags FROM bench"
# Datasette serves SQLite: the same values, as the text a CSV export shows.
SQLITE_COPY = """
CREATE TABLE lite.bench AS
SELECT id, name, category, amount, population, active, day,
       strftime(updated_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S+00:00') AS updated_at,
       CAST(position.lat AS VARCHAR) || ', ' || CAST(position.lon AS VARCHAR) AS position,
       array_to_string(tags, ',') AS tags
FROM bench
"""


@dataclass
class Run:
    seconds: float
    first_byte: float
    size: int
    cpu_seconds: float


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu_seconds(pid: int) -> float:
    """User + system time of another process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(chunks: Callable[[], Iterable[bytes]], cpu: Callable[[], float]) -> Run:
    cpu_start = cpu()
    start = time.perf_counter()
    first_byte = None
    size = 0
    for chunk in chunks():
        if first_byte is None:
            first_byte = time.perf_counter() - start
        size += len(chunk)
    return Run(time.perf_counter() - start, first_byte or 0.0, size, cpu() - cpu_start)


def median_run(chunks: Callable[[], Iterable[bytes]], repeat: int, cpu: Callable[[], float] = own_cpu_seconds) -> Run:
    runs = [measure(chunks, cpu) for _ in range(repeat)]
    return Run(
        statistics.median(r.seconds for r in runs),
        statistics.median(r.first_byte for r in runs),
        runs[0].size,
        statistics.median(r.cpu_seconds for r in runs),
    )


def report(label: str, run: Run, rows: int, csv_size: int | None = None) -> None:
    line = (
        f"  {label:<22} {run.size / 1e6:9.1f} MB {run.seconds:8.2f} s {run.size / 1e6 / run.seconds:8.1f} MB/s "
        f"{rows / run.seconds / 1e6:7.2f} M rows/s   first byte {run.first_byte * 1000:6.0f} ms "
        f"  {run.size / 1e6 / run.cpu_seconds:6.1f} MB/CPU-s"
    )
    if csv_size is not None:
        line += f"   CSV-equivalent {csv_size / 1e6 / run.seconds:.1f} MB/s"
    print(line, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def datasette_chunks(url: str, rows: int) -> Iterable[bytes]:
    lines = 0
    with urllib.request.urlopen(url) as response:
        while chunk := response.read(1 << 20):
            lines += chunk.count(b"\n")
            yield chunk
    if lines != rows + 1:
        raise RuntimeError(f"datasette sent {lines - 1} rows instead of {rows}")


def start_datasette(database: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    executable = Path(sys.executable).with_name("datasette")
    settings = {"sql_time_limit_ms": "3600000", "max_csv_mb": "0"}  # by default CSV exports stop at 100 MB
    options = [part for name, value in settings.items() for part in ("--setting", name, value)]
    process = subprocess.Popen(
        [str(executable), "serve", str(database), "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/-/versions.json").read()
            return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("datasette did not start")


def bench_size(con: duckdb.DuckDBPyConnection, rows: int, repeat: int, folder: Path) -> None:
    load = os.getloadavg()[0]
    print(f"\n{rows:,} rows, {len(COLUMNS)} columns (median of {repeat}), load average {load:.1f}", flush=True)
    con.execute(GENERATE, [rows])
    temp_dir = folder / "exports"
    temp_dir.mkdir(exist_ok=True)

    def ours(fmt: str, **options) -> Callable[[], Iterable[bytes]]:
        return lambda: export_query(con, QUERY, None, COLUMNS, fmt, ExportOptions(**options), temp_dir=temp_dir)

    csv_run = median_run(ours("csv"), repeat)
    report("datapolis csv", csv_run, rows)
    report("datapolis json", median_run(ours("json"), repeat), rows)
    report("datapolis parquet", median_run(ours("parquet"), repeat), rows, csv_run.size)
    report("datapolis csv.gz", median_run(ours("csv", compressed=True), repeat), rows, csv_run.size)
    report("datapolis csv Paris", median_run(ours("csv", timezone="Europe/Paris"), repeat), rows)

    database = folder / f"bench{rows}.db"
    con.execute(f"ATTACH '{database}' AS lite (TYPE sqlite)")
    con.execute(SQLITE_COPY)
    con.execute("DETACH lite")
    process, base = start_datasette(database)
    try:
        url = f"{base}/{database.stem}/bench.csv?_stream=on&_size=max"
        server_and_client = lambda: process_cpu_seconds(process.pid) + own_cpu_seconds()  # noqa: E731
        runs = repeat if rows <= 1_000_000 else 1
        reference = median_run(lambda: datasette_chunks(url, rows), runs, server_and_client)
        report("datasette csv", reference, rows)
    finally:
        process.terminate()
        process.wait()
    print(
        f"  datapolis csv / datasette csv: {csv_run.size / csv_run.seconds / (reference.size / reference.seconds):.1f}x"
        f" in MB/s, {reference.seconds / csv_run.seconds:.1f}x in rows/s, "
        f"{csv_run.size / csv_run.cpu_seconds / (reference.size / reference.cpu_seconds):.1f}x in MB/CPU-s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1M rows only")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [1_000_000] if args.quick else [1_000_000, 10_000_000]
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as folder:
        con = duckdb.connect(str(Path(folder) / "bench.duckdb"))
        load_extensions(con)
        threads = con.sql("SELECT current_setting('threads')").fetchone()[0]
        print(f"DuckDB {duckdb.__version__}, {threads} threads")
        for rows in sizes:
            bench_size(con, rows, args.repeat, Path(folder))
        con.close()


if __name__ == "__main__":
    main()
