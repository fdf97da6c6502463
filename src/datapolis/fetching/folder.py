"""Sources of kind "folder": a file on this server, or the newest file matching a pattern.

Only files under one of `allowed_folders` can be read: the location and every match are
resolved (symbolic links followed) and must stay inside one of them; a location holding
`..` is refused outright. The file is copied into the destination (so a later change of
the original cannot change what is imported), its size capped.

The validators are the file's modification time and size (the same as last time: nothing
is copied) and its SHA-256.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePath

from datapolis.fetching.spec import (
    CHUNK,
    CappedWriter,
    SourceError,
    SourceFile,
    SourceSpec,
    Validators,
    downloaded,
    not_downloaded,
    part_file,
    safe_filename,
    same_file,
    too_large,
)
from datapolis.ingest.errors import gettext_noop


def fetch_folder(
    spec: SourceSpec,
    destination: Path,
    *,
    previous: Validators | None,
    allowed_folders: Sequence[Path],
    max_bytes: int,
) -> SourceFile:
    """Copy the file (or the newest file matching the `pattern` option) into `destination`."""
    roots = _allowed_roots(spec, allowed_folders)
    source = _chosen_file(spec, _inside(spec, Path(spec.location), roots), roots)
    stat = source.stat()
    mtime = datetime.fromtimestamp(stat.st_mtime, UTC).isoformat()
    validators = Validators(size=stat.st_size, mtime=mtime)
    filename = safe_filename(spec.option("filename", source.name))
    if same_file(validators, previous):
        return not_downloaded(filename, validators, previous)
    if stat.st_size > max_bytes:
        raise too_large(spec, max_bytes)
    with part_file(destination) as (part, handle):
        writer = CappedWriter(handle, max_bytes, lambda: too_large(spec, max_bytes))
        try:
            with open(source, "rb") as original:
                while chunk := original.read(CHUNK):
                    writer.write(chunk)
        except OSError as error:
            raise _unreadable(spec, error) from error
    return downloaded(part, destination, filename, validators, previous, writer.digest.hexdigest(), writer.size)


def _allowed_roots(spec: SourceSpec, allowed_folders: Sequence[Path]) -> list[Path]:
    if not allowed_folders:
        raise SourceError(
            spec, gettext_noop("no folder of this server may be read (none is allowed)."), code="folder_not_allowed"
        )
    return [Path(folder).resolve() for folder in allowed_folders]


def _inside(spec: SourceSpec, path: Path, roots: list[Path]) -> Path:
    """`path` resolved, if it is inside one of `roots`; SourceError otherwise."""
    if ".." in PurePath(path).parts:
        raise _outside(spec)
    if not path.is_absolute():
        path = roots[0] / path
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError as error:
        if not _within(Path(os.path.abspath(path)), roots):
            raise _outside(spec) from error  # nothing said about what exists outside
        raise SourceError(spec, gettext_noop("there is no such file or folder."), code="not_found") from error
    except (OSError, RuntimeError) as error:
        raise _unreadable(spec, error) from error
    if not _within(resolved, roots):
        raise _outside(spec)
    return resolved


def _within(path: Path, roots: list[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _chosen_file(spec: SourceSpec, path: Path, roots: list[Path]) -> Path:
    if path.is_file():
        return path
    if not path.is_dir():
        raise SourceError(spec, gettext_noop("this is neither a file nor a folder."), code="not_found")
    pattern = str(spec.option("pattern", "*"))
    if ".." in PurePath(pattern).parts or PurePath(pattern).is_absolute():
        raise _outside(spec)
    files = [_inside(spec, match, roots) for match in path.glob(pattern) if match.is_file()]
    if not files:
        raise SourceError(
            spec, gettext_noop("no file in the folder matches %(pattern)s."), {"pattern": pattern}, code="not_found"
        )
    return max(files, key=lambda file: (file.stat().st_mtime, file.name))


def _outside(spec: SourceSpec) -> SourceError:
    return SourceError(
        spec,
        gettext_noop("this path is outside the folders this server may read: refused."),
        code="folder_not_allowed",
    )


def _unreadable(spec: SourceSpec, error: BaseException) -> SourceError:
    return SourceError(
        spec,
        gettext_noop("the file cannot be read: %(error)s."),
        {"error": getattr(error, "strerror", None) or str(error)},
        code="unreadable",
    )
