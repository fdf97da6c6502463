"""What the back office does, composed from the catalog services and the jobs app.

A publication goes: `start_from_file` / `start_from_url` (an `Upload`) → `read_preview`
(first rows, inferred types, detected encoding and delimiter; options can be changed)
→ `save_fields` (labels, types, descriptions, units, flags; forced types are checked)
→ `save_metadata` (new datasets) → `import_upload` (draft or publish). Small files are
imported in the request; large ones by a job of kind `IMPORT_JOB` (`run_import_job`,
registered with the jobs app by `tasks`), the agent watching a status page. Either way
`perform_import` does the work, and a failure changes nothing that was published.

Managing a dataset: `publish`, `unpublish`, `roll_back`, `change_metadata`,
`change_fields`, `delete`. Every change to a dataset is made, and recorded in the audit
log, by `datapolis.catalog.services`, with the agent and their request passed on.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from datapolis.backoffice import uploads
from datapolis.backoffice.errors import Refusal, error_dict
from datapolis.backoffice.models import Upload, UploadState
from datapolis.catalog import events
from datapolis.catalog import services as catalog
from datapolis.catalog.dataset_objects import LICENSE_URLS
from datapolis.catalog.models import Dataset, Status
from datapolis.catalog.storage import get_store
from datapolis.engine import Version
from datapolis.fetching import FetchError, fetch, parse_networks
from datapolis.ingest import IngestError, ReadOptions, detect_format
from datapolis.ingest.isolation import preview as isolated_preview
from datapolis.jobs import lifecycle as jobs
from datapolis.jobs.models import Job

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 20
READ_OPTION_NAMES = ("format", "encoding", "delimiter", "sheet", "json_path", "epsg")
FIELD_EDIT_NAMES = ("label", "description", "unit", "facet", "sortable")
TEXT_FORMATS_SAMPLED = {"csv"}
IMPORT_JOB = "backoffice_import"  # the kind of job that imports a large upload


class BackofficeError(Refusal):
    """Something the agent asked for cannot be done; `template` % `params` says why (translatable)."""


@dataclass
class ImportOutcome:
    dataset: Dataset
    job: Job | None = None
    version: Version | None = None


# Starting a publication ------------------------------------------------------------


def start_from_file(stored: uploads.StoredFile, *, user, portal, dataset: Dataset | None = None) -> Upload:
    """An Upload for a file the upload handler already stored; refused files are deleted."""
    try:
        uploads.check_name(stored.name)
        uploads.check_size(stored.size, settings.DATAPOLIS_MAX_UPLOAD_BYTES)
        uploads.check_format(uploads.uploads_folder() / stored.stored_name, stored.name)
    except uploads.UploadRefused:
        uploads.discard(stored.stored_name)
        raise
    return _new_upload(user, portal, dataset, stored.name, stored.stored_name, stored.size)


def start_from_url(url: str, *, user, portal, dataset: Dataset | None = None) -> Upload:
    """Download `url` (public servers only, size and time capped) into a new Upload."""
    stored_name = uploads.new_stored_name("")
    destination = uploads.uploads_folder() / stored_name
    fetched = fetch(
        url,
        destination,
        max_bytes=settings.DATAPOLIS_MAX_UPLOAD_BYTES,
        timeout=float(settings.DATAPOLIS_FETCH_TIMEOUT),
        allowed_networks=parse_networks(settings.DATAPOLIS_FETCH_ALLOWED_NETWORKS),
    )
    try:
        uploads.check_name(fetched.filename)
        final_name = uploads.new_stored_name(fetched.filename)
        destination.rename(uploads.uploads_folder() / final_name)
        uploads.check_format(uploads.uploads_folder() / final_name, fetched.filename)
    except uploads.UploadRefused:
        uploads.discard(stored_name)
        uploads.discard(locals().get("final_name", ""))
        raise
    upload = _new_upload(user, portal, dataset, fetched.filename, final_name, fetched.size)
    upload.source_url = url
    upload.save(update_fields=["source_url"])
    return upload


def _new_upload(user, portal, dataset, original_name, stored_name, size) -> Upload:
    upload = Upload(
        created_by=user,
        portal=portal,
        dataset=dataset,
        original_name=original_name[:300],
        stored_name=stored_name,
        size=size,
    )
    if dataset is not None:
        upload.options = _reusable_options(dataset)
    upload.save()
    return upload


def _reusable_options(dataset: Dataset) -> dict[str, Any]:
    """Options a replacement keeps from the dataset's last import (EPSG, sheet, JSON path)."""
    previous = (dataset.source or {}).get("options") or {}
    return {key: previous[key] for key in ("sheet", "json_path", "epsg") if previous.get(key)}


