"""The process-wide dataset store, configured from the instance settings."""

from __future__ import annotations

import threading

from django.conf import settings

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


def get_store() -> Store:
    global _store
    with _lock:
        if _store is None:
            _store = Store(
                lake_location(),
                memory_limit=settings.DATAPOLIS_INGEST_MEMORY_LIMIT,
                serving=ServingCache(settings.CONFIG.home / "serving"),
            )
        return _store


def use_store(store: Store | None) -> None:
    """Replace the process-wide store (tests give each test its own lake)."""
    global _store
    with _lock:
        _store = store
