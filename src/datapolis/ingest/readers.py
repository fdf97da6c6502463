"""Format detection and dispatch to the reader of each format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from datapolis.engine.store import Prepared
from datapolis.ingest.options import ReadOptions


def detect_format(path: Path, options: ReadOptions | None = None) -> str:
    """The format name of a file, from the declared option, its name and its first bytes."""
    raise NotImplementedError


def read(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions | None = None) -> Prepared:
    """Build the typed relation for `path` in `con`, or raise IngestError."""
    raise NotImplementedError


def prepare(path: Path, options: ReadOptions | None = None) -> Callable[[duckdb.DuckDBPyConnection], Prepared]:
    """The callable Store.publish expects."""
    return lambda con: read(con, Path(path), options)


def preview(
    con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions | None = None, limit: int = 20
) -> tuple[Prepared, list[dict[str, Any]]]:
    """The inferred fields and the first rows, for the publishing back office."""
    raise NotImplementedError