# Preview ---------------------------------------------------------------------------


def read_options(upload: Upload, *, with_types: bool = True) -> ReadOptions:
    """The reader's options: the agent's, and for the import the separator the preview showed.

    Pinning the separator makes the import read the file the way the agent saw it: a
    large file is previewed on its beginning, and detection on the whole file could
    choose differently (and name the columns differently) when a line further down is broken.
    """
    options = {key: upload.options[key] for key in READ_OPTION_NAMES if upload.options.get(key) not in (None, "")}
    detected = (upload.preview or {}).get("source") or {}
    if with_types and "delimiter" not in options and detected.get("format") == "csv" and detected.get("delimiter"):
        options["delimiter"] = detected["delimiter"]
    field_types = forced_types(upload) if with_types else {}
    return ReadOptions(**options, field_types=field_types, original_name=upload.original_name)


def forced_types(upload: Upload) -> dict[str, str]:
    return {
        field["name"]: field["type"]
        for field in upload.fields
        if not field.get("derived") and field.get("type") and field["type"] != field.get("inferred_type")
    }


def read_preview(upload: Upload, options: dict[str, Any] | None = None) -> Upload:
    """Read the file (or its first megabytes) with `options`, keeping the agent's field edits.

    The result, or the error, is stored in `upload.preview`.
    """
    if options is not None:
        upload.options = {key: value for key, value in options.items() if value not in (None, "")}
    try:
        prepared, rows, sampled = _run_preview(upload, read_options(upload, with_types=False))
    except IngestError as error:
        upload.preview = {"error": error_dict(error), "sheets": _sheets(upload)}
        upload.save(update_fields=["options", "preview"])
        return upload
    derived = set()
    if (prepared.source.get("geo_point_2d") or {}).get("from"):
        derived = {spec.name for spec in prepared.fields if spec.type == "geo_point_2d"}
        derived &= {prepared.fields[-1].name}
    previous = upload.fields_by_name
    if not previous and upload.dataset is not None:
        previous = {field.name: catalog.editable_values(field) for field in upload.dataset.fields.all()}
    fields = []
    for spec in prepared.fields:
        known = previous.get(spec.name, {})
        fields.append(
            {
                "name": spec.name,
                "label": known.get("label") or spec.label,
                "inferred_type": spec.type,
                "type": known.get("type") if known.get("type") and spec.name not in derived else spec.type,
                "description": known.get("description", ""),
                "unit": known.get("unit", ""),
                "facet": bool(known.get("facet", False)),
                "sortable": bool(known.get("sortable", False)),
                "derived": spec.name in derived,
            }
        )
    upload.fields = fields
    upload.preview = _preview_dict(prepared, rows, sampled, upload)
    upload.save(update_fields=["options", "preview", "fields"])
    return upload


def _run_preview(upload: Upload, options: ReadOptions):
    path, sampled = _preview_path(upload, options)
    con = get_store().connect()
    try:
        prepared, rows = isolated_preview(con, path, options, catalog.read_limits(), limit=PREVIEW_ROWS)
    finally:
        con.close()
    return prepared, rows, sampled


def _preview_path(upload: Upload, options: ReadOptions) -> tuple[Path, bool]:
    """The file, or a sample of its first megabytes when it is a large delimited text file."""
    limit = settings.DATAPOLIS_BACKOFFICE_PREVIEW_SAMPLE_BYTES
    if upload.size <= limit or detect_format(upload.path, options) not in TEXT_FORMATS_SAMPLED:
        return upload.path, False
    sample = upload.path.with_name(upload.stored_name + ".sample" + upload.path.suffix)
    if not sample.exists():
        with open(upload.path, "rb") as handle:
            head = handle.read(limit)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: a byte cut could split a character
            return upload.path, False
        sample.write_bytes(head[: _last_complete_line(head)])
    return sample, True


