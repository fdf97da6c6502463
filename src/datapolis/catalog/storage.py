"""The process-wide dataset store, configured from the instance settings."""

from __future__ import annotations

import hashlib
import sys
import threading

from django.conf import settings
from django.core.signals import got_request_exception

from datapolis.engine import LakeLocation, Store
from datapolis.engine.serving import ServingCache

_lock = threading.Lock()
_store: Store | None = None


def lake_location() -> LakeLocation:
    config = settings.CONFIG
    catalog_url = config.lake_catalog_url
    if not catalog_url and config.database_url and config.database_url.startswith(("postgres://", "postgresql://")):
        catalog_url = config.database_url
    return LakeLocation.from_urls(config.lake_dir, catalog_url, config.storage_url)


def record_id_key() -> str:
    """The key of record ids, derived from the instance's secret (never the secret itself in SQL)."""
    return hashlib.sha256(b"datapolis record ids\0" + settings.SECRET_KEY.encode()).hexdigest()


def get_store() -> Store:
    global _store
    with _lock:
        if _store is None:
            _store = Store(
                lake_location(),
                memory_limit=settings.DATAPOLIS_INGEST_MEMORY_LIMIT,
                record_id_key=record_id_key(),
                serving=ServingCache(settings.CONFIG.home / "serving"),
            )
        return _store


def recover_engine(error: BaseException) -> bool:
    """After an engine failure, replace the process's DuckDB connection (`Store.recover`).

    True if `error` was an engine failure: the next queries run on a new connection.
    """
    store = _store
    return store is not None and store.recover(error)


def _recover_after_request_error(sender: object, **kwargs: object) -> None:
    """Any view whose query failed the engine (a page, a tile...) leaves a working store."""
    error = sys.exc_info()[1]
    if error is not None:
        recover_engine(error)


got_request_exception.connect(_recover_after_request_error, dispatch_uid="datapolis.catalog.storage.recover")


def use_store(store: Store | None) -> None:
    """Replace the process-wide store (tests give each test its own lake)."""
    global _store
    with _lock:
        _store = store
