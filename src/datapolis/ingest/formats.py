"""Which reader a file needs: from the declared format, the file name, then its first bytes."""

from __future__ import annotations

import zipfile
from pathlib import Path

from datapolis.ingest.errors import IngestError, gettext_noop

FORMATS = ("csv", "xlsx", "xls", "ods", "json", "jsonl", "geojson", "shp", "gpkg", "kml", "parquet")

_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
    ".ods": "ods",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".geojson": "geojson",
    ".shp": "shp",
    ".zip": "shp",
    ".gpkg": "gpkg",
    ".kml": "kml",
    ".parquet": "parquet",
}

_ALIASES = {"tsv": "csv", "txt": "csv", "xlsm": "xlsx", "ndjson": "jsonl", "shapefile": "shp", "zip": "shp"}

# Signatures of binary formats, and of binary files that no reader accepts.
_MAGIC: tuple[tuple[bytes, str | None], ...] = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),
    (b"PAR1", "parquet"),
    (b"SQLite format 3\x00", "gpkg"),
    (b"%PDF", None),
    (b"\x89PNG", None),
    (b"\xff\xd8\xff", None),
    (b"GIF8", None),
    (b"\x1f\x8b", None),
    (b"BZh", None),
    (b"7z\xbc\xaf", None),
    (b"\x7fELF", None),
)

_TEXT_FORMATS = {"csv", "json", "jsonl", "geojson", "kml"}
_SNIFF_BYTES = 65536


def detect_format(path: Path, options_format: str | None = None, original_name: str | None = None) -> str:
    """The format name of a file, or IngestError when it cannot be read as one."""
    path = Path(path)
    head = _head(path)
    magic = _magic_format(head)
    declared = _declared_format(options_format, path, original_name)
    if declared in _TEXT_FORMATS and (magic is not None or _looks_binary(head)):
        raise _binary_error(path, declared)
    if declared is not None:
        return declared
    if magic == "zip":
        return _zip_format(path)
    if magic is not None:
        return magic
    if _looks_binary(head):
        raise IngestError(str(path), gettext_noop("This file's format is not recognised."), code="unknown_format")
    return _text_format(head)


def _declared_format(options_format: str | None, path: Path, original_name: str | None) -> str | None:
    if options_format:
        name = _ALIASES.get(options_format.lower(), options_format.lower())
        if name not in FORMATS:
            raise IngestError(
                str(path),
                gettext_noop("Unknown format %(format)s (expected one of %(formats)s)."),
                {"format": options_format, "formats": ", ".join(FORMATS)},
                code="unknown_format",
            )
        return name
    for name in (original_name, path.name):
        if name:
            suffix = Path(name).suffix.lower()
            if suffix in _EXTENSIONS:
                return _EXTENSIONS[suffix]
    return None


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read(_SNIFF_BYTES)
    except OSError as error:
        raise IngestError(
            str(path), gettext_noop("The file cannot be opened: %(error)s"), {"error": str(error)}, code="unreadable"
        ) from error


def _magic_format(head: bytes) -> str | None:
    for signature, name in _MAGIC:
        if head.startswith(signature):
            return name or "binary"
    return None


def _looks_binary(head: bytes) -> bool:
    """Control bytes other than tab, newlines and form feed are rare in text; a few NULs happen."""
    if not head:
        return False
    controls = sum(head.count(bytes([byte])) for byte in (*range(0, 9), 11, *range(14, 32)))
    return controls > max(8, len(head) // 20)


def _zip_format(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [name.lower() for name in archive.namelist()]
    except zipfile.BadZipFile:
        return "shp"  # a truncated archive: the shapefile reader reports it precisely
    if "mimetype" in names:
        with zipfile.ZipFile(path) as archive:
            if b"opendocument.spreadsheet" in archive.read("mimetype"):
                return "ods"
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    return "shp"


def _text_format(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        if b'"FeatureCollection"' in head or b'"Feature"' in head:
            return "geojson"
        first, _, rest = text.partition(b"\n")
        return "jsonl" if first.rstrip().endswith(b"}") and rest.lstrip().startswith(b"{") else "json"
    if text.startswith(b"<?xml") and b"<kml" in head:
        return "kml"
    return "csv"


def _binary_error(path: Path, declared: str) -> IngestError:
    if declared == "csv":
        return IngestError(
            str(path),
            gettext_noop("This file is not a CSV file: it holds binary data, not text."),
            code="not_a_csv",
            line=1,
        )
    return IngestError(
        str(path),
        gettext_noop("This file is not a %(format)s file: it holds binary data, not text."),
        {"format": declared.upper()},
        code="not_a_text_file",
        line=1,
    )
