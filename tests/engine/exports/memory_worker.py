"""Run in a subprocess by test_memory.py: export N generated rows, print the peak RSS growth (MiB).

The rows come from range(), not a table, so the process holds nothing but the export.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile

import duckdb

from datapolis.engine.exports import ExportColumn, ExportOptions, export_query
from datapolis.engine.extensions import load_extensions

SQL = """
SELECT i AS id, 'commune ' || (i % 35000) || ' – é' AS name, CAST(i * 1.5 AS DOUBLE) AS amount, i % 3 = 0 AS flag,
       DATE '2000-01-01' + CAST(i % 9000 AS INTEGER) AS day,
       make_timestamptz(2020, 1, 1, 0, 0, 0) + to_seconds(i) AS at,
       struct_pack(lon := -5 + (i % 1000) / 100.0, lat := 42 + (i % 800) / 100.0) AS position,
       ['a', 'b' || (i % 7)] AS tags, 'code-' || (i % 97) AS code, i % 1000 AS small
FROM range(?) AS t(i)
"""
COLUMNS = [
    ExportColumn("id", "Id", "int"),
    ExportColumn("name", "Name", "text"),
    ExportColumn("amount", "Amount", "double"),
    ExportColumn("flag", "Flag", "boolean"),
    ExportColumn("day", "Day", "date"),
    ExportColumn("at", "At", "datetime"),
    ExportColumn("position", "Position", "geo_point_2d"),
    ExportColumn("tags", "Tags", "text", multivalued=True),
    ExportColumn("code", "Code", "text"),
    ExportColumn("small", "Small", "int"),
]


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(fmt: str, rows: int) -> None:
    con = duckdb.connect()
    load_extensions(con)
    con.execute("SET threads = 2")
    with tempfile.TemporaryDirectory() as temp_dir:
        warm = export_query(con, SQL, [1000], COLUMNS, fmt, temp_dir=temp_dir)
        b"".join(warm)
        before = peak_mib()
        size = 0
        for chunk in export_query(con, SQL, [rows], COLUMNS, fmt, ExportOptions(), temp_dir=temp_dir):
            size += len(chunk)
        print(json.dumps({"growth_mib": peak_mib() - before, "bytes": size, "rows": rows}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
