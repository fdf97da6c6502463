"""Text encodings: detect UTF-8 or Windows-1252, and transcode to UTF-8 when DuckDB needs it.

One streaming pass over the file decides: a file that decodes as UTF-8 from its first
byte to its last is UTF-8; anything else is Windows-1252 (what French files that are
not UTF-8 are in practice). A declared "latin-1" / "iso-8859-1" is read as Windows-1252
too, as the WHATWG Encoding Standard does: in real files the bytes 0x80-0x9F are
’ œ € … and never the C1 control characters of ISO-8859-1. Bytes Windows-1252 leaves
undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) keep their ISO-8859-1 meaning.
"""

from __future__ import annotations

import codecs
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from datapolis.ingest.errors import IngestError, gettext_noop

UTF8_BOM = codecs.BOM_UTF8
CHUNK_SIZE = 1 << 20


def _windows_1252_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("datapolis-latin1", _windows_1252_fallback)


@dataclass
class TextScan:
    """What one pass over a text file found."""

    encoding: str  # "utf-8" or a Python codec name
    boms: int = 0  # UTF-8 byte order marks at the start (some exports carry two)
    has_nul: bool = False
    size: int = 0
    crlf: int = 0
    lone_lf: int = 0
    lone_cr: int = 0

    @property
    def mixed_newlines(self) -> bool:
        """DuckDB's strict CSV parser wants one kind of line ending per file."""
        return sum(1 for count in (self.crlf, self.lone_lf, self.lone_cr) if count) > 1 or self.lone_cr > 0

    @property
    def needs_transcoding(self) -> bool:
        return self.encoding != "utf-8" or self.has_nul or self.mixed_newlines


def codec_name(encoding: str, path: Path) -> str:
    """The Python codec for a declared encoding, Windows-1252 standing in for ISO-8859-1."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError as error:
        raise IngestError(
            str(path), gettext_noop("Unknown encoding %(encoding)s."), {"encoding": encoding}, code="bad_option"
        ) from error
    if name in {"utf-8", "utf-8-sig"}:
        return "utf-8"
    if name in {"latin-1", "iso8859-1", "cp1252"}:
        return "cp1252"
    return name


def scan_text(path: Path, declared: str | None = None) -> TextScan:
    """One pass over the file: encoding check, BOMs, NUL characters, line endings."""
    path = Path(path)
    with open(path, "rb") as file:
        head = file.read(8)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return TextScan("utf-16", size=path.stat().st_size)
    encoding = codec_name(declared, path) if declared else "utf-8"
    scan = TextScan(encoding, boms=_count_boms(head), size=path.stat().st_size)
    decoder = codecs.getincrementaldecoder("utf-8")() if encoding == "utf-8" else None
    invalid_at = None
    offset, previous_cr = 0, False
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK_SIZE):
            scan.has_nul = scan.has_nul or b"\x00" in chunk
            crlf = chunk.count(b"\r\n") + (1 if previous_cr and chunk.startswith(b"\n") else 0)
            scan.crlf += crlf
            scan.lone_lf += chunk.count(b"\n") - crlf
            scan.lone_cr += chunk.count(b"\r") - crlf
            previous_cr = chunk.endswith(b"\r")
            if decoder is not None and invalid_at is None:
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as error:
                    invalid_at = offset - pending + error.start
            offset += len(chunk)
    if decoder is not None and invalid_at is None:
        pending = len(decoder.getstate()[0])
        if pending:
            invalid_at = offset - pending
    if invalid_at is not None:
        if declared:
            raise _bad_encoding(path, invalid_at, declared)
        scan.encoding = "cp1252"
    return scan


def _count_boms(head: bytes) -> int:
    count = 0
    while head.startswith(UTF8_BOM):
        count += 1
        head = head[len(UTF8_BOM) :]
    return count


def _bad_encoding(path: Path, offset: int, declared: str) -> IngestError:
    line, column, byte = locate_byte(path, offset)
    return IngestError(
        str(path),
        gettext_noop(
            "The file is not in the declared encoding %(encoding)s: byte 0x%(byte)02X at offset %(offset)d "
            "cannot be decoded (the file may be in Windows-1252 / Latin-1)."
        ),
        {"encoding": declared, "byte": byte, "offset": offset},
        code="bad_encoding",
        line=line,
        column=column,
    )


def locate_byte(path: Path, offset: int) -> tuple[int, int, int]:
    """1-based line and character column of a byte offset, and the byte found there."""
    line, line_start, position = 1, 0, 0
    with open(path, "rb") as file:
        while position < offset:
            chunk = file.read(min(CHUNK_SIZE, offset - position))
            if not chunk:
                break
            newlines = chunk.count(b"\n")
            if newlines:
                line += newlines
                line_start = position + chunk.rindex(b"\n") + 1
            position += len(chunk)
        file.seek(line_start)
        before = file.read(offset - line_start)
        byte = file.read(1)
    column = len(before.decode("utf-8", errors="replace")) + 1
    return line, column, byte[0] if byte else 0


def transcode_to_utf8(path: Path, scan: TextScan, folder: str | None) -> Path:
    """A UTF-8 copy without BOMs or NUL characters and with LF line endings, written in `folder`."""
    directory = folder if folder and os.path.isabs(folder) and os.path.isdir(folder) else None
    handle, target = tempfile.mkstemp(prefix="ingest-", suffix=".csv", dir=directory)
    errors = "datapolis-latin1" if scan.encoding == "cp1252" else "strict"
    decoder = codecs.getincrementaldecoder(scan.encoding)(errors=errors)
    try:
        with open(path, "rb") as source, os.fdopen(handle, "wb") as out:
            carry, first = "", True
            while True:
                chunk = source.read(CHUNK_SIZE)
                text = carry + decoder.decode(chunk, final=not chunk)
                carry = ""
                if first:
                    text, first = text.lstrip("\ufeff"), False
                if scan.has_nul:
                    text = text.replace("\x00", "")
                if scan.mixed_newlines:
                    if chunk and text.endswith("\r"):
                        text, carry = text[:-1], "\r"
                    text = text.replace("\r\n", "\n").replace("\r", "\n")
                out.write(text.encode("utf-8"))
                if not chunk:
                    break
    except UnicodeDecodeError as error:
        os.unlink(target)
        raise IngestError(
            str(path),
            gettext_noop("The file cannot be decoded as %(encoding)s."),
            {"encoding": scan.encoding},
            code="bad_encoding",
        ) from error
    except BaseException:
        os.unlink(target)
        raise
    return Path(target)