def _last_complete_line(data: bytes) -> int:
    """The end of the last line of `data` that is not inside a quoted value."""
    end, position, quotes = 0, 0, 0
    for line in data.split(b"\n")[:-1]:
        quotes += line.count(b'"')
        position += len(line) + 1
        if quotes % 2 == 0:
            end = position
    return end


def _sheets(upload: Upload) -> list[str]:
    if upload.path.suffix not in (".xlsx", ".xlsm", ".xls", ".ods"):
        return []
    try:
        from python_calamine import CalamineWorkbook

        return list(CalamineWorkbook.from_path(str(upload.path)).sheet_names)
    except Exception:  # a damaged workbook: the reader explains it
        return []


def _preview_dict(prepared, rows: list[dict[str, Any]], sampled: bool, upload: Upload) -> dict[str, Any]:
    source = json.loads(json.dumps(prepared.source, default=str))
    return {
        "source": source,
        "fields": [{"name": spec.name, "label": spec.label, "type": spec.type} for spec in prepared.fields],
        "rows": [[display_value(row.get(spec.name)) for spec in prepared.fields] for row in rows],
        "sampled": sampled,
        "sample_bytes": settings.DATAPOLIS_BACKOFFICE_PREVIEW_SAMPLE_BYTES if sampled else None,
        "sheets": _sheets(upload),
    }


def display_value(value: Any) -> str:
    """A cell as the preview shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float | Decimal):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, dict):
        if set(value) == {"lon", "lat"}:
            return f"{value['lat']}, {value['lon']}"
        text = json.dumps(value, default=str)
        return text if len(text) <= 80 else text[:79] + "…"
    text = str(value)
    return text if len(text) <= 200 else text[:199] + "…"


# Fields and metadata ---------------------------------------------------------------


def save_fields(upload: Upload, edits: list[dict[str, Any]]) -> Upload:
    """Keep the agent's field edits; forced types are checked at once (IngestError if a value does not fit)."""
    by_name = {edit["name"]: edit for edit in edits}
    for field in upload.fields:
        edit = by_name.get(field["name"])
        if edit is None:
            continue
        for key in FIELD_EDIT_NAMES:
            if key in edit:
                field[key] = edit[key]
        if edit.get("type") and not field.get("derived"):
            field["type"] = edit["type"]
    upload.save(update_fields=["fields"])
    if forced_types(upload):
        prepared, rows, sampled = _run_preview(upload, read_options(upload))
        refreshed = _preview_dict(prepared, rows, sampled, upload)
        upload.preview = {**upload.preview, "fields": refreshed["fields"], "rows": refreshed["rows"]}
        upload.save(update_fields=["preview"])
    return upload


def save_metadata(upload: Upload, metadata: dict[str, Any]) -> Upload:
    upload.metadata = json.loads(json.dumps(metadata, default=str))
    upload.save(update_fields=["metadata"])
    return upload


def metadata_for_catalog(data: dict[str, Any]) -> dict[str, Any]:
    """Form data (JSON-stored) as `catalog.services.update_metadata` takes it."""
    metadata = {key: data[key] for key in catalog.METADATA_FIELDS if key in data}
    for key in ("temporal_start", "temporal_end"):
        if metadata.get(key):
            metadata[key] = dt.date.fromisoformat(str(metadata[key])[:10])
        elif key in metadata:
            metadata[key] = None
    if metadata.get("license") and not metadata.get("license_url"):
        metadata["license_url"] = LICENSE_URLS.get(metadata["license"], "")
    if "themes" in data:
        metadata["themes"] = list(data["themes"])
    if data.get("visibility"):
        metadata["visibility"] = data["visibility"]
    return metadata


# Import ----------------------------------------------------------------------------


