"""A separate process acting on a lake, for the crash and concurrency tests.

python -m tests.engine.lake_worker LOCATION_JSON publish-slow DATASET ROWS MARKER
python -m tests.engine.lake_worker LOCATION_JSON read-loop DATASET SECONDS
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

from datapolis.engine import LakeLocation, Prepared, Store
from datapolis.schema import FieldSpec

FIELDS = [FieldSpec("n", "n", "int"), FieldSpec("label", "label", "text")]


def big_relation(rows: int, marker: Path):
    def prepare(con: duckdb.DuckDBPyConnection) -> Prepared:
        con.execute(
            f"CREATE TEMP VIEW src AS SELECT range AS n, 'row ' || range || repeat('x', 40) AS label FROM range({rows})"
        )
        marker.write_text("writing")
        return Prepared("src", FIELDS)

    return prepare


def read_loop(store: Store, dataset_id: str, seconds: float) -> None:
    """Print the row count and checksum of the current version, repeatedly."""
    deadline = time.monotonic() + seconds
    seen = []
    while time.monotonic() < deadline:
        relation = store.relation_sql(dataset_id)
        count, total = store.cursor().execute(f"SELECT count(*), sum(n) FROM {relation}").fetchone()
        seen.append([count, int(total or 0)])
    print(json.dumps(seen))


def main() -> None:
    location = LakeLocation(**json.loads(sys.argv[1]))
    command, dataset_id = sys.argv[2], sys.argv[3]
    store = Store(location)
    if command == "publish-slow":
        store.publish(dataset_id, big_relation(int(sys.argv[4]), Path(sys.argv[5])))
    elif command == "read-loop":
        read_loop(store, dataset_id, float(sys.argv[4]))


if __name__ == "__main__":
    main()
