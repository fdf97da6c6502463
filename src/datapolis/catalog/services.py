"""What can be done to the catalog: import data, edit metadata, publish, roll back.

Views, the CLI and jobs call these functions; they keep the catalog (Django models)
and the store (versioned data) in step. The store is written first: when it fails,
nothing changed; when the catalog update fails after it, `sync_dataset` restores the
mirror from the store, which is the source of truth for versions.
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from datapolis.catalog import signals
from datapolis.catalog.models import DATASET_ID_VALIDATOR, Dataset, Field, Status, Theme, Visibility
from datapolis.catalog.storage import get_store
from datapolis.engine import Prepared, Version
from datapolis.engine.store import CHANGE_IMPORT, VersionNotFound
from datapolis.ingest import ReadOptions
from datapolis.ingest.isolation import ReadLimits, isolated
from datapolis.schema import FieldSpec

logger = logging.getLogger(__name__)

METADATA_FIELDS = (
    "title",
    "description",
    "keywords",
    "license",
    "license_url",
    "publisher",
    "producer",
    "contact_name",
    "contact_email",
    "update_frequency",
    "territory",
    "temporal_start",
    "temporal_end",
    "language",
)


@dataclass
class ImportResult:
    dataset: Dataset
    version: Version
    seconds: float
    created: bool


def validate_dataset_id(dataset_id: str) -> str:
    try:
        DATASET_ID_VALIDATOR(dataset_id)
    except ValidationError as error:
        raise ValueError(f"invalid dataset identifier {dataset_id!r}: {' '.join(error.messages)}") from error
    return dataset_id


def dataset_id_from_filename(path: Path) -> str:
    return slugify(path.stem.replace("_", "-"))[:100].strip("-") or "dataset"


def import_file(
    path: Path,
    dataset_id: str,
    *,
    options: ReadOptions | None = None,
    metadata: dict[str, Any] | None = None,
    visibility: str | None = None,
    publish: bool = True,
    author: str | None = None,
    actor: Any = None,
    request: Any = None,
    source_url: str | None = None,
) -> ImportResult:
    """Read a file into a new version of `dataset_id`, creating the dataset if needed.

    Raises IngestError for bad input; the dataset and its served version are then unchanged.
    `actor` and `request` say who did it, for the audit log (`author` names them in the
    version history; it defaults to the actor's name). `source_url` is where the file
    was fetched from, if it was.
    """
    author = author or actor_name(actor)
    validate_dataset_id(dataset_id)
    options = options or ReadOptions()
    existing = Dataset.objects.filter(dataset_id=dataset_id).first()
    filename = options.original_name or Path(path).name
    origin = {"options": options.to_dict(), "filename": filename, **({"url": source_url} if source_url else {})}
    started = time.perf_counter()
    with isolated(Path(path), options, read_limits()) as staged:
        version = get_store().publish(
            dataset_id,
            _with_catalog_annotations(staged.prepare, existing),
            author=author,
            message=f"import {filename}",
            change={"kind": CHANGE_IMPORT, "file": filename},
            origin=origin,
        )
    seconds = time.perf_counter() - started
    with transaction.atomic():
        dataset, created = Dataset.objects.get_or_create(
            dataset_id=dataset_id, defaults={"title": (metadata or {}).get("title") or dataset_id}
        )
        dataset.source = origin
        if visibility:
            dataset.visibility = Visibility(visibility)
        if publish:
            dataset.status = Status.PUBLISHED
        if metadata:
            _apply_metadata(dataset, metadata)
        _mirror_version(dataset, version)
        dataset.save()
    forget_unrecorded_versions(dataset)
    action = signals.PUBLISHED if dataset.status == Status.PUBLISHED else signals.DRAFT_SAVED
    _announce(dataset, action, actor or author, request, version=version.number, created=created)
    return ImportResult(dataset=dataset, version=version, seconds=seconds, created=created)


def read_limits() -> ReadLimits:
    """What reading one uploaded or fetched file may cost (DATAPOLIS_READ_* variables, docs/ingest.md)."""
    from django.conf import settings

    return ReadLimits.from_environ(duckdb_memory_limit=settings.DATAPOLIS_INGEST_MEMORY_LIMIT)


def actor_name(actor: Any) -> str | None:
    if actor is None or isinstance(actor, str):
        return actor
    name = getattr(actor, "username", None) or (actor.get_username() if hasattr(actor, "get_username") else None)
    return name or None


def _announce(dataset: Dataset, action: str, actor: Any, request: Any, **details: Any) -> None:
    signals.dataset_event.send(
        sender=Dataset, dataset_id=dataset.dataset_id, action=action, actor=actor, request=request, details=details
    )


def _with_catalog_annotations(read, dataset: Dataset | None):
    """Keep what publishers set on fields (labels, descriptions, flags) across new versions."""
    if dataset is None:
        return read
    known = {field.name: field for field in dataset.fields.all()}

    def prepare_with_annotations(con: duckdb.DuckDBPyConnection) -> Prepared:
        prepared = read(con)
        for spec in prepared.fields:
            field = known.get(spec.name)
            if field is not None:
                spec.label = field.label
                spec.description = field.description or None
                spec.annotations = {**spec.annotations, **field.annotations()}
        return prepared

    return prepare_with_annotations


def _mirror_version(dataset: Dataset, version: Version) -> None:
    dataset.recorded_versions = sorted({*_recorded(dataset), version.number})
    dataset.current_version = version.number
    dataset.current_snapshot = version.snapshot_id
    dataset.records_count = version.row_count
    dataset.touch_data()
    if dataset.pk is None:
        dataset.save()
    sync_fields(dataset, version.fields)


def sync_fields(dataset: Dataset, specs: list[FieldSpec]) -> None:
    """Make the catalog's fields those of a version, keeping publisher edits by name."""
    existing = {field.name: field for field in dataset.fields.all()}
    keep = []
    for position, spec in enumerate(specs):
        field = existing.get(spec.name) or Field(dataset=dataset, name=spec.name, label=spec.label)
        field.position = position
        field.type = spec.type
        if field.pk is None:
            _annotations_to_field(field, spec)
        field.save()
        keep.append(field.pk)
    dataset.fields.exclude(pk__in=keep).delete()


def _annotations_to_field(field: Field, spec: FieldSpec) -> None:
    annotations = spec.annotations
    field.description = spec.description or ""
    field.facet = "facet" in annotations
    field.disjunctive = "disjunctive" in annotations
    field.sortable = "sortable" in annotations
    field.is_id = "id" in annotations
    field.multivalued = (annotations.get("multivalued") or [""])[0]
    field.unit = (annotations.get("unit") or [""])[0]


def sync_dataset(dataset: Dataset) -> Dataset:
    """Bring the catalog's mirror of the data in line with the store's current version."""
    version = get_store().version(dataset.dataset_id)
    with transaction.atomic():
        if dataset.current_version != version.number:
            _mirror_version(dataset, version)
            dataset.save()
    return dataset


def update_metadata(dataset: Dataset, changes: dict[str, Any], *, actor: Any = None, request: Any = None) -> Dataset:
    with transaction.atomic():
        _apply_metadata(dataset, changes)
        dataset.save()
    _announce(dataset, signals.METADATA_CHANGED, actor, request, fields=sorted(changes))
    return dataset


def _apply_metadata(dataset: Dataset, metadata: dict[str, Any]) -> None:
    for name in METADATA_FIELDS:
        if name in metadata and metadata[name] is not None:
            setattr(dataset, name, metadata[name])
    if "visibility" in metadata:
        dataset.visibility = Visibility(metadata["visibility"])
    dataset.touch_metadata()
    if dataset.pk is None:
        dataset.save()
    if "themes" in metadata:
        dataset.themes.set([theme_named(name) for name in metadata["themes"]])


def theme_named(name: str) -> Theme:
    theme, _ = Theme.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    return theme


def set_status(dataset: Dataset, status: str, *, actor: Any = None, request: Any = None) -> Dataset:
    dataset.status = Status(status)
    dataset.touch_metadata()
    dataset.save(update_fields=["status", "metadata_modified", "modified"])
    action = signals.PUBLISHED if dataset.status == Status.PUBLISHED else signals.UNPUBLISHED
    _announce(dataset, action, actor, request, version=dataset.current_version)
    return dataset


def rollback(
    dataset: Dataset, number: int, *, author: str | None = None, actor: Any = None, request: Any = None
) -> Version:
    author = author or actor_name(actor)
    if number not in set(_recorded(dataset)):
        raise VersionNotFound(f"{dataset.dataset_id!r} has no version {number}")
    version = get_store().rollback(dataset.dataset_id, number, author=author)
    with transaction.atomic():
        _mirror_version(dataset, version)
        dataset.source = version_origin(version)
        dataset.save()
    _announce(dataset, signals.ROLLED_BACK, actor or author, request, to_version=number, version=version.number)
    return version


def version_origin(version: Version) -> dict[str, Any]:
    """Where a version's data came from, as `Dataset.source` says it.

    Versions published before origins were recorded only know their file's name (the
    reader's `original_name`): that is all a rollback to them can restore.
    """
    if version.origin:
        return dict(version.origin)
    filename = version.source.get("original_name") or version.change.get("file")
    return {"filename": filename} if filename else {}


def delete_dataset(dataset: Dataset, *, author: str | None = None, actor: Any = None, request: Any = None) -> None:
    author = author or actor_name(actor)
    store = get_store()
    if store.has_dataset(dataset.dataset_id):
        store.delete(dataset.dataset_id, author=author)
    dataset.delete()
    _announce(dataset, signals.DELETED, actor or author, request)


def versions(dataset: Dataset) -> list[Version]:
    """The dataset's versions: those of the store the catalog recorded.

    A publication killed between the lake's commit and the catalog's leaves a version in
    the lake that nobody published: it is not listed, cannot be rolled back to, and its
    files are given back once a later version exists (`forget_unrecorded_versions`).
    """
    recorded = set(_recorded(dataset))
    return [version for version in get_store().versions(dataset.dataset_id) if version.number in recorded]


def _recorded(dataset: Dataset, stored: list[Version] | None = None) -> list[int]:
    """Recorded versions; for a dataset recorded before they were, every version up to the current one.

    `stored`: the store's versions of the dataset, when the caller has read them already.
    """
    if dataset.recorded_versions or dataset.current_version is None:
        return list(dataset.recorded_versions or [])
    stored = get_store().versions(dataset.dataset_id) if stored is None else stored
    return [v.number for v in stored if v.number <= dataset.current_version]


def forget_unrecorded_versions(dataset: Dataset, stored: list[Version] | None = None) -> list[int]:
    """Give back what failed publications of `dataset` left in the lake; returns the versions expired."""
    stored = get_store().versions(dataset.dataset_id) if stored is None else stored
    recorded = set(_recorded(dataset, stored))
    unrecorded = {v.number for v in stored if v.number not in recorded}
    return get_store().expire_versions(dataset.dataset_id, unrecorded) if unrecorded else []


def clean_up_failed_writes(*, older_than: datetime.timedelta = datetime.timedelta(hours=6)) -> dict[str, Any]:
    """What the job worker runs when it starts: failed publications give back their space.

    Versions the lake committed but the catalog never recorded are expired (all but a
    table's latest, which goes once a later version exists); data files no version refers
    to (a write killed before its commit) are deleted once older than `older_than`, so
    a publication under way keeps the files it has written.
    """
    expired = {}
    history = get_store().history()  # one read of the lake's commits for every dataset
    for dataset in Dataset.objects.exclude(current_version=None):
        numbers = forget_unrecorded_versions(dataset, history.get(dataset.dataset_id, []))
        if numbers:
            expired[dataset.dataset_id] = numbers
    orphans = get_store().delete_orphaned_files(timezone.now() - older_than)
    return {"expired": expired, "orphaned_files": orphans}


def next_version_number(dataset: Dataset) -> int:
    return get_store().next_version_number(dataset.dataset_id)
