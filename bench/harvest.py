"""Harvest speed: a generated Opendatasoft-compatible catalog harvested by a fresh instance.

    python bench/harvest.py            # 2,000 datasets metadata-only, then 50 with data (20,000 rows each)
    python bench/harvest.py --quick    # 200 metadata-only, 10 with data

A local HTTP server answers as an ODS portal would (`/api/explore/v2.1/catalog/datasets`
paged by 100, dataset objects with metas, fields and dates; each dataset's Parquet export)
from a catalog generated here, never stored in the repository. The instance is a new one
in a temporary folder (SQLite metadata, local lake), as `datapolis demo` makes. Printed:
datasets per second for the first run, and the time of an unchanged re-run (target: the
2,000-dataset re-run under 60 s).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import duckdb

TARGET_UNCHANGED_SECONDS = 60.0
WORDS = [
    "stationnement",
    "vélo",
    "piscine",
    "école",
    "collège",
    "budget",
    "subvention",
    "déchets",
    "arbres",
    "voirie",
    "travaux",
    "bus",
    "tramway",
    "qualité",
    "air",
    "bruit",
    "population",
    "logement",
    "commerce",
    "marché",
    "parking",
    "bornes",
    "recharge",
]


def catalog(count: int, with_data: int) -> list[dict]:
    datasets = []
    for index in range(count):
        words = [WORDS[(index * 7 + k) % len(WORDS)] for k in range(3)]
        datasets.append(
            {
                "dataset_id": f"jeu-{index:05d}",
                "visibility": "domain",
                "has_records": index < with_data,
                "data_visible": True,
                "fields": [
                    {"name": "commune", "label": "Commune", "type": "text", "annotations": {"facet": []}},
                    {"name": "valeur", "label": "Valeur", "type": "double", "annotations": {"unit": ["€"]}},
                    {"name": "jour", "label": "Jour", "type": "date", "annotations": {}},
                ],
                "attachments": [],
                "metas": {
                    "default": {
                        "title": f"{' '.join(words).capitalize()} n°{index}",
                        "description": f"Jeu de données généré n°{index} : {', '.join(words)}.",
                        "theme": [words[0].capitalize()],
                        "keyword": words,
                        "license": "etalab-2.0",
                        "publisher": f"Commune {index % 40}",
                        "language": "fr",
                        "modified": "2026-11-30T10:00:00+00:00",
                        "data_processed": "2026-11-30T10:00:00+00:00",
                    },
                    "dcat": {"creator": "Service SIG"},
                },
            }
        )
    return datasets


def serve(datasets: list[dict], parquet: Path) -> ThreadingHTTPServer:
    by_id = {item["dataset_id"]: item for item in datasets}

    class Portal(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/api/explore/v2.1/catalog/datasets":
                query = parse_qs(parts.query)
                offset, limit = int(query["offset"][0]), int(query["limit"][0])
                body = json.dumps({"total_count": len(datasets), "results": datasets[offset : offset + limit]})
                return self.answer(body.encode(), "application/json")
            dataset_id = parts.path.split("/")[-3] if parts.path.endswith("/exports/parquet") else ""
            if dataset_id in by_id:
                return self.answer(parquet.read_bytes(), "application/vnd.apache.parquet")
            self.send_error(404)

        def answer(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def timed_run(source) -> tuple[float, dict[str, int]]:
    from datapolis.harvest import services

    started = time.perf_counter()
    run = services.run_source(source)
    seconds = time.perf_counter() - started
    assert run.status == "succeeded", run.error
    return seconds, run.counts()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    metadata_count, data_count, rows = (200, 10, 20_000) if args.quick else (2000, 50, 20_000)
    folder = Path(tempfile.mkdtemp(prefix="datapolis-bench-harvest-"))
    parquet = folder / "records.parquet"
    duckdb.execute(
        f"COPY (SELECT 'Commune ' || (i % 300) AS commune, round(random() * 1000, 2) AS valeur, "
        f"DATE '2020-01-01' + CAST(i % 2000 AS INTEGER) AS jour FROM range({rows}) t(i)) TO '{parquet}'"
    )
    os.environ.update({"DATAPOLIS_HOME": str(folder / "instance"), "DATAPOLIS_FETCH_ALLOWED_NETWORKS": "127.0.0.1/32"})
    os.environ.pop("DATAPOLIS_DATABASE_URL", None)
    os.environ.pop("DATAPOLIS_LAKE_CATALOG_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from datapolis.cli_support import ensure_instance

    ensure_instance()
    from datapolis.harvest import services

    for label, count, with_data in (("metadata only", metadata_count, 0), ("with data", data_count, data_count)):
        server = serve(catalog(count, with_data), parquet)
        source = services.add_source(
            f"bench-{with_data}", f"http://127.0.0.1:{server.server_address[1]}", "ods", metadata_only=with_data == 0
        )
        first, counts = timed_run(source)
        again, unchanged = timed_run(source)
        assert counts["created"] == count and unchanged["unchanged"] == count, (counts, unchanged)
        print(
            f"{label:>14}: {count:>5} datasets{f' of {rows:,} rows' if with_data else ''}: first run "
            f"{first:7.1f} s ({count / first:6.1f} datasets/s); unchanged re-run {again:6.2f} s "
            f"({count / again:7.1f} datasets/s)"
        )
        if with_data == 0:
            verdict = "met" if again < TARGET_UNCHANGED_SECONDS * count / 2000 else "MISSED"
            print(
                f"{'':>14}  target: unchanged re-run of 2,000 datasets under {TARGET_UNCHANGED_SECONDS:.0f} s "
                f"(scaled to {count}): {verdict}"
            )
        server.shutdown()


if __name__ == "__main__":
    main()