def import_upload(upload: Upload, *, publish: bool, user, request=None) -> ImportOutcome:
    """Import the upload now (small files) or through the worker (large ones)."""
    if upload.state in (UploadState.IMPORTING, UploadState.IMPORTED):
        raise BackofficeError(gettext_noop("This file has already been imported."), code="already_imported")
    dataset = upload.dataset or _create_dataset(upload)
    if upload.size > settings.DATAPOLIS_BACKOFFICE_SYNC_MAX_BYTES:
        job = jobs.create(
            IMPORT_JOB,
            dataset.dataset_id,
            user=user,
            parameters={"upload": str(upload.pk), "publish": publish, "size": upload.size},
        )
        upload.job, upload.state = job, UploadState.IMPORTING
        upload.save(update_fields=["job", "state"])
        jobs.enqueue(job)
        job.refresh_from_db()
        return ImportOutcome(dataset=dataset, job=job)
    version = perform_import(upload, dataset, publish=publish, user=user, request=request)
    dataset.refresh_from_db()
    return ImportOutcome(dataset=dataset, version=version)


def _create_dataset(upload: Upload) -> Dataset:
    """The new dataset, as a draft without data, on the upload's portal (reserves its identifier).

    Its description is applied by the import itself, with the data.
    """
    metadata = upload.metadata
    dataset_id = metadata.get("dataset_id")
    if not dataset_id:
        raise BackofficeError(gettext_noop("Describe the dataset before importing it."), code="no_metadata")
    try:
        return catalog.create_draft(
            dataset_id,
            title=metadata.get("title") or dataset_id,
            publisher=metadata.get("publisher") or "",
            producer=metadata.get("producer") or "",
            portal=upload.portal,
        )
    except catalog.DatasetIdTaken as error:
        raise BackofficeError(
            gettext_noop("The identifier %(dataset_id)s is already taken: choose another one."),
            {"dataset_id": dataset_id},
            code="taken",
        ) from error


def perform_import(upload: Upload, dataset: Dataset, *, publish: bool, user, request=None) -> Version:
    """Read the file into a new version of `dataset`, with the agent's choices.

    On failure nothing published changes: the store keeps its current version, and a
    dataset this upload created (still without data) is removed again.
    """
    created = not upload.is_replacement
    try:
        result = catalog.replace_data(
            dataset,
            upload.path,
            options=read_options(upload),
            metadata=metadata_for_catalog(upload.metadata) if created else None,
            field_edits=upload.fields,
            publish=publish,
            actor=user,
            request=request,
            source_url=upload.source_url or None,
        )
    except Exception as error:
        upload.state = UploadState.FAILED
        upload.save(update_fields=["state"])
        if created:
            catalog.discard_empty_draft(dataset.dataset_id)
        if not isinstance(error, IngestError):
            logger.exception("import of upload %s into %s failed", upload.pk, dataset.dataset_id)
        raise
    upload.state = UploadState.IMPORTED
    upload.save(update_fields=["state"])
    discard_files(upload)
    return result.version


def run_import_job(job: Job) -> dict[str, Any]:
    """An import job's work (kind IMPORT_JOB, registered by `tasks`): the worker's side of `import_upload`."""
    upload = Upload.objects.select_related("dataset", "created_by").get(pk=job.parameters["upload"])
    dataset = upload.dataset or Dataset.objects.get(dataset_id=job.dataset_id)
    version = perform_import(upload, dataset, publish=job.parameters.get("publish", False), user=upload.created_by)
    return {"version": version.number, "records_count": version.row_count}


def import_job_error(error: Exception) -> dict[str, Any]:
    """What an import job that failed stores of its error."""
    if isinstance(error, IngestError):
        return error_dict(error)
    return {"code": "internal_error", "message": str(error)}


def release_upload(job: Job) -> None:
    """An import job failed from outside: the agent may try again, and a dataset it created without data goes."""
    upload = Upload.objects.filter(pk=job.parameters.get("upload")).first()
    if upload is None:
        return
    if upload.state == UploadState.IMPORTING:
        upload.state = UploadState.FAILED
        upload.save(update_fields=["state"])
    if not upload.is_replacement:
        catalog.discard_empty_draft(job.dataset_id)


