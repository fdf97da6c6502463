"""Versioned dataset storage on DuckLake.

Each dataset is one DuckLake table. Every publication replaces the table inside one
transaction, which DuckLake commits as one snapshot: until the commit, every reader
sees the previous version, and a process killed mid-write leaves no trace but unused
data files. Earlier versions stay readable by time travel (`AT (VERSION => snapshot)`).

A dataset's versions are the snapshots whose commit information names it; the
commit's extra information carries the version number, row count and field list so a
version is self-describing even after its metadata changed in the catalog. What a
version changed is data too (`change`: a kind and its parameters, e.g. `{"kind":
"rollback", "version": 1}`), so each reader can say it in its own language; `origin`
keeps what the catalog knows of where the data came from (file name, URL, read options),
so a rollback can restore it with the data.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from datapolis.engine.failures import is_engine_failure
from datapolis.engine.lake import LAKE_ALIAS, LakeLocation, open_connection
from datapolis.engine.serving import ServingCache
from datapolis.engine.sql import quote_identifier, quote_literal
from datapolis.schema.fields import RECORD_ID_COLUMN, RECORD_TIMESTAMP_COLUMN, FieldSpec
from datapolis.schema.relation import Relation

logger = logging.getLogger(__name__)

COMMIT_AUTHOR_PREFIX = "datapolis"
_CONFLICT_RETRIES = 8
RECORD_ID_SEEDS = ("'datapolis:1'", "'datapolis:2'")

# Kinds of `Version.change`.
CHANGE_IMPORT = "import"  # {"kind": "import", "file": name}
CHANGE_ROLLBACK = "rollback"  # {"kind": "rollback", "version": number}
CHANGE_STEPS = "steps"  # {"kind": "steps", "steps": count}: the kept raw data through new processing steps
CHANGE_NOTE = "note"  # {"kind": "note", "text": free text}: a message from before changes were data


class StoreError(Exception):
    """A storage operation that cannot be done (unknown dataset or version, conflict)."""


class DatasetNotFound(StoreError):
    pass


class VersionNotFound(StoreError):
    pass


@dataclass
class Prepared:
    """What a reader hands to the store: a relation in the connection, and its fields.

    `relation` names a view or table in the connection passed to the reader; its
    columns are exactly `fields`, in order, with each field's storage type, plus
    `order_column` when one is named: the rows are written in its order (the relation's
    own order is kept otherwise).
    """

    relation: str
    fields: list[FieldSpec]
    source: dict[str, Any] = field(default_factory=dict)
    order_column: str | None = None


@dataclass
class Version:
    dataset_id: str
    number: int
    snapshot_id: int
    created_at: datetime
    row_count: int
    fields: list[FieldSpec]
    author: str | None = None
    message: str | None = None
    source: dict[str, Any] = field(default_factory=dict)
    restored_from: int | None = None
    change: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset_id": self.dataset_id,
            "version": self.number,
            "snapshot_id": self.snapshot_id,
            "created_at": self.created_at.isoformat(),
            "row_count": self.row_count,
            "author": self.author,
            "message": self.message,
            "source": self.source,
            "restored_from": self.restored_from,
            "change": self.change,
            "origin": self.origin,
            "fields": [spec.to_dict() for spec in self.fields],
        }


class Store:
    """The dataset store of one instance. Thread-safe; one per process is enough."""

    def __init__(
        self,
        location: LakeLocation,
        *,
        memory_limit: str | None = None,
        serving: ServingCache | None = None,
        record_id_key: str | None = None,
    ) -> None:
        """`record_id_key`: the instance's secret for record ids (every process of an instance
        must pass the same one for a row to keep its id across versions); a random one if None."""
        self.location = location
        self.record_id_key = record_id_key or secrets.token_hex(32)
        self.memory_limit = memory_limit
        self.serving = serving
        self._shared: duckdb.DuckDBPyConnection | None = None
        self._writer: duckdb.DuckDBPyConnection | None = None
        self._generation = 0  # bumped each time the shared connection is replaced
        self._lock = threading.Lock()
        self._local = threading.local()
        self._cursors: dict[int, duckdb.DuckDBPyConnection] = {}  # by thread, for interrupts

    # -- connections -------------------------------------------------------------

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A new, private connection (for ingestion and other long operations); close it after use.

        It is a cursor on the process-wide writing database, opened once: a DuckDB database
        takes about a second to load its extensions and attach the lake, a cursor nothing.
        `memory_limit` bounds that database: ingestions spill to disk rather than growing
        without end, all of them together. Queries share another database, which DuckDB
        sizes itself. A writing database that an engine failure invalidated is replaced.
        """
        with self._lock:
            if self._writer is not None:
                cursor = self._writer.cursor()
                try:
                    cursor.execute("SELECT 1")
                    return cursor
                except duckdb.Error as error:
                    if not is_engine_failure(error):
                        raise
                    logger.error("DuckDB writing database replaced after an engine failure: %s", error)
            self._writer = open_connection(self.location, memory_limit=self.memory_limit)
            return self._writer.cursor()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the process-wide connection (for queries)."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None or self._local.generation != self._generation:
            with self._lock:
                if self._shared is None:
                    self._shared = open_connection(self.location)
                cursor = self._shared.cursor()
                self._local.generation = self._generation
                self._cursors[threading.get_ident()] = cursor
            self._local.cursor = cursor
        return cursor

    def thread_cursor(self, thread_id: int) -> duckdb.DuckDBPyConnection | None:
        """The query cursor a thread opened, if it opened one (to interrupt its query from elsewhere)."""
        with self._lock:
            return self._cursors.get(thread_id)

    def recover(self, error: BaseException) -> bool:
        """Replace the process-wide connection if `error` says the engine failed; True if so.

        After an internal error DuckDB invalidates its database: every later query on any
        cursor of it fails. The next `cursor()` of every thread then opens on a new
        connection, and the serving copies are attached to it again. The failed database
        is not closed here (another thread may still be reading its error); it is freed
        with its last cursor. Several threads reporting the same failure replace it once.
        """
        if not is_engine_failure(error):
            return False
        failed_generation = getattr(self._local, "generation", self._generation)
        with self._lock:
            if failed_generation == self._generation:
                self._shared = None
                self._generation += 1
                logger.error("DuckDB connection replaced after an engine failure: %s", str(error).splitlines()[0])
        self._local.cursor = None
        return True

    def close(self) -> None:
        with self._lock:
            for database in (self._shared, self._writer):
                if database is not None:
                    database.close()
            self._shared = self._writer = None
            self._generation += 1
            self._cursors.clear()
        self._local = threading.local()

    # -- reading -----------------------------------------------------------------

    def table_name(self, dataset_id: str) -> str:
        return f"{LAKE_ALIAS}.main.{quote_identifier(dataset_id)}"

    def relation_sql(self, dataset_id: str, number: int | None = None) -> str:
        """The SQL table reference of a version (the current one by default)."""
        version = self.version(dataset_id, number)
        return self.version_relation_sql(version)

    def version_relation_sql(self, version: Version) -> str:
        return self.snapshot_relation_sql(version.dataset_id, version.snapshot_id)

    def snapshot_relation_sql(self, dataset_id: str, snapshot_id: int) -> str:
        return f"{self.table_name(dataset_id)} AT (VERSION => {int(snapshot_id)})"

    def serving_relation_sql(self, dataset_id: str, snapshot_id: int) -> Relation:
        """Where to query a version from this thread's cursor: its serving copy when built.

        Without a copy yet, the lake answers while one is built in the background. A copy's
        relation describes its word index, row ids and clustered copy.
        """
        lake_relation = self.snapshot_relation_sql(dataset_id, snapshot_id)
        if self.serving is None:
            return Relation(lake_relation)
        relation = self.serving.relation(self.cursor(), dataset_id, snapshot_id, self._local.generation)
        if relation is None:
            self.serving.build_in_background(self.connect, dataset_id, snapshot_id, lake_relation)
            return Relation(lake_relation)
        return relation

    def versions(self, dataset_id: str) -> list[Version]:
        """Every version of a dataset since it was last created, oldest first."""
        return self.history().get(dataset_id, [])

    def history(self) -> dict[str, list[Version]]:
        """The versions of every live dataset, read at once."""
        return _history(self.cursor())

    def version(self, dataset_id: str, number: int | None = None) -> Version:
        versions = self.versions(dataset_id)
        if not versions:
            raise DatasetNotFound(f"dataset {dataset_id!r} has no published version")
        if number is None:
            return versions[-1]
        for version in versions:
            if version.number == number:
                return version
        raise VersionNotFound(f"dataset {dataset_id!r} has no version {number}")

    def has_dataset(self, dataset_id: str) -> bool:
        try:
            self.version(dataset_id)
        except DatasetNotFound:
            return False
        return True

    def dataset_ids(self) -> list[str]:
        return sorted(self.history())

    def next_version_number(self, dataset_id: str) -> int:
        """The number the next publication of `dataset_id` will get (if no other comes first)."""
        return _next_number(self.cursor(), dataset_id)

    # -- writing -----------------------------------------------------------------

    def publish(
        self,
        dataset_id: str,
        prepare: Callable[[duckdb.DuckDBPyConnection], Prepared],
        *,
        author: str | None = None,
        message: str | None = None,
        change: dict[str, Any] | None = None,
        origin: dict[str, Any] | None = None,
    ) -> Version:
        """Write a new version from what `prepare` builds in a private connection.

        The previous version stays served until this one is completely written. `message`
        is the lake's commit message; `change` says what happened as data (see
        `CHANGE_IMPORT`...), `origin` where the data came from.
        """
        con = self.connect()
        try:
            prepared = prepare(con)
            version = self._commit_version(
                con, dataset_id, prepared, author=author, message=message, change=change, origin=origin
            )
            self._warm_serving(con, version)
            return version
        finally:
            con.close()

    def _warm_serving(self, con: duckdb.DuckDBPyConnection, version: Version) -> None:
        """Build the serving copy right away, so the first query after a publication is fast."""
        if self.serving is None:
            return
        try:
            self.serving.build(con, version.dataset_id, version.snapshot_id, self.version_relation_sql(version))
        except duckdb.Error:
            logger.exception(
                "serving copy of %s v%s not built; queries read the lake", version.dataset_id, version.number
            )

    def rollback(self, dataset_id: str, number: int, *, author: str | None = None) -> Version:
        """Publish a new version whose data, fields and origin are those of version `number`."""
        target = self.version(dataset_id, number)
        relation = self.version_relation_sql(target)
        columns = ", ".join(quote_identifier(spec.name) for spec in target.fields)

        def prepare(con: duckdb.DuckDBPyConnection) -> Prepared:
            # A version's row order is part of what it serves: rowid is the order it was written in.
            con.execute(f"CREATE TEMP VIEW restored AS SELECT {columns}, rowid AS restored_order FROM {relation}")
            return Prepared("restored", target.fields, dict(target.source), order_column="restored_order")

        con = self.connect()
        try:
            # One thread writes the rows in the order asked for: with several, DuckDB 1.5's
            # DuckLake insert was seen writing a million restored rows out of order.
            con.execute("SET threads = 1")
            version = self._commit_version(
                con,
                dataset_id,
                prepare(con),
                author=author,
                message=f"rollback to version {number}",
                restored_from=number,
                change={"kind": CHANGE_ROLLBACK, "version": number},
                origin=target.origin,
            )
            self._warm_serving(con, version)
            return version
        finally:
            con.close()

    def delete(self, dataset_id: str, *, author: str | None = None) -> None:
        """Drop a dataset. Its history stays in the lake until files are expired."""
        current = self.version(dataset_id)
        con = self.connect()
        try:
            with _transaction(con):
                con.execute(f"DROP TABLE IF EXISTS {self.table_name(dataset_id)}")
                info = {"dataset": dataset_id, "deleted": True, "last_version": current.number}
                _set_commit_message(con, author, f"delete {dataset_id}", info)
        finally:
            con.close()
        if self.serving is not None:
            self.serving.remove(dataset_id)

    def expire_versions(self, dataset_id: str, numbers: set[int]) -> list[int]:
        """Remove versions from the history and give back their files (never the table's current one).

        For what a failed publication left: a version committed to the lake by a process
        that died before the catalog recorded it. Returns the numbers expired.
        """
        versions = self.versions(dataset_id)
        latest = versions[-1].number if versions else None
        doomed = [v for v in versions if v.number in numbers and v.number != latest]
        if not doomed:
            return []
        con = self.connect()
        try:
            snapshots = [v.snapshot_id for v in doomed]
            con.execute(f"CALL ducklake_expire_snapshots({quote_literal(LAKE_ALIAS)}, versions => ?)", [snapshots])
            con.execute(f"CALL ducklake_cleanup_old_files({quote_literal(LAKE_ALIAS)}, cleanup_all => true)")
        finally:
            con.close()
        return [v.number for v in doomed]  # their serving copies went when a later version was served

    def delete_orphaned_files(self, older_than: datetime) -> int:
        """Delete data files no version refers to (a publication killed mid-write leaves them).

        Only files older than `older_than`: a publication under way writes its files before
        it commits them.
        """
        con = self.connect()
        try:
            rows = con.execute(
                f"CALL ducklake_delete_orphaned_files({quote_literal(LAKE_ALIAS)}, older_than => ?)", [older_than]
            ).fetchall()
        finally:
            con.close()
        return len(rows)

    def _commit_version(
        self,
        con: duckdb.DuckDBPyConnection,
        dataset_id: str,
        prepared: Prepared,
        *,
        author: str | None,
        message: str | None,
        restored_from: int | None = None,
        change: dict[str, Any] | None = None,
        origin: dict[str, Any] | None = None,
    ) -> Version:
        select = _version_select(prepared)
        for attempt in range(_CONFLICT_RETRIES):
            try:
                with _transaction(con):
                    number = _next_number(con, dataset_id)
                    table = self.table_name(dataset_id)
                    con.execute(f"CREATE OR REPLACE TABLE {table} AS {select}", [f"{self.record_id_key}:{dataset_id}"])
                    (row_count,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()
                    info = {
                        "dataset": dataset_id,
                        "version": number,
                        "rows": row_count,
                        "fields": [spec.to_dict() for spec in prepared.fields],
                        "source": prepared.source,
                        "restored_from": restored_from,
                        "change": change or {},
                        "origin": origin or {},
                    }
                    _set_commit_message(con, author, message, info)
                break
            except duckdb.TransactionException as error:
                if attempt == _CONFLICT_RETRIES - 1:
                    raise StoreError(f"could not publish {dataset_id!r}: {error}") from error
                logger.info("publish of %s conflicted, retrying: %s", dataset_id, error)
                time.sleep(0.05 * (attempt + 1))
        return self.version(dataset_id, number)


def _next_number(con: duckdb.DuckDBPyConnection, dataset_id: str) -> int:
    """Numbers keep growing across a delete, so a number never names two versions."""
    numbers = [
        info.get("version") or info.get("last_version") or 0
        for _, _, _, _, info in _commits(con)
        if info.get("dataset") == dataset_id
    ]
    return max(numbers, default=0) + 1


def _version_select(prepared: Prepared) -> str:
    """The SELECT that adds the technical columns to a reader's relation; `?` is the record-id key.

    The record id is a keyed hash: SHA-256 of the instance's secret, the dataset's id and a
    fingerprint of the row's values (or of its `id`-annotated fields), cut to 32 hex digits.
    The fingerprint (two seeded 64-bit DuckDB hashes, 6x faster than hashing the row's text)
    makes the id stable for the same row across versions; the secret makes it reveal nothing
    (with public seeds alone, hashing guesses recovered every hidden field of a row from its
    id); the dataset's id keeps a publisher from using a dataset of their own as an oracle,
    publishing guessed rows to compare their ids with those of a dataset they see in part.
    """
    names = [quote_identifier(spec.name) for spec in prepared.fields]
    id_fields = [quote_identifier(s.name) for s in prepared.fields if "id" in s.annotations] or names
    values = ", ".join(id_fields) or "NULL"
    fingerprint = f"printf('%016x%016x', hash({RECORD_ID_SEEDS[0]}, {values}), hash({RECORD_ID_SEEDS[1]}, {values}))"
    record_id = f"substr(sha256(CAST(? AS VARCHAR) || {fingerprint}), 1, 32)"
    return (
        f"SELECT {record_id} AS {RECORD_ID_COLUMN}, "
        f"CAST(now() AS TIMESTAMPTZ) AS {RECORD_TIMESTAMP_COLUMN}, {', '.join(names)} "
        f"FROM {quote_identifier(prepared.relation)}"
        + (f" ORDER BY {quote_identifier(prepared.order_column)}" if prepared.order_column else "")
    )


def _set_commit_message(
    con: duckdb.DuckDBPyConnection, author: str | None, message: str | None, info: dict[str, Any]
) -> None:
    con.execute(
        f"CALL {LAKE_ALIAS}.set_commit_message(?, ?, extra_info => ?)",
        [f"{COMMIT_AUTHOR_PREFIX}:{author or ''}", message or "", json.dumps(info, default=str)],
    )


def _commits(con: duckdb.DuckDBPyConnection) -> list[tuple[int, datetime, str | None, str | None, dict]]:
    rows = con.execute(
        f"SELECT snapshot_id, snapshot_time, author, commit_message, commit_extra_info "
        f"FROM {LAKE_ALIAS}.snapshots() WHERE starts_with(author, {quote_literal(COMMIT_AUTHOR_PREFIX + ':')}) "
        f"ORDER BY snapshot_id"
    ).fetchall()
    return [(sid, when, author, message, json.loads(extra or "{}")) for sid, when, author, message, extra in rows]


def _history(con: duckdb.DuckDBPyConnection) -> dict[str, list[Version]]:
    """The live datasets and their versions since their last creation."""
    history: dict[str, list[Version]] = {}
    for snapshot_id, created_at, author, message, info in _commits(con):
        dataset_id = info.get("dataset")
        if not dataset_id:
            continue
        if info.get("deleted"):
            history.pop(dataset_id, None)
            continue
        history.setdefault(dataset_id, []).append(
            Version(
                dataset_id=dataset_id,
                number=int(info["version"]),
                snapshot_id=snapshot_id,
                created_at=created_at,
                row_count=int(info.get("rows", 0)),
                fields=[FieldSpec.from_dict(item) for item in info.get("fields", [])],
                author=(author or "").removeprefix(COMMIT_AUTHOR_PREFIX + ":") or None,
                message=message or None,
                source=dict(info.get("source") or {}),
                restored_from=info.get("restored_from"),
                change=dict(info.get("change") or legacy_change(message, info.get("restored_from"))),
                origin=dict(info.get("origin") or {}),
            )
        )
    return history


def legacy_change(message: str | None, restored_from: int | None) -> dict[str, Any]:
    """The change of a version written before changes were data, read from its English message."""
    if restored_from is None and (rolled_back := re.fullmatch(r"rollback to version (\d+)", message or "")):
        restored_from = int(rolled_back[1])
    if restored_from is not None:
        return {"kind": CHANGE_ROLLBACK, "version": int(restored_from)}
    if message and message.startswith("import "):
        return {"kind": CHANGE_IMPORT, "file": message.removeprefix("import ")}
    return {"kind": CHANGE_NOTE, "text": message} if message else {}


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
