"""Catalog exports (tabular and DCAT-AP) on a large catalog: time and size per format.

    .venv/bin/python bench/catalog_exports.py              # 2,000 datasets
    .venv/bin/python bench/catalog_exports.py --datasets 5000

A fresh instance (temporary DATAPOLIS_HOME, SQLite) gets N published datasets with full
metadata, 8 fields each, records counted but no data in the lake (the catalog exports
read metadata only). Each export is requested through Django's test client, in process;
the figure is the median of the repeats after one warm-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta

FORMATS = ["csv", "json", "xlsx", "dcat", "ttl", "jsonld"]
THEMES = ["Transports", "Environnement", "Énergie", "Économie", "Société", "Territoire", "Santé", "Culture"]


def setup(home: str) -> None:
    os.environ["DATAPOLIS_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datapolis.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def create_catalog(count: int) -> None:
    from django.utils import timezone

    from datapolis.catalog.models import Dataset, Field, Status, Theme

    themes = [Theme.objects.create(slug=f"theme-{i}", name=name) for i, name in enumerate(THEMES)]
    now = timezone.now()
    datasets = Dataset.objects.bulk_create(
        Dataset(
            dataset_id=f"jeu-{i:05d}",
            title=f"Jeu de données n°{i} de Loire-et-Maine Métropole",
            description="<p>Données publiées par la métropole, mises à jour chaque mois.</p>",
            keywords=["open data", f"mot-{i % 40}"],
            publisher=f"Direction {i % 12}",
            producer="Loire-et-Maine Métropole",
            contact_name="Service données",
            contact_email="donnees@loire-et-maine.example.fr",
            update_frequency="monthly",
            territory=["Loire-et-Maine Métropole"],
            temporal_start=date(2015, 1, 1),
            temporal_end=date(2024, 12, 31),
            status=Status.PUBLISHED,
            modified=now - timedelta(minutes=i),
            current_version=1,
            current_snapshot=i + 1,
            records_count=1000 + i,
        )
        for i in range(count)
    )
    Dataset.themes.through.objects.bulk_create(
        Dataset.themes.through(dataset_id=dataset.pk, theme_id=themes[i % len(themes)].pk)
        for i, dataset in enumerate(datasets)
    )
    field_types = ["text", "text", "int", "double", "date", "datetime", "boolean", "geo_point_2d"]
    Field.objects.bulk_create(
        Field(dataset=dataset, position=p, name=f"champ_{p}", label=f"Champ {p}", type=kind)
        for dataset in datasets
        for p, kind in enumerate(field_types)
    )


def measure(count: int, repeats: int) -> None:
    from django.test import Client

    client = Client()
    print(f"{count} datasets, median of {repeats} runs after a warm-up")
    print(f"{'format':<8} {'seconds':>8} {'MB':>7} {'datasets/s':>11}")
    for name in ["datasets (limit=100)", *FORMATS]:
        path = "/api/explore/v2.1/catalog/datasets?limit=100" if name.startswith("datasets") else (
            f"/api/explore/v2.1/catalog/exports/{name}"
        )  # fmt: skip
        client.get(path, HTTP_HOST="data.example.fr")
        timings, size = [], 0
        for _ in range(repeats):
            started = time.perf_counter()
            response = client.get(path, HTTP_HOST="data.example.fr")
            body = b"".join(response.streaming_content) if response.streaming else response.content
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.content[:300])
            size = len(body)
        seconds = statistics.median(timings)
        print(f"{name.split()[0]:<8} {seconds:>8.2f} {size / 1e6:>7.2f} {count / seconds:>11.0f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        setup(home)
        started = time.perf_counter()
        create_catalog(args.datasets)
        print(f"catalog created in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        measure(args.datasets, args.repeats)


if __name__ == "__main__":
    main()
