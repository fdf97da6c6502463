"""Harvesting: add a source, run it, and what one run does to each remote dataset.

A run lists the source's datasets (`backends`), then for each one: unchanged when its
modification date and metadata are those of the last run (nothing is downloaded);
otherwise its data is downloaded and hashed — a new version only when the content
changed — and its metadata, fields and attachments updated. Every change goes through
`catalog.services` (so it is versioned and audited like an agent's); a dataset the
source no longer shows is marked gone, never deleted. A failure of one dataset is
reported with its reason and the run goes on; a source that cannot be listed fails the
run and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from datapolis import scheduling
from datapolis.audit.events import Action, record
from datapolis.catalog import services as catalog
from datapolis.catalog.models import DATASET_ID_VALIDATOR, Dataset, Status, Visibility
from datapolis.fetching import FetchError, fetch, parse_networks
from datapolis.harvest import secrets
from datapolis.harvest.backends import Connection, Distribution, RemoteDataset, backend_for
from datapolis.harvest.models import (
    SOURCE_NAME,
    HarvestedDataset,
    HarvestRun,
    HarvestSource,
    RunStatus,
    SourceKind,
)
from datapolis.ingest import IngestError, ReadOptions

logger = logging.getLogger(__name__)

DATASET_ID = re.compile(DATASET_ID_VALIDATOR.regex.pattern)

OUTCOMES = ("created", "updated", "unchanged", "gone", "failed")


class HarvestError(ValueError):
    """A source cannot be added or run as asked; the message says why."""


def parse_every(value: str | None) -> dt.timedelta | None:
    """`30m`, `6h`, `1d`, `2w` as a duration; None for "" (run by hand only)."""
    try:
        return scheduling.parse_every(value)
    except scheduling.ScheduleError as error:
        raise HarvestError(f"--every {error}") from error


def add_source(
    name: str,
    url: str,
    kind: str,
    *,
    organisation: str = "",
    metadata_only: bool = False,
    every: dt.timedelta | None = None,
    api_key: str = "",
    actor: Any = None,
    request: Any = None,
) -> HarvestSource:
    if kind not in SourceKind.values:
        raise HarvestError(f"unknown kind {kind!r}: choose one of {', '.join(SourceKind.values)}")
    if not re.fullmatch(SOURCE_NAME, name):
        raise HarvestError(f"invalid name {name!r}: use lowercase letters, digits, '-' and '_'")
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise HarvestError(f"{url!r} is not an http:// or https:// address")
    if HarvestSource.objects.filter(name=name).exists():
        raise HarvestError(f"a harvest source is already called {name!r}")
    source = HarvestSource.objects.create(
        name=name,
        url=url,
        kind=kind,
        organisation=organisation,
        metadata_only=metadata_only,
        every=every,
        api_key_encrypted=secrets.encrypt(api_key),
        next_run=timezone.now() if every else None,
    )
    record(actor, Action.HARVEST_SOURCE_ADDED, name, request=request, url=url, kind=kind, every=str(every or ""),
           api_key=bool(api_key))  # fmt: skip
    return source


def connection_for(source: HarvestSource) -> Connection:
    return Connection(
        allowed_networks=parse_networks(settings.DATAPOLIS_FETCH_ALLOWED_NETWORKS),
        timeout=float(settings.DATAPOLIS_FETCH_TIMEOUT),
        max_bytes=settings.DATAPOLIS_MAX_UPLOAD_BYTES,
        api_key=secrets.decrypt(source.api_key_encrypted),
    )


def run_source(source: HarvestSource, *, actor: Any = None, job_id: int | None = None) -> HarvestRun:
    """Harvest `source` once; the run (and its report) is saved and audited whatever happens."""
    run = HarvestRun.objects.create(source=source, job_id=job_id)
    report: dict[str, list[Any]] = {outcome: [] for outcome in OUTCOMES}
    actor = actor or f"harvest:{source.name}"
    try:
        connection = connection_for(source)
        seen = _harvest_all(source, connection, report, actor)
        report["gone"] = _mark_gone(source, seen)
        run.status = RunStatus.SUCCEEDED
    except (FetchError, ValueError) as error:
        run.status, run.error = RunStatus.FAILED, str(error)
    except Exception as error:
        logger.exception("harvest of %s failed", source.name)
        run.status, run.error = RunStatus.FAILED, f"{type(error).__name__}: {error}"
    run.report, run.finished = report, timezone.now()
    run.save()
    source.schedule_after(run.started)
    source.save(update_fields=["next_run"])
    record(actor, Action.HARVEST_RUN, source.name, status=str(run.status), error=run.error, **run.counts())
    return run


def _harvest_all(source: HarvestSource, connection: Connection, report: dict[str, list[Any]], actor: Any) -> set[int]:
    backend = backend_for(source.kind, source.url, connection)
    seen: set[int] = set()
    for remote in backend.datasets():
        try:
            outcome, harvested = harvest_dataset(source, remote, connection, backend.headers(), actor)
        except Exception as error:  # one dataset's failure is reported; the others are still harvested
            if not isinstance(error, FetchError | IngestError | ValueError | OSError):
                logger.exception("harvest of %s: dataset %s failed", source.name, remote.remote_id)
            report["failed"].append({"id": remote.remote_id, "reason": str(error) or type(error).__name__})
            known = _known(source, remote)
            if known is not None:
                seen.add(known.pk)
            continue
        seen.add(harvested.pk)
        report[outcome].append(harvested.dataset.dataset_id)
    return seen


def _known(source: HarvestSource, remote: RemoteDataset) -> HarvestedDataset | None:
    """The dataset a remote one became: by URI first (its id may have changed), then by id."""
    known = source.datasets.select_related("dataset")
    return known.filter(remote_uri=remote.uri).first() or known.filter(remote_id=remote.remote_id).first()


def _mark_gone(source: HarvestSource, seen: set[int]) -> list[str]:
    gone = source.datasets.exclude(pk__in=seen).filter(gone=False).select_related("dataset")
    names = sorted(harvested.dataset.dataset_id for harvested in gone)
    gone.update(gone=True)
    return names


@dataclass
class _Download:
    path: Path
    url: str
    hash: str
    distribution: Distribution


def harvest_dataset(
    source: HarvestSource, remote: RemoteDataset, connection: Connection, headers: dict[str, str], actor: Any
) -> tuple[str, HarvestedDataset]:
    """Bring one remote dataset up to date; returns its outcome (created, updated, unchanged) and record."""
    harvested = _known(source, remote)
    metadata_hash = remote.metadata_hash()
    if (
        harvested is not None
        and not harvested.gone
        and remote.modified
        and harvested.remote_modified == remote.modified[:200]
        and harvested.metadata_hash == metadata_hash
    ):
        return "unchanged", _seen(harvested, remote)
    wants_data = remote.distribution is not None and not source.metadata_only
    with tempfile.TemporaryDirectory(prefix="datapolis-harvest-") as folder:
        download = _download(remote, Path(folder), connection, headers, source) if wants_data else None
        return _apply(source, remote, harvested, download, metadata_hash, Path(folder), connection, headers, actor)


def _apply(
    source: HarvestSource,
    remote: RemoteDataset,
    harvested: HarvestedDataset | None,
    download: _Download | None,
    metadata_hash: str,
    folder: Path,
    connection: Connection,
    headers: dict[str, str],
    actor: Any,
) -> tuple[str, HarvestedDataset]:
    metadata = _local_metadata(source, remote)
    data_changed = download is not None and (
        harvested is None or harvested.data_hash != download.hash or harvested.dataset.current_version is None
    )
    metadata_changed = harvested is None or harvested.metadata_hash != metadata_hash or harvested.gone
    if not data_changed and not metadata_changed:
        harvested.remote_modified = remote.modified[:200]
        return "unchanged", _seen(harvested, remote)
    if data_changed:
        dataset = _import(source, remote, harvested, download, metadata, actor)
    elif harvested is None:
        dataset = _metadata_only(source, remote, metadata, actor)
    else:
        dataset = harvested.dataset
        catalog.update_metadata(dataset, metadata, actor=actor)
        catalog.change_fields(dataset, _field_edits(remote), actor=actor)
    outcome = "created" if harvested is None else "updated"
    # Recorded at once: a failure below must not make the next run take it for a new dataset.
    harvested = harvested or HarvestedDataset(source=source, dataset=dataset)
    harvested.data_hash = download.hash if download is not None else harvested.data_hash
    harvested.gone = False
    if metadata_changed:
        harvested.metadata_hash = ""  # complete once the attachments are in: the next run tries again if not
        _seen(harvested, remote)
        _attachments(dataset, remote, folder, connection, headers, source, actor)
    harvested.metadata_hash, harvested.remote_modified = metadata_hash, remote.modified[:200]
    return outcome, _seen(harvested, remote)


def _seen(harvested: HarvestedDataset, remote: RemoteDataset) -> HarvestedDataset:
    harvested.remote_id, harvested.remote_uri = remote.remote_id[:300], remote.uri[:500]
    harvested.last_seen = timezone.now()
    harvested.save()
    return harvested


def _same_host(url: str, source_url: str) -> bool:
    return urlsplit(url).netloc.lower() == urlsplit(source_url).netloc.lower()


def _fetch_to(url: str, path: Path, connection: Connection, headers: dict[str, str], source: HarvestSource):
    # The source's credentials go to the source only, never to a host a distribution points at.
    return fetch(
        url,
        path,
        max_bytes=connection.max_bytes,
        timeout=connection.timeout,
        allowed_networks=connection.allowed_networks,
        headers=headers if _same_host(url, source.url) else {},
    )


def _download(
    remote: RemoteDataset, folder: Path, connection: Connection, headers: dict[str, str], source: HarvestSource
) -> _Download:
    distribution = remote.distribution
    assert distribution is not None
    path = folder / f"data.{distribution.format}"
    try:
        fetched = _fetch_to(distribution.url, path, connection, headers, source)
    except FetchError as error:
        if error.code != "http_status" or remote.fallback is None:
            raise
        distribution = remote.fallback
        path = folder / f"data.{distribution.format}"
        fetched = _fetch_to(distribution.url, path, connection, headers, source)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return _Download(path=path, url=fetched.url, hash=digest.hexdigest(), distribution=distribution)


def _local_metadata(source: HarvestSource, remote: RemoteDataset) -> dict[str, Any]:
    metadata = {key: value for key, value in remote.metadata.items() if value not in (None, "")}
    metadata["title"] = (metadata.get("title") or remote.remote_id)[:300]
    if source.organisation:
        metadata["producer"] = metadata.get("publisher") or metadata.get("producer") or ""
        metadata["publisher"] = source.organisation
    metadata["visibility"] = Visibility.RESTRICTED if remote.restricted else Visibility.PUBLIC
    for name, limit in (("license", 100), ("publisher", 200), ("producer", 200), ("contact_name", 200)):
        if isinstance(metadata.get(name), str):
            metadata[name] = metadata[name][:limit]
    return metadata


def _field_edits(remote: RemoteDataset) -> list[dict[str, Any]]:
    return [
        {key: field[key] for key in ("name", "label", "description", "unit", "facet", "sortable")}
        for field in remote.fields
    ]


def _read_options(remote: RemoteDataset, download: _Download) -> ReadOptions:
    """How to read what was downloaded: the source's field types forced on text formats, its multivalued fields."""
    distribution = download.distribution
    multivalued = {field["name"]: field["multivalued"] for field in remote.fields if field.get("multivalued")}
    typed_format = distribution.format in ("parquet", "geojson", "shp", "gpkg")
    field_types = {} if typed_format else {f["name"]: f["type"] for f in remote.fields if f["name"] not in multivalued}
    return ReadOptions(
        format=distribution.format,
        delimiter=distribution.delimiter,
        field_types=field_types,
        multivalued=multivalued,
        original_name=download.path.name,
    )


