"""The serving cache: a local, read-only DuckDB copy of each dataset's current version.

DuckLake is the source of truth, but each query on it pays a catalog lookup and a
Parquet scan set-up (about 20 ms for a page of 1M rows on the reference machine,
against about 4 ms on a native table). Queries on a current version therefore read a
DuckDB file holding a copy of that version, built once, written to a temporary name
and renamed into place: a file under its final name is complete and never changes, so
any number of processes can attach it read-only at once.

A file is named by the dataset, the DuckLake snapshot of the version and the file's
format, so a new publication (or a new format) simply makes a new file; older files are
removed once superseded. When the file of a version does not exist yet (another machine
published it, or it predates the format), queries read the lake while a background thread
builds the copy.

Besides the `data` table, a file holds the word index of its text columns
(`engine.search_index`), built with it: full-text predicates on the copy read the index;
and, for a large dataset, a copy of `data` clustered by a category field
(`engine.clustering`), which equality filters on that field read.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from collections import OrderedDict, deque
from pathlib import Path

import duckdb

from datapolis.engine import clustering, search_index
from datapolis.engine.sql import quote_identifier, quote_literal
from datapolis.schema.relation import Relation

logger = logging.getLogger(__name__)

SERVING_TABLE = "data"
FILE_FORMAT = 3  # 2: with the word index; 3: with the clustered copy of large datasets
_FILE_NAME = re.compile(r"^(?P<stem>[0-9a-f]{16})-(?P<snapshot>\d+)(?:\.f(?P<format>\d+))?\.duckdb$")


class ServingCache:
    def __init__(
        self,
        directory: Path,
        *,
        max_attached: int = 256,
        detach_grace_seconds: float = 3600,
        cluster_min_rows: int = clustering.MIN_ROWS,
    ) -> None:
        self.directory = directory
        self.cluster_min_rows = cluster_min_rows
        self.directory.mkdir(parents=True, exist_ok=True)
        self.max_attached = max_attached
        self.detach_grace_seconds = detach_grace_seconds
        self._retired: deque[tuple[float, str, tuple[str, Relation]]] = deque()  # (evicted at, file, attached)
        self._attached: OrderedDict[str, tuple[str, Relation]] = OrderedDict()  # file -> (database, relation)
        self._building: set[str] = set()
        self._lock = threading.Lock()
        self._generation = 0  # of the store's connection the copies are attached to

    # -- naming ----------------------------------------------------------------------

    @staticmethod
    def _stem(dataset_id: str) -> str:
        return hashlib.sha256(dataset_id.encode()).hexdigest()[:16]

    def path_for(self, dataset_id: str, snapshot_id: int) -> Path:
        return self.directory / f"{self._stem(dataset_id)}-{int(snapshot_id)}.f{FILE_FORMAT}.duckdb"

    def is_built(self, dataset_id: str, snapshot_id: int) -> bool:
        return self.path_for(dataset_id, snapshot_id).exists()

    # -- building --------------------------------------------------------------------

    def build(self, con: duckdb.DuckDBPyConnection, dataset_id: str, snapshot_id: int, relation_sql: str) -> Path:
        """Copy a version into its serving file (a no-op when it already exists)."""
        target = self.path_for(dataset_id, snapshot_id)
        if target.exists():
            return target
        partial = target.with_name(f"{target.stem}.{os.getpid()}.{threading.get_ident()}.partial")
        alias = f"build_{os.getpid()}_{threading.get_ident()}"
        partial.unlink(missing_ok=True)
        con.execute(f"ATTACH {quote_literal(str(partial))} AS {alias}")
        try:
            con.execute(f"CREATE TABLE {alias}.{SERVING_TABLE} AS SELECT * FROM {relation_sql}")
            self._build_index(con, alias, dataset_id)
            self._build_clustered(con, alias, dataset_id)
        finally:
            con.execute(f"DETACH {alias}")
        os.replace(partial, target)
        self._remove_superseded(dataset_id, snapshot_id)
        return target

    @staticmethod
    def _build_index(con: duckdb.DuckDBPyConnection, alias: str, dataset_id: str) -> None:
        """The word index; without it (it failed) the copy still serves, and searches scan."""
        try:
            search_index.build(con, alias, SERVING_TABLE)
        except duckdb.Error:
            logger.exception("no word index for %s: full-text searches will scan its rows", dataset_id)

    def _build_clustered(self, con: duckdb.DuckDBPyConnection, alias: str, dataset_id: str) -> None:
        """The clustered copy; without it (it failed) equality filters scan `data`."""
        try:
            clustering.build(con, alias, SERVING_TABLE, self.cluster_min_rows)
        except duckdb.Error:
            logger.exception("no clustered copy for %s: its filters will scan every row", dataset_id)

    def build_in_background(self, connect, dataset_id: str, snapshot_id: int, relation_sql: str) -> None:
        key = f"{dataset_id}\0{snapshot_id}"
        with self._lock:
            if key in self._building:
                return
            self._building.add(key)

        def work() -> None:
            try:
                con = connect()
                try:
                    self.build(con, dataset_id, snapshot_id, relation_sql)
                finally:
                    con.close()
            except Exception:
                logger.exception("could not build the serving copy of %s at snapshot %s", dataset_id, snapshot_id)
            finally:
                with self._lock:
                    self._building.discard(key)

        threading.Thread(target=work, name=f"serving-{dataset_id}", daemon=True).start()

    def _remove_superseded(self, dataset_id: str, snapshot_id: int) -> None:
        for path in self.directory.glob(f"{self._stem(dataset_id)}-*.duckdb"):
            match = _FILE_NAME.match(path.name)
            if match is None:
                continue
            snapshot, file_format = int(match["snapshot"]), int(match["format"] or 1)
            if snapshot < snapshot_id or (snapshot == snapshot_id and file_format < FILE_FORMAT):
                path.unlink(missing_ok=True)  # processes that attached it keep reading their open file

    def remove(self, dataset_id: str) -> None:
        for path in self.directory.glob(f"{self._stem(dataset_id)}-*"):
            path.unlink(missing_ok=True)

    # -- reading ---------------------------------------------------------------------

    def relation(
        self, con: duckdb.DuckDBPyConnection, dataset_id: str, snapshot_id: int, generation: int = 0
    ) -> Relation | None:
        """The table of the serving copy, attached to `con`'s database, or None if not built.

        `generation` numbers the store's connection `con` belongs to: when the store replaced
        a failed connection (`Store.recover`), the copies attached to the old one are
        forgotten and attached again to the new one. A caller still holding a cursor of the
        old connection gets None (the lake answers it).
        """
        path = self.path_for(dataset_id, snapshot_id)
        with self._lock:
            if generation < self._generation:
                return None
            if generation > self._generation:
                self._attached.clear()
                self._retired.clear()
                self._generation = generation
            attached = self._attached.pop(path.name, None) or self._revive(path.name) or self._attach(con, path)
            if attached is None:
                return None
            self._attached[path.name] = attached  # most recently used last
            while len(self._attached) > self.max_attached:
                file, evicted = self._attached.popitem(last=False)
                self._retired.append((time.monotonic(), file, evicted))
            self._detach_retired(con)
            return attached[1]

    def _attach(self, con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, Relation] | None:
        if not path.exists():
            return None
        name = f"serving_{path.name.removesuffix('.duckdb').replace('.', '_')}"
        try:
            con.execute(f"ATTACH {quote_literal(str(path))} AS {quote_identifier(name)} (READ_ONLY)")
        except duckdb.IOException:
            return None  # removed by a newer publication between the check and the attach
        table = f"{quote_identifier(name)}.{SERVING_TABLE}"
        row_id = None if search_index.shadows_row_id(con, table) else search_index.ROW_COLUMN
        clustered_by = clustering.load(con, name)
        clustered = None if clustered_by is None else Relation(clustering.clustered_table(name), row_id=row_id)
        return name, Relation(table, search_index.load(con, name), row_id, clustered, clustered_by)

    def _revive(self, file: str) -> tuple[str, Relation] | None:
        """A copy evicted but not yet detached is used again as it is."""
        for entry in self._retired:
            if entry[1] == file:
                self._retired.remove(entry)
                return entry[2]
        return None

    def _detach_retired(self, con: duckdb.DuckDBPyConnection) -> None:
        """Detach copies evicted long enough ago that no query or export still reads them.

        A copy leaves the recently used set while a long export may still stream from it;
        detaching it then would break that export, so it waits out a grace period first.
        """
        now = time.monotonic()
        while self._retired and now - self._retired[0][0] > self.detach_grace_seconds:
            _, file, (name, relation) = self._retired.popleft()
            try:
                con.execute(f"DETACH {quote_identifier(name)}")
            except duckdb.Error:
                logger.warning("serving copy %s still in use; detaching it later", name)
                self._retired.append((now, file, (name, relation)))
                break
