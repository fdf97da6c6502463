"""A separate process whose DuckDB database is really invalidated while it serves the API.

python -m tests.engine.engine_failure_child CSV_PATH

Run with the environment of `instance_env`. It imports the file as dataset `velib`, answers
a records request, then makes DuckDB invalidate its database: `list()` followed by
`ST_Extent_Agg()` in one select (what `envelope(...), bbox(...)` compiled to before issue
10) corrupts the aggregate states, which DuckDB reports as an internal error, then as
"database has been invalidated" for every statement. The corruption may also kill the
process (a double free): the parent then starts another run. It prints, as JSON, what the
API answered before, during and after the failure.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datapolis.settings")
django.setup()

import duckdb  # noqa: E402
from django.test import Client  # noqa: E402

from datapolis.catalog import services  # noqa: E402
from datapolis.catalog.models import Dataset  # noqa: E402
from datapolis.catalog.storage import get_store  # noqa: E402
from datapolis.engine.failures import is_engine_failure  # noqa: E402

RECORDS = "/api/explore/v2.1/catalog/datasets/velib/records"
BROKEN_AGGREGATES = (
    "SELECT len(list(k)), ST_Extent_Agg(ST_Point(x, y)) IS NULL "
    "FROM (SELECT (i % 7)::VARCHAR AS k, (i % 100) / 10 AS x, (i % 37) / 10 AS y FROM range(2000) r(i))"
)
ATTEMPTS = 40


def invalidate() -> str | None:
    """Run the corrupting select on the process's connection until DuckDB gives up on it."""
    for _ in range(ATTEMPTS):
        try:
            get_store().cursor().execute(BROKEN_AGGREGATES).fetchall()
        except duckdb.Error as error:
            if is_engine_failure(error):
                return f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return None


def still_invalidated() -> bool:
    try:
        get_store().cursor().execute("SELECT 42").fetchall()
    except duckdb.FatalException:
        return True
    return False


def answer(client: Client) -> dict:
    response = client.get(RECORDS, {"limit": 3}, HTTP_HOST="data.example.fr")
    return {"status": response.status_code, "type": response["Content-Type"], "body": response.json()}


def main(csv_path: str) -> None:
    if not Dataset.objects.filter(dataset_id="velib").exists():  # a run killed by the corruption imported it
        services.import_file(Path(csv_path), "velib", metadata={"title": "Vélib'"})
    client = Client()
    report: dict = {"before": answer(client)}
    report["failure"] = invalidate()
    report["invalidated"] = still_invalidated()
    report["generation_before"] = get_store()._generation
    report["during"] = answer(client)
    report["after"] = answer(client)
    report["again"] = answer(client)
    report["generation_after"] = get_store()._generation
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
