"""Files agents upload: written straight into the uploads folder, size-checked while they arrive.

Files get a random name in `<uploads>/backoffice/` (never the name the browser sent),
are never served, and are deleted once imported. `DirectUploadHandler` replaces
Django's memory and temporary-file handlers for the upload view: a file over the
limit is cut off as soon as its bytes pass it, and nothing is copied twice.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers, StopUpload
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop

from datapolis.backoffice.errors import Refusal
from datapolis.ingest import IngestError, ReadOptions, detect_format

# What the readers accept (docs/ingest.md); a bare .shp is refused: it needs its .dbf/.shx/.prj.
ACCEPTED_EXTENSIONS = (
    ".csv",
    ".tsv",
    ".tab",
    ".txt",
    ".xlsx",
    ".xlsm",
    ".xls",
    ".ods",
    ".json",
    ".jsonl",
    ".ndjson",
    ".geojson",
    ".zip",
    ".gpkg",
    ".kml",
    ".parquet",
)


class UploadRefused(Refusal):
    """A file the back office does not take; `template` % `params` says why (translatable)."""


def uploads_folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "backoffice"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def new_stored_name(original_name: str) -> str:
    """A random file name keeping an accepted extension (readers also look at it)."""
    suffix = Path(original_name or "").suffix.lower()
    return secrets.token_hex(16) + (suffix if suffix in ACCEPTED_EXTENSIONS else "")


def check_name(original_name: str) -> None:
    suffix = Path(original_name or "").suffix.lower()
    if suffix == ".shp":
        raise UploadRefused(
            gettext_noop(
                "A Shapefile is several files: put the .shp, .shx, .dbf and .prj files in one zip archive "
                "and send the archive."
            ),
            code="bare_shapefile",
        )
    if suffix and suffix not in ACCEPTED_EXTENSIONS:
        raise UploadRefused(
            gettext_noop("Files of type %(extension)s cannot be published. Accepted: %(accepted)s."),
            {"extension": suffix, "accepted": " ".join(ACCEPTED_EXTENSIONS)},
            code="bad_extension",
        )


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise UploadRefused(
            gettext_noop("The file is larger than the %(limit)s this instance accepts."),
            {"limit": human_size(limit)},
            code="too_large",
        )


def check_format(path: Path, original_name: str) -> str:
    """The format the readers will use, or UploadRefused when the content is not a data file."""
    try:
        return detect_format(path, ReadOptions(original_name=original_name))
    except IngestError as error:
        raise UploadRefused(error.template, error.params, code=error.code) from error


def human_size(size: int) -> str:
    """A size in the agent's language: "2.1 GB", "2,1 Go"."""
    units = (gettext("%(size)s B"), gettext("%(size)s KB"), gettext("%(size)s MB"), gettext("%(size)s GB"))
    value = float(size)
    for index, unit in enumerate(units):
        if value < 1000 or index == len(units) - 1:
            return unit % {"size": number_format(value, 0 if index == 0 else 1)}
        value /= 1000
    raise AssertionError("unreachable")


def discard(stored_name: str) -> None:
    if stored_name:
        (uploads_folder() / stored_name).unlink(missing_ok=True)


class StoredFile(UploadedFile):
    """An uploaded file already in the uploads folder under `stored_name`."""

    def __init__(self, name: str, stored_name: str, size: int, content_type: str | None):
        super().__init__(file=None, name=name, content_type=content_type, size=size)
        self.stored_name = stored_name

    def temporary_file_path(self) -> str:
        return str(uploads_folder() / self.stored_name)

    def close(self) -> None:
        return None


class DirectUploadHandler(FileUploadHandler):
    """Writes each uploaded file into the uploads folder, stopping at `limit` bytes.

    When a file passes the limit its bytes are deleted, the rest of the request is
    skipped, and `request.upload_too_large` is set for the view to explain.
    """

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.handle = None
        self.stored_name = ""
        self.received = 0

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self.stored_name = new_stored_name(file_name)
        fd = os.open(uploads_folder() / self.stored_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.handle = os.fdopen(fd, "wb")
        self.received = 0
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self._abandon()
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        self.handle.write(raw_data)
        return None

    def file_complete(self, file_size):
        if self.handle is None:
            return None
        self.handle.close()
        self.handle = None
        return StoredFile(self.file_name, self.stored_name, file_size, self.content_type)

    def upload_interrupted(self):
        self._abandon()

    def _abandon(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        discard(self.stored_name)
