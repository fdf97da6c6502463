"""Load DuckDB extensions from their PyPI packages' files, never from the network.

Each extension comes from a pinned `duckdb-extension-<name>` package that carries the
binary built for the pinned DuckDB version; auto-install and auto-load are disabled so
a missing file is an error at start-up, not a download attempt in production.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import duckdb

EXTENSIONS = ("ducklake", "sqlite_scanner", "postgres_scanner", "spatial", "fts", "httpfs", "excel")
# What queries and exports use beside the lake: geometry, stem() of word searches, xlsx files.
QUERY_EXTENSIONS = ("spatial", "fts", "excel")


class ExtensionMissing(RuntimeError):
    pass


@cache
def extension_path(name: str) -> Path:
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionMissing(f"package duckdb-extension-{name} is not installed")
    version = duckdb.__version__
    root = Path(next(iter(spec.submodule_search_locations)))
    matches = sorted(root.rglob(f"v{version}/{name}.duckdb_extension"))
    if not matches:
        raise ExtensionMissing(f"duckdb-extension-{name} has no binary for DuckDB {version} under {root}")
    return matches[0]


def load_extensions(con: duckdb.DuckDBPyConnection, names: tuple[str, ...] = EXTENSIONS) -> None:
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    for name in names:
        con.execute(f"LOAD '{extension_path(name)}'")
