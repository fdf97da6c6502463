"""Readers: turn the files territories publish into a typed relation the store can version.

Contract with the store (datapolis.engine.Store.publish):

    version = store.publish(dataset_id, prepare(path, ReadOptions(...)))

`prepare` returns a callable that, given a private DuckDB connection, builds a temporary
view or table whose columns are exactly the inferred fields, in order, each with its
storage type (datapolis.schema.STORAGE_TYPES), and returns it as a `Prepared`.
Every problem in the input is detected there and raised as an IngestError naming the
file, line, column and what was expected, before anything is written: the relation
handed to the store never fails when scanned. No Django imports in this package.
"""

from datapolis.ingest.errors import IngestError
from datapolis.ingest.options import ReadOptions
from datapolis.ingest.readers import detect_format, prepare, preview, read

__all__ = ["IngestError", "ReadOptions", "detect_format", "prepare", "preview", "read"]