def retry(upload: Upload) -> Upload:
    """A failed import goes back to the preview step, with everything the agent chose."""
    if upload.state == UploadState.FAILED:
        upload.state, upload.job = UploadState.READY, None
        upload.save(update_fields=["state", "job"])
    return upload


def discard_files(upload: Upload) -> None:
    uploads.discard(upload.stored_name)
    for sample in uploads.uploads_folder().glob(upload.stored_name + ".sample*"):
        sample.unlink(missing_ok=True)


def abandon(upload: Upload) -> None:
    discard_files(upload)
    upload.delete()


def purge_stale_uploads(now: dt.datetime | None = None) -> int:
    """Delete unfinished uploads (and their files) older than DATAPOLIS_BACKOFFICE_UPLOAD_DAYS."""
    limit = (now or timezone.now()) - dt.timedelta(days=settings.DATAPOLIS_BACKOFFICE_UPLOAD_DAYS)
    stale = list(Upload.objects.filter(created__lt=limit).exclude(state=UploadState.IMPORTING))
    for upload in stale:
        abandon(upload)
    return len(stale)


# Managing a dataset ----------------------------------------------------------------


def publish(dataset: Dataset, *, user, request=None) -> Dataset:
    if not dataset.has_records:
        raise BackofficeError(gettext_noop("Import data before publishing the dataset."), code="no_data")
    if not dataset.is_published:
        catalog.set_status(dataset, Status.PUBLISHED, actor=user, request=request)
    return dataset


def unpublish(dataset: Dataset, *, user, request=None) -> Dataset:
    if dataset.is_published:
        catalog.set_status(dataset, Status.DRAFT, actor=user, request=request)
    return dataset


def roll_back(dataset: Dataset, number: int, *, user, request=None) -> Version:
    if number == dataset.current_version:
        raise BackofficeError(gettext_noop("Version %(number)s is already the current one."), {"number": number})
    return catalog.rollback(dataset, number, actor=user, request=request)


def change_metadata(dataset: Dataset, data: dict[str, Any], *, user, request=None) -> list[str]:
    """Apply what the agent changed in the description; returns the names of what changed.

    Only changed values go to `catalog.update_metadata`, so the audit log names them.
    """
    metadata = metadata_for_catalog(data)
    before = _metadata_snapshot(dataset)
    changed = sorted(key for key, value in metadata.items() if _comparable(value) != before.get(key))
    if not changed:
        return []
    catalog.update_metadata(dataset, {key: metadata[key] for key in changed}, actor=user, request=request)
    dataset.refresh_from_db()
    return changed


def _comparable(value: Any) -> Any:
    return sorted(value) if isinstance(value, list) else value


def _metadata_snapshot(dataset: Dataset) -> dict[str, Any]:
    snapshot = {key: _comparable(getattr(dataset, key)) for key in catalog.METADATA_FIELDS}
    snapshot["themes"] = sorted(dataset.themes.values_list("name", flat=True))
    snapshot["visibility"] = dataset.visibility
    return snapshot


def change_fields(dataset: Dataset, edits: list[dict[str, Any]], *, user, request=None) -> list[str]:
    """Apply column descriptions; returns the names of the columns changed."""
    return catalog.change_fields(dataset, edits, actor=user, request=request)


def delete(dataset: Dataset, *, user, request=None) -> None:
    for upload in Upload.objects.filter(dataset=dataset):
        discard_files(upload)
    catalog.delete_dataset(dataset, actor=user, request=request)


def next_version_number(dataset: Dataset) -> int:
    """The number a new version of `dataset` (an import or a rollback) would get now."""
    return catalog.next_version_number(dataset)


def versions(dataset: Dataset) -> list[Version]:
    if not dataset.has_records:
        return []
    return list(reversed(catalog.versions(dataset)))


def recent_events(dataset: Dataset, limit: int = 15):
    return events.dataset_history(dataset.dataset_id, limit)


def fetch_error_explanation(error: FetchError | uploads.UploadRefused | BackofficeError) -> dict[str, Any]:
    return error_dict(error)
