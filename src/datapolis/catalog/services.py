"""Every change to a dataset: create, import data, edit metadata and fields, publish, roll back, delete.

Views, the CLI, the API and jobs call these functions; they keep the catalog (Django
models) and the store (versioned data) in step, and record each change in the audit log
(`events.dataset_event`). The store is written first: when it fails, nothing changed;
when the catalog update fails after it, `sync_dataset` restores the mirror from the
store, which is the source of truth for versions.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from datapolis.catalog import events, personal_data, preparation
from datapolis.catalog.models import (
    DATASET_ID_VALIDATOR,
    Attachment,
    Dataset,
    Field,
    LegalBasis,
    PersonalData,
    SchemaMode,
    Status,
    Theme,
    Visibility,
)
from datapolis.catalog.storage import get_store
from datapolis.engine import Prepared, Version
from datapolis.engine.store import CHANGE_IMPORT, CHANGE_STEPS, VersionNotFound
from datapolis.ingest import ReadOptions
from datapolis.ingest.isolation import ReadLimits, Staged, isolated
from datapolis.schema import FieldSpec
from datapolis.steps import parse_steps
from datapolis.validation import TableSchema, ValidationReport, load_schema, validate_relation

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


# Dates a metadata edit may clear (None); an import's metadata skips None values (not given).
CLEARABLE_DATES = ("temporal_start", "temporal_end")
FIELD_EDITS = ("label", "type", "description", "unit", "facet", "sortable")


class DatasetIdTaken(ValueError):
    """Another dataset already has this identifier."""


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
    field_edits: Sequence[dict[str, Any]] = (),
    fetched: dict[str, Any] | None = None,
) -> ImportResult:
    """Read a file into a new version of `dataset_id`, creating the dataset if needed.

    Raises IngestError for bad input; the dataset and its served version are then unchanged.
    `actor` and `request` say who did it, for the audit log (`author` names them in the
    version history; it defaults to the actor's name). `source_url` is where the file
    was fetched from, if it was, and `fetched` what a source's refresh knows of it (its
    checksum, fetch time...: the version's lineage). `field_edits` (see `apply_field_edits`) are saved with
    the version, in the same transaction.
    """
    author = author or actor_name(actor)
    validate_dataset_id(dataset_id)
    existing = Dataset.objects.filter(dataset_id=dataset_id).first()
    options = preparation.read_options_for(existing, options or ReadOptions())
    filename = options.original_name or Path(path).name
    origin = {"options": options.to_dict(), "filename": filename, **({"url": source_url} if source_url else {})}
    if fetched:
        origin["fetched"] = fetched
    if existing is not None and publish:
        personal_data.check_open_publication(existing, status=Status.PUBLISHED,
                                             visibility=visibility or existing.visibility)  # fmt: skip
    started = time.perf_counter()
    with isolated(Path(path), options, read_limits()) as staged:
        version = _publish_staged(staged, dataset_id, existing, origin, author=author, message=f"import {filename}")
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
            apply_field_edits(dataset, field_edits)
            dataset.save()
        preparation.keep_raw(dataset, staged)
    forget_unrecorded_versions(dataset)
    action = events.PUBLISHED if dataset.status == Status.PUBLISHED else events.DRAFT_SAVED
    _announce(dataset, action, actor or author, request, version=version.number, created=created)
    return ImportResult(dataset=dataset, version=version, seconds=seconds, created=created)


def replace_data(
    dataset: Dataset,
    path: Path,
    *,
    options: ReadOptions,
    metadata: dict[str, Any] | None = None,
    field_edits: Sequence[dict[str, Any]] = (),
    publish: bool,
    actor: Any = None,
    request: Any = None,
    source_url: str | None = None,
    fetched: dict[str, Any] | None = None,
) -> ImportResult:
    """An agent's file as the new version of a dataset the catalog has: its first data, or new data.

    As `import_file`, and recorded as `dataset_created` (the first data of a draft from
    `create_draft`) or `dataset_data_replaced`, with the file (and URL) it came from.
    """
    first_data = dataset.current_version is None
    result = import_file(
        path,
        dataset.dataset_id,
        options=options,
        metadata=metadata,
        publish=publish,
        actor=actor,
        request=request,
        source_url=source_url,
        field_edits=field_edits,
        fetched=fetched,
    )
    version = result.version
    filename = options.original_name or Path(path).name
    details = {"version": version.number, "records": version.row_count, "file": filename}
    if source_url:
        details["url"] = source_url
    action = events.CREATED if first_data else events.DATA_REPLACED
    events.dataset_event(dataset.dataset_id, action, actor, request, **details)
    return result


def create_draft(dataset_id: str, *, title: str = "", publisher: str = "", producer: str = "", portal=None) -> Dataset:
    """A new dataset without data, as a draft: it reserves the identifier until its first import (`replace_data`)."""
    try:
        with transaction.atomic():
            return Dataset.objects.create(
                dataset_id=dataset_id,
                title=title or dataset_id,
                publisher=publisher,
                producer=producer,
                portal=portal,
                status=Status.DRAFT,
            )
    except IntegrityError as error:
        raise DatasetIdTaken(dataset_id) from error


def discard_empty_draft(dataset_id: str) -> None:
    """Remove a dataset that never got data (its first import failed): nothing of it was ever recorded."""
    Dataset.objects.filter(dataset_id=dataset_id, current_version__isnull=True).delete()


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
    events.dataset_event(dataset.dataset_id, action, actor, request, **details)


def _publish_staged(
    staged: Staged,
    dataset_id: str,
    existing: Dataset | None,
    origin: dict[str, Any],
    *,
    author: str | None,
    message: str,
    change: dict[str, Any] | None = None,
) -> Version:
    """Publish what a reader staged, through the dataset's steps and schema; `origin` gets the lineage."""
    read = _with_catalog_annotations(staged.prepare, existing)

    def prepare(con: duckdb.DuckDBPyConnection) -> Prepared:
        return preparation.prepare(con, read(con), existing, origin)

    change = change or {"kind": CHANGE_IMPORT, "file": origin.get("filename")}
    return get_store().publish(dataset_id, prepare, author=author, message=message, change=change, origin=origin)


def reapply_steps(dataset: Dataset, *, actor: Any = None, request: Any = None) -> Version:
    """Publish the dataset's kept raw data again through its current steps and schema (a new version)."""
    raw = preparation.raw_of(dataset)
    if raw is None:
        raise ValueError(f"{dataset.dataset_id} has no raw data kept: import it again to apply its steps")
    author = actor_name(actor)
    origin = {**{k: v for k, v in dataset.source.items() if k not in ("steps", "step_counts", "validation")}}
    change = {"kind": CHANGE_STEPS, "steps": len(dataset.steps)}
    version = _publish_staged(raw, dataset.dataset_id, dataset, origin, author=author, message="processing steps",
                              change=change)  # fmt: skip
    with transaction.atomic():
        dataset.source = origin
        _mirror_version(dataset, version)
        dataset.save()
    forget_unrecorded_versions(dataset)
    _announce(dataset, events.DATA_REPLACED, actor or author, request, version=version.number,
              records=version.row_count, steps=len(dataset.steps))  # fmt: skip
    return version


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
                spec.annotations = _merged_annotations(spec, field)
        return prepared

    return prepare_with_annotations


def _merged_annotations(spec: FieldSpec, field: Field) -> dict[str, list[Any]]:
    """What the publisher set over what the reader found, but `multivalued`: how the version stores the field."""
    edited = {key: value for key, value in field.annotations().items() if key != "multivalued"}
    return {**spec.annotations, **edited}


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
        field.multivalued = (spec.annotations.get("multivalued") or [""])[0]  # stored as a list, or not: like the type
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
    """Apply `changes` (None clears a date of CLEARABLE_DATES); a new visibility is recorded as such too."""
    old_visibility = str(dataset.visibility)
    personal_data.check_open_publication(dataset, status=dataset.status,
                                         visibility=changes.get("visibility") or dataset.visibility)  # fmt: skip
    with transaction.atomic():
        for name in CLEARABLE_DATES:
            if name in changes and changes[name] is None:
                setattr(dataset, name, None)
        _apply_metadata(dataset, changes)
        dataset.save()
    _announce(dataset, events.METADATA_CHANGED, actor, request, fields=sorted(changes))
    if str(dataset.visibility) != old_visibility:
        _announce(
            dataset, events.VISIBILITY_CHANGED, actor, request, before=old_visibility, after=str(dataset.visibility)
        )
    return dataset


def editable_values(field: Field) -> dict[str, Any]:
    """What an agent may set on a field."""
    return {name: getattr(field, name) for name in FIELD_EDITS}


def apply_field_edits(dataset: Dataset, edits: Sequence[dict[str, Any]]) -> None:
    """Labels, descriptions, units and flags an agent set, by field name (the type is the version's)."""
    by_name = {edit["name"]: edit for edit in edits}
    for field in dataset.fields.all():
        edit = by_name.get(field.name)
        if edit is None:
            continue
        field.label = (edit.get("label") or "").strip() or field.label
        field.description = edit.get("description") or ""
        field.unit = edit.get("unit") or ""
        field.facet = bool(edit.get("facet"))
        field.sortable = bool(edit.get("sortable"))
        field.save(update_fields=["label", "description", "unit", "facet", "sortable"])


def change_fields(
    dataset: Dataset, edits: list[dict[str, Any]], *, actor: Any = None, request: Any = None
) -> list[str]:
    """Apply field edits; returns (and records, as a metadata change) the names of the fields changed."""
    before = {field.name: editable_values(field) for field in dataset.fields.all()}
    with transaction.atomic():
        apply_field_edits(dataset, edits)
        changed = [field.name for field in dataset.fields.all() if before.get(field.name) != editable_values(field)]
        if changed:
            dataset.touch_metadata()
            dataset.save(update_fields=["metadata_modified", "modified"])
    if changed:
        _announce(dataset, events.METADATA_CHANGED, actor, request, columns=changed)
    return changed


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
    personal_data.check_open_publication(dataset, status=status, visibility=dataset.visibility)
    dataset.status = Status(status)
    dataset.touch_metadata()
    dataset.save(update_fields=["status", "metadata_modified", "modified"])
    action = events.PUBLISHED if dataset.status == Status.PUBLISHED else events.UNPUBLISHED
    _announce(dataset, action, actor, request, version=dataset.current_version)
    return dataset


def rollback(
    dataset: Dataset, number: int, *, author: str | None = None, actor: Any = None, request: Any = None
) -> Version:
    author = author or actor_name(actor)
    if number not in set(_recorded(dataset)):
        raise VersionNotFound(f"{dataset.dataset_id!r} has no version {number}")
    if personal_data.declaration(dataset) is not None:  # the version's data went through its own steps
        applied = get_store().version(dataset.dataset_id, number).origin.get("steps") or []
        personal_data.check_open_publication(dataset, status=dataset.status, visibility=dataset.visibility,
                                             steps=applied)  # fmt: skip
    version = get_store().rollback(dataset.dataset_id, number, author=author)
    with transaction.atomic():
        _mirror_version(dataset, version)
        dataset.source = version_origin(version)
        dataset.save()
    _announce(dataset, events.ROLLED_BACK, actor or author, request, to_version=number, version=version.number)
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
    preparation.forget_raw(dataset)
    _announce(dataset, events.DELETED, actor or author, request)


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


@dataclass(frozen=True)
class AttachmentFile:
    attachment_id: str
    title: str
    mimetype: str
    path: Path  # the file's content, copied into the instance's storage


def replace_attachments(
    dataset: Dataset, files: Sequence[AttachmentFile], *, actor: Any = None, request: Any = None
) -> list[str]:
    """Make the dataset's attachments exactly `files` (by identifier); returns the identifiers kept."""
    kept = []
    with transaction.atomic():
        for item in files:
            identifier = slugify(item.attachment_id)[:200] or "attachment"
            attachment = dataset.attachments.filter(attachment_id=identifier).first() or Attachment(
                dataset=dataset, attachment_id=identifier
            )
            attachment.title, attachment.mimetype = item.title[:300], item.mimetype[:100]
            if attachment.file:
                attachment.file.delete(save=False)
            with Path(item.path).open("rb") as handle:
                attachment.file.save(Path(item.path).name, File(handle), save=False)
            attachment.save()
            kept.append(attachment.pk)
        removed = dataset.attachments.exclude(pk__in=kept)
        for attachment in removed:
            attachment.file.delete(save=False)
        removed.delete()
    identifiers = sorted(dataset.attachments.values_list("attachment_id", flat=True))
    _announce(dataset, events.METADATA_CHANGED, actor, request, fields=["attachments"], attachments=identifiers)
    return identifiers


# -- preparation: processing steps, Table Schema, personal data (docs/sources.md) ------------------


def set_steps(
    dataset: Dataset, steps: Sequence[dict[str, Any]], *, actor: Any = None, request: Any = None
) -> Version | None:
    """Replace the dataset's processing steps; its kept raw data is published again through them.

    Raises StepError for a step that is not valid (nothing changed) and IngestError when a
    step fails on the data (the steps are not saved; the served version is unchanged).
    Returns the new version (None for a dataset without data yet).
    """
    parsed = parse_steps(list(steps))
    new_steps = [step.to_dict() for step in parsed]
    personal_data.check_open_publication(dataset, status=dataset.status, visibility=dataset.visibility,
                                         steps=new_steps)  # fmt: skip
    before = dataset.steps
    dataset.steps = new_steps
    version = None
    if dataset.current_version is not None and preparation.raw_of(dataset) is not None:
        try:
            version = reapply_steps(dataset, actor=actor, request=request)
        except Exception:
            dataset.steps = before
            raise
    else:
        dataset.save(update_fields=["steps"])
    _announce(dataset, events.STEPS_CHANGED, actor, request, steps=[step.kind for step in parsed],
              version=version.number if version else None)  # fmt: skip
    return version


def set_schema(
    dataset: Dataset,
    schema: dict[str, Any],
    *,
    url: str = "",
    mode: str = SchemaMode.WARN,
    actor: Any = None,
    request: Any = None,
) -> TableSchema:
    """Declare the Table Schema (a descriptor, read by the caller from `url` or a file) and what errors do."""
    checked = load_schema(schema)
    dataset.table_schema, dataset.table_schema_url = checked.descriptor, url
    dataset.schema_mode = SchemaMode(mode)
    dataset.touch_metadata()
    dataset.save(update_fields=["table_schema", "table_schema_url", "schema_mode", "metadata_modified", "modified"])
    _announce(dataset, events.SCHEMA_CHANGED, actor, request, schema=checked.name or checked.title, url=url,
              mode=str(dataset.schema_mode))  # fmt: skip
    return checked


def remove_schema(dataset: Dataset, *, actor: Any = None, request: Any = None) -> None:
    dataset.table_schema, dataset.table_schema_url = {}, ""
    dataset.save(update_fields=["table_schema", "table_schema_url"])
    _announce(dataset, events.SCHEMA_CHANGED, actor, request, schema=None)


def validate_current(dataset: Dataset, *, max_errors: int = 1000) -> ValidationReport:
    """The current version checked against the dataset's schema now."""
    schema = preparation.schema_of(dataset)
    if schema is None:
        raise ValueError(f"{dataset.dataset_id} declares no Table Schema (set one: datapolis schema DATASET SCHEMA)")
    if dataset.current_version is None:
        raise ValueError(f"{dataset.dataset_id} has no data to validate")
    store = get_store()
    version = store.version(dataset.dataset_id, dataset.current_version)
    con = store.connect()
    try:
        relation = store.version_relation_sql(version)  # identifiers quoted by the store
        con.execute(f"CREATE TEMP VIEW current_version AS SELECT * FROM {relation}")  # noqa: S608
        return validate_relation(con, "current_version", version.fields, schema, max_errors=max_errors)
    finally:
        con.close()


def declare_personal_data(
    dataset: Dataset,
    *,
    fields: Sequence[str],
    purpose: str,
    legal_basis: str,
    retention: str,
    contact: str,
    actor: Any = None,
    request: Any = None,
) -> PersonalData:
    """Flag the dataset as holding personal data (the register's entry); `fields` must be its fields."""
    known = set(dataset.fields.values_list("name", flat=True))
    unknown = [name for name in fields if name not in known]
    if unknown:
        raise ValueError(f"{dataset.dataset_id} has no field {', '.join(unknown)}")
    if legal_basis not in LegalBasis.values:
        raise ValueError(f"legal basis {legal_basis!r}: choose one of {', '.join(LegalBasis.values)}")
    if not purpose.strip() or not retention.strip() or not contact.strip():
        raise ValueError("a personal data declaration states its purpose, retention and contact")
    entry, _ = PersonalData.objects.update_or_create(
        dataset=dataset,
        defaults={"fields": list(fields), "purpose": purpose.strip(), "legal_basis": legal_basis,
                  "retention": retention.strip(), "contact": contact.strip()},
    )  # fmt: skip
    _announce(dataset, events.PERSONAL_DATA_CHANGED, actor, request, fields=list(fields), legal_basis=legal_basis)
    return entry


def withdraw_personal_data(dataset: Dataset, *, actor: Any = None, request: Any = None) -> bool:
    deleted, _ = PersonalData.objects.filter(dataset=dataset).delete()
    if deleted:
        _announce(dataset, events.PERSONAL_DATA_CHANGED, actor, request, fields=[])
    return bool(deleted)
