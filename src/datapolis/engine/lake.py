"""Where the versioned tables live: a DuckLake catalog and a data path.

The catalog is SQLite in the instance folder by default and PostgreSQL in
production; data files are Parquet on local disk by default or in S3-compatible
object storage. Both are named by URLs so nothing else needs to know which is used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import duckdb

from datapolis.engine.extensions import QUERY_EXTENSIONS, load_extensions
from datapolis.engine.sql import quote_literal

LAKE_ALIAS = "lake"
POSTGRES_METADATA_SCHEMA = "datapolis_lake"
SQLITE_BUSY_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class LakeLocation:
    """A DuckLake catalog (`ducklake:sqlite:...` or `ducklake:postgres:...`) and its data path."""

    catalog: str
    data_path: str
    metadata_schema: str | None = None
    temp_directory: str | None = None

    @classmethod
    def local(cls, folder: Path) -> LakeLocation:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "data").mkdir(exist_ok=True)
        (folder / "tmp").mkdir(exist_ok=True)
        return cls(
            catalog=f"ducklake:sqlite:{folder / 'catalog.sqlite'}",
            data_path=f"{folder / 'data'}/",
            temp_directory=str(folder / "tmp"),
        )

    @classmethod
    def from_urls(cls, folder: Path, catalog_url: str | None, storage_url: str | None) -> LakeLocation:
        """Build a location from DATAPOLIS_LAKE_CATALOG_URL / DATAPOLIS_STORAGE_URL style URLs.

        A PostgreSQL catalog URL may name the schema of the lake's tables with `?schema=`
        (default `datapolis_lake`), so several instances can share one database.
        """
        local = cls.local(folder)
        catalog, schema = local.catalog, None
        if catalog_url:
            catalog, schema = _catalog_from_url(catalog_url)
        data_path = local.data_path
        if storage_url:
            data_path = _data_path_from_url(storage_url)
        return cls(catalog=catalog, data_path=data_path, metadata_schema=schema, temp_directory=local.temp_directory)

    @property
    def is_postgres(self) -> bool:
        return self.catalog.startswith("ducklake:postgres:")

    @property
    def extensions(self) -> tuple[str, ...]:
        """What a connection to this lake loads: each takes 40 to 340 ms, a database loads them once.

        The scanner of the other catalog kind and httpfs without object storage would be dead weight.
        """
        catalog = "postgres_scanner" if self.is_postgres else "sqlite_scanner"
        remote = ("httpfs",) if self.data_path.startswith("s3://") else ()
        return ("ducklake", catalog, *remote, *QUERY_EXTENSIONS)


def _catalog_from_url(url: str) -> tuple[str, str | None]:
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql"}:
        parts = [f"dbname={unquote(parsed.path.lstrip('/')) or 'postgres'}"]
        if parsed.hostname:
            parts.append(f"host={parsed.hostname}")
        if parsed.port:
            parts.append(f"port={parsed.port}")
        if parsed.username:
            parts.append(f"user={unquote(parsed.username)}")
        if parsed.password:
            parts.append(f"password={unquote(parsed.password)}")
        schema = parse_qs(parsed.query).get("schema", [POSTGRES_METADATA_SCHEMA])[0]
        return "ducklake:postgres:" + " ".join(parts), schema
    if parsed.scheme == "sqlite":
        return f"ducklake:sqlite:{unquote(parsed.path)}", None
    raise ValueError(f"unsupported lake catalog URL scheme {parsed.scheme!r} (expected postgresql:// or sqlite://)")


def _data_path_from_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme in {"", "file"}:
        path = Path(unquote(parsed.path))
        path.mkdir(parents=True, exist_ok=True)
        return f"{path}/"
    if parsed.scheme == "s3":
        return url.rstrip("/") + "/"
    raise ValueError(f"unsupported storage URL scheme {parsed.scheme!r} (expected file:// or s3://)")


def open_connection(location: LakeLocation, *, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB connection with the extensions loaded and the lake attached."""
    con = duckdb.connect(config={"allow_unsigned_extensions": "false"})
    load_extensions(con, location.extensions)
    if location.temp_directory:
        con.execute(f"SET temp_directory = {quote_literal(location.temp_directory)}")
    if memory_limit:
        con.execute(f"SET memory_limit = {quote_literal(memory_limit)}")
    if location.data_path.startswith("s3://"):
        _create_s3_secret(con)
    options = [f"DATA_PATH {quote_literal(location.data_path)}"]
    if location.catalog.startswith("ducklake:sqlite:"):
        # WAL lets readers in other processes (web server, job worker) go on while a
        # publication commits; the busy timeout makes writers queue instead of failing.
        options += ["META_JOURNAL_MODE 'WAL'", f"META_BUSY_TIMEOUT {SQLITE_BUSY_TIMEOUT_MS}"]
    if location.metadata_schema:
        options.append(f"METADATA_SCHEMA {quote_literal(location.metadata_schema)}")
    con.execute(f"ATTACH {quote_literal(location.catalog)} AS {LAKE_ALIAS} ({', '.join(options)})")
    return con


def _create_s3_secret(con: duckdb.DuckDBPyConnection) -> None:
    """S3 credentials come from the standard AWS_* variables of the environment."""
    settings = {
        "KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID"),
        "SECRET": os.environ.get("AWS_SECRET_ACCESS_KEY"),
        "REGION": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        "ENDPOINT": os.environ.get("AWS_ENDPOINT_URL", "").removeprefix("https://").removeprefix("http://") or None,
    }
    parts = ["TYPE s3"] + [f"{key} {quote_literal(value)}" for key, value in settings.items() if value]
    if os.environ.get("AWS_ENDPOINT_URL", "").startswith("http://"):
        parts.append("USE_SSL false")
    if settings["ENDPOINT"]:
        parts.append("URL_STYLE 'path'")
    con.execute(f"CREATE OR REPLACE SECRET datapolis_s3 ({', '.join(parts)})")