def _import(
    source: HarvestSource,
    remote: RemoteDataset,
    harvested: HarvestedDataset | None,
    download: _Download,
    metadata: dict[str, Any],
    actor: Any,
) -> Dataset:
    dataset_id = harvested.dataset.dataset_id if harvested else _new_dataset_id(source, remote)
    result = catalog.import_file(
        download.path,
        dataset_id,
        options=_read_options(remote, download),
        metadata=metadata,
        publish=True,
        actor=actor,
        source_url=download.url,
        field_edits=_field_edits(remote),
    )
    return result.dataset


def _metadata_only(source: HarvestSource, remote: RemoteDataset, metadata: dict[str, Any], actor: Any) -> Dataset:
    dataset = catalog.create_draft(_new_dataset_id(source, remote), title=metadata["title"])
    catalog.update_metadata(dataset, metadata, actor=actor)
    return catalog.set_status(dataset, Status.PUBLISHED, actor=actor)


def _new_dataset_id(source: HarvestSource, remote: RemoteDataset) -> str:
    """The remote id when it is free here and valid; else prefixed with the source's name, numbered if need be."""
    remote_id = remote.remote_id.rstrip("/")
    base = slugify(remote_id.rsplit("/", 1)[-1] if "://" in remote_id else remote_id)
    base = re.sub(r"[^a-z0-9_-]", "", base.lower())[:100].strip("-_") or "dataset"
    candidates = [base, f"{source.name}-{base}"[:100]]
    candidates += [f"{source.name}-{base}"[:95] + f"-{n}" for n in range(2, 1000)]
    for candidate in candidates:
        if DATASET_ID.fullmatch(candidate) and not Dataset.objects.filter(dataset_id=candidate).exists():
            return candidate
    raise HarvestError(f"no free identifier for {remote.remote_id!r}")


def _attachments(
    dataset: Dataset,
    remote: RemoteDataset,
    folder: Path,
    connection: Connection,
    headers: dict[str, str],
    source: HarvestSource,
    actor: Any,
) -> None:
    if not remote.attachments and not dataset.attachments.exists():
        return
    files = []
    for index, attachment in enumerate(remote.attachments):
        target = folder / f"attachment-{index}"
        target.mkdir()
        fetched = _fetch_to(attachment.url, target / "file", connection, headers, source)
        path = target / (fetched.filename or attachment.attachment_id)
        (target / "file").rename(path)
        files.append(catalog.AttachmentFile(attachment.attachment_id, attachment.title, attachment.mimetype, path))
    catalog.replace_attachments(dataset, files, actor=actor)
