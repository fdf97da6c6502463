"""Set a dataset's source and schedule, and refresh it.

`refresh` fetches the source (`datapolis.fetching.fetch_source`, with the SSRF rules,
the size cap and the previous validators); an unchanged source makes no version; a
changed one goes through `catalog.services.replace_data`, with the dataset's processing
steps and schema, and its lineage records the fetched file. Any failure leaves the last
good version served, is recorded as a failed `Refresh`, and opens an incident.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from datapolis import scheduling
from datapolis.catalog import events
from datapolis.catalog import services as catalog
from datapolis.catalog.models import Dataset
from datapolis.fetching import FetchError, SourceSpec, Validators, credentials, fetch_source, parse_networks
from datapolis.fetching.spec import display_location
from datapolis.ingest import IngestError, ReadOptions
from datapolis.sources import freshness
from datapolis.sources.models import DatasetSource, Outcome, Refresh, SourceKind

logger = logging.getLogger(__name__)

PURPOSE = "datapolis.sources"
SCHEMES = {
    "http": SourceKind.URL,
    "https": SourceKind.URL,
    "ftp": SourceKind.FTP,
    "ftps": SourceKind.FTP,
    "sftp": SourceKind.SFTP,
}
URL_KINDS = {SourceKind.URL, SourceKind.OGC_FEATURES, SourceKind.WFS, SourceKind.ARCGIS}


class InvalidSource(ValueError):
    """A source that cannot be set as asked; the message says why."""


@dataclass(frozen=True)
class RefreshResult:
    refresh: Refresh
    dataset: Dataset

    @property
    def changed(self) -> bool:
        return self.refresh.outcome == Outcome.CHANGED

    def to_dict(self) -> dict[str, Any]:
        """The refresh as the CLI prints it and the admin API answers it."""
        run = self.refresh
        return {
            "dataset_id": self.dataset.dataset_id,
            "outcome": run.outcome,
            "new_version": self.changed,
            "version": run.version,
            "records": self.dataset.records_count,
            "fetched": run.fetched or None,
            "error": run.error or None,
            "started": run.started.isoformat(),
            "finished": run.finished.isoformat() if run.finished else None,
        }


def guess_kind(location: str) -> str:
    """The kind a location implies: its URL scheme, or a folder for a path."""
    scheme = urlsplit(location).scheme.lower()
    if scheme in SCHEMES:
        return SCHEMES[scheme]
    if scheme and len(scheme) > 1:
        raise InvalidSource(
            f"{display_location(location)}: unsupported scheme {scheme!r} (http, https, ftp, sftp or a path)"
        )
    return SourceKind.FOLDER


def set_source(
    dataset: Dataset,
    location: str,
    *,
    kind: str = "",
    username: str = "",
    password: str = "",
    options: dict[str, Any] | None = None,
    read_options: dict[str, Any] | None = None,
    schedule: str = "",
    actor: Any = None,
    request: Any = None,
) -> DatasetSource:
    """Give `dataset` a source (replacing its previous one) and a schedule ("" to refresh by hand only)."""
    kind = kind or guess_kind(location)
    location, username, password = _credentials_out_of(location, username, password)
    _check(kind, location, schedule, read_options or {})
    with transaction.atomic():
        source, _created = DatasetSource.objects.update_or_create(
            dataset=dataset,
            defaults={
                "kind": kind,
                "location": location,
                "username": username,
                "password": credentials.encrypt(password, instance_secret=settings.SECRET_KEY, purpose=PURPOSE),
                "options": options or {},
                "read_options": read_options or {},
                "schedule": schedule.strip(),
                "enabled": True,
                "validators": {},
                "next_run": _next_run(schedule),
            },
        )
    events.dataset_event(dataset.dataset_id, events.SOURCE_SET, actor, request, kind=kind,
                         location=display_location(location), schedule=source.schedule)  # fmt: skip
    return source


def remove_source(dataset: Dataset, *, actor: Any = None, request: Any = None) -> bool:
    deleted, _ = DatasetSource.objects.filter(dataset=dataset).delete()
    if deleted:
        events.dataset_event(dataset.dataset_id, events.SOURCE_REMOVED, actor, request)
    return bool(deleted)


def _credentials_out_of(location: str, username: str, password: str) -> tuple[str, str, str]:
    """Credentials written in the URL move to the user name and (encrypted) password; the stored location has none."""
    parts = urlsplit(location)
    if parts.username is None and parts.password is None:
        return location, username, password
    return (
        display_location(location),
        username or unquote(parts.username or ""),
        password or unquote(parts.password or ""),
    )


def _check(kind: str, location: str, schedule: str, read_options: dict[str, Any]) -> None:
    if kind not in SourceKind.values:
        raise InvalidSource(f"unknown source kind {kind!r}: choose one of {', '.join(SourceKind.values)}")
    scheme = urlsplit(location).scheme.lower()
    if kind in URL_KINDS and scheme not in ("http", "https"):
        raise InvalidSource(f"a {kind} source is an http:// or https:// address, not {display_location(location)!r}")
    if kind in (SourceKind.FTP, SourceKind.SFTP) and scheme not in (("ftp", "ftps") if kind == "ftp" else ("sftp",)):
        raise InvalidSource(f"a {kind} source is a {kind}:// address, not {display_location(location)!r}")
    if kind == SourceKind.FOLDER:
        _check_folder(Path(location))
    try:
        scheduling.parse_schedule(schedule)
    except scheduling.ScheduleError as error:
        raise InvalidSource(f"schedule {error}") from error
    try:
        ReadOptions.from_dict(read_options)
    except (TypeError, ValueError) as error:
        raise InvalidSource(f"reading options: {error}") from error


def _check_folder(path: Path) -> None:
    allowed = [Path(folder).expanduser().resolve() for folder in settings.DATAPOLIS_SOURCE_FOLDERS]
    path = path.expanduser()
    if not path.is_absolute() and allowed:  # as the fetcher reads it: inside the first allowed folder
        path = allowed[0] / path
    resolved = path.resolve()
    if not any(resolved == folder or folder in resolved.parents for folder in allowed):
        raise InvalidSource(
            f"{path} is outside the folders sources may read ({', '.join(map(str, allowed))}; "
            "an administrator adds others with DATAPOLIS_SOURCE_FOLDERS)"
        )


def _next_run(schedule: str, after=None):
    parsed = scheduling.parse_schedule(schedule)
    return parsed.next_after(after or timezone.now()) if parsed else None


def spec_of(source: DatasetSource) -> SourceSpec:
    password = credentials.decrypt(source.password, instance_secret=settings.SECRET_KEY, purpose=PURPOSE)
    return SourceSpec(kind=source.kind, location=source.location, username=source.username, password=password,
                      options=dict(source.options))  # fmt: skip


def refresh(
    dataset: Dataset,
    *,
    force: bool = False,
    publish: bool | None = None,
    actor: Any = None,
    request: Any = None,
    job_id: int | None = None,
) -> RefreshResult:
    """Fetch the dataset's source now; import it when it changed (or always, with `force`).

    `publish`: None keeps the dataset's status (a dataset's first data is published
    unless it is a draft). Never raises for a failed fetch or import: the `Refresh` says
    what happened and the served version is unchanged.
    """
    source = DatasetSource.objects.select_related("dataset").get(dataset=dataset)
    run = Refresh.objects.create(source=source, job_id=job_id)
    try:
        _refresh(source, run, force=force, publish=publish, actor=actor, request=request)
    except IngestError as error:  # located in the fetched file, whose temporary path means nothing to people
        _failed(source, run, str(dataclasses.replace(error, path=source.display_location)), actor, request)
    except (FetchError, ValueError) as error:
        _failed(source, run, str(error), actor, request)
    except Exception as error:  # recorded as a failed refresh, and logged
        logger.exception("refresh of %s failed", dataset.dataset_id)
        _failed(source, run, f"{type(error).__name__}: {error}", actor, request)
    source.last_checked, source.last_outcome = run.finished, run.outcome
    source.next_run = _next_run(source.schedule, run.finished) if source.enabled else None
    source.save(update_fields=["last_checked", "last_outcome", "next_run", "validators"])
    dataset = Dataset.objects.get(pk=dataset.pk)
    freshness.check(dataset)
    return RefreshResult(refresh=run, dataset=dataset)


def _refresh(source: DatasetSource, run: Refresh, *, force: bool, publish: bool | None, actor, request) -> None:
    dataset = source.dataset
    previous = _previous_validators(source, force=force)
    with tempfile.TemporaryDirectory(prefix="datapolis-source-") as folder:
        fetched = fetch_source(
            spec_of(source),
            Path(folder),
            previous=previous,
            allowed_networks=parse_networks(settings.DATAPOLIS_FETCH_ALLOWED_NETWORKS),
            allowed_folders=[Path(folder) for folder in settings.DATAPOLIS_SOURCE_FOLDERS],
            max_bytes=settings.DATAPOLIS_MAX_UPLOAD_BYTES,
            timeout=float(settings.DATAPOLIS_FETCH_TIMEOUT),
        )
        run.fetched = fetched_record(fetched, source)
        if fetched.unchanged and dataset.current_version is not None:
            source.validators = fetched.validators.to_dict()
            _finish(run, Outcome.UNCHANGED)
            return
        options = ReadOptions.from_dict({**source.read_options, "original_name": fetched.filename})
        result = catalog.replace_data(
            dataset,
            fetched.path,
            options=options,
            publish=dataset.is_published or dataset.current_version is None if publish is None else publish,
            actor=actor or "refresh",
            request=request,
            source_url=source.display_location,
            fetched=run.fetched,
        )
    source.validators = fetched.validators.to_dict()
    run.version = result.version.number
    _finish(run, Outcome.CHANGED)


def _previous_validators(source: DatasetSource, *, force: bool) -> Validators | None:
    """What tells the source unchanged; with `force`, only the SFTP host key (still checked: trust on first use)."""
    stored = Validators.from_dict(source.validators) if source.validators else None
    if force and stored is not None:
        return Validators(host_key=stored.host_key) if stored.host_key else None
    return stored


def fetched_record(fetched, source: DatasetSource) -> dict[str, Any]:
    """What the lineage keeps of a fetched file: where from, when, its checksum and size."""
    return {
        "kind": source.kind,
        "location": source.display_location,
        "filename": fetched.filename,
        "fetched_at": fetched.fetched_at.isoformat(),
        "sha256": fetched.sha256,
        "size": fetched.size,
        "unchanged": fetched.unchanged,
    }


def _finish(run: Refresh, outcome: str, error: str = "") -> None:
    run.outcome, run.error, run.finished = outcome, error, timezone.now()
    run.save()


def _failed(source: DatasetSource, run: Refresh, message: str, actor, request) -> None:
    _finish(run, Outcome.FAILED, message)
    events.dataset_event(source.dataset.dataset_id, events.REFRESH_FAILED, actor or "refresh", request,
                         error=message[:500])  # fmt: skip


def due_sources():
    return DatasetSource.objects.filter(enabled=True, next_run__isnull=False, next_run__lte=timezone.now())


def source_summary(source: DatasetSource) -> dict[str, Any]:
    last = source.refreshes.first()
    return {
        "dataset_id": source.dataset.dataset_id,
        "kind": source.kind,
        "location": source.display_location,
        "username": source.username,
        "has_password": bool(source.password),
        "options": source.options,
        "read_options": source.read_options,
        "schedule": source.schedule,
        "enabled": source.enabled,
        "next_run": source.next_run.isoformat() if source.next_run else None,
        "last_checked": source.last_checked.isoformat() if source.last_checked else None,
        "last_outcome": source.last_outcome,
        "last_error": last.error if last and last.outcome == Outcome.FAILED else "",
        "freshness": freshness.freshness(source.dataset).to_dict(),
    }
