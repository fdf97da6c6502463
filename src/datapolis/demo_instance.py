"""Populate an instance for `datapolis demo`: an admin account and datasets.

The generated data comes from datapolis.demo (the project's own generator); `--from`
imports a folder of real files instead, one dataset per supported file.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from rich.console import Console

from datapolis.catalog import services
from datapolis.catalog.models import Dataset, Field
from datapolis.ingest import IngestError, ReadOptions

SUPPORTED_SUFFIXES = {
    ".csv", ".tsv", ".txt", ".xlsx", ".xls", ".ods", ".json", ".jsonl", ".ndjson",
    ".geojson", ".zip", ".gpkg", ".kml", ".parquet",
}  # fmt: skip


@dataclass
class DemoReport:
    imported: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


def reset_admin(username: str = "admin") -> str:
    """Create or reset the demo admin account and return its new password."""
    password = secrets.token_urlsafe(12)
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username, defaults={"email": "admin@example.org"})
    user.is_staff = user.is_superuser = user.is_active = True
    user.set_password(password)
    user.save()
    return password


def import_generated(*, console: Console | None = None, scale: float = 1.0) -> DemoReport:
    from datapolis.demo import generate

    folder = settings.CONFIG.home / "demo-files"
    report = DemoReport()
    for item in generate(folder, scale=scale):
        if Dataset.objects.filter(dataset_id=item.dataset_id).exists():
            report.skipped += 1
            continue
        _import_one(
            report,
            item.path,
            item.dataset_id,
            ReadOptions(**item.read_options, original_name=item.path.name),
            metadata=item.metadata,
            visibility=item.visibility,
            console=console,
        )
        offer_facets(item.dataset_id, item.facets)
    return report


def offer_facets(dataset_id: str, columns: list[str]) -> None:
    """Mark the fields read from these columns (by header or field name) as facets."""
    wanted = set(columns)
    Field.objects.filter(dataset__dataset_id=dataset_id).filter(Q(label__in=wanted) | Q(name__in=wanted)).update(
        facet=True
    )


def import_folder(folder: Path, *, console: Console | None = None) -> DemoReport:
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder")
    report = DemoReport()
    taken: set[str] = set(Dataset.objects.values_list("dataset_id", flat=True))
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES):
        dataset_id = services.dataset_id_from_filename(path)
        if dataset_id in taken:
            # The same name in another format (stations.csv and stations.geojson): both are kept.
            dataset_id = f"{dataset_id[:90]}-{path.suffix.lstrip('.').lower()}"
        if dataset_id in taken:
            report.skipped += 1
            continue
        taken.add(dataset_id)
        title = path.stem.replace("_", " ").replace("-", " ").strip().capitalize()
        _import_one(
            report, path, dataset_id, ReadOptions(original_name=path.name), metadata={"title": title}, console=console
        )
    return report


def _import_one(
    report: DemoReport,
    path: Path,
    dataset_id: str,
    options: ReadOptions,
    *,
    metadata: dict,
    visibility: str = "public",
    console: Console | None,
) -> None:
    if console:
        console.print(f"  importing {path.name} → {dataset_id}", highlight=False)
    try:
        services.import_file(path, dataset_id, options=options, metadata=metadata, visibility=visibility)
    except (IngestError, ValueError) as error:
        report.failed.append((path.name, str(error)))
        return
    report.imported += 1
