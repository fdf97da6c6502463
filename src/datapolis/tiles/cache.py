"""Recently built tiles, keyed by dataset, snapshot (a new version never reuses an old
tile), filters and z/x/y, bounded by total bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from datapolis.schema import FieldSpec, Relation
from datapolis.tiles.building import TileRequest, build_tile


@dataclass
class TileCache:
    """Recently built tiles, least recently used first out, bounded by total bytes."""

    max_bytes: int = 64 * 1024 * 1024
    _tiles: OrderedDict[tuple, bytes] = field(default_factory=OrderedDict)
    _size: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    hits: int = 0
    misses: int = 0

    @staticmethod
    def key(dataset_id: str, snapshot_id: int, request: TileRequest) -> tuple:
        return (dataset_id, int(snapshot_id), request.fingerprint(), request.z, request.x, request.y)

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            tile = self._tiles.get(key)
            if tile is None:
                self.misses += 1
                return None
            self._tiles.move_to_end(key)
            self.hits += 1
            return tile

    def put(self, key: tuple, tile: bytes) -> None:
        if len(tile) > self.max_bytes:
            return
        with self._lock:
            previous = self._tiles.pop(key, None)
            if previous is not None:
                self._size -= len(previous)
            self._tiles[key] = tile
            self._size += len(tile)
            while self._size > self.max_bytes and self._tiles:
                _, dropped = self._tiles.popitem(last=False)
                self._size -= len(dropped)

    def __len__(self) -> int:
        return len(self._tiles)

    @property
    def size(self) -> int:
        return self._size

    def clear(self) -> None:
        with self._lock:
            self._tiles.clear()
            self._size = 0


def cached_tile(
    cache: TileCache,
    cursor: duckdb.DuckDBPyConnection,
    dataset_id: str,
    snapshot_id: int,
    request: TileRequest,
    schema: Sequence[FieldSpec],
    relation: Relation | str,
) -> bytes:
    """The tile from the cache, else built and kept."""
    key = cache.key(dataset_id, snapshot_id, request)
    tile = cache.get(key)
    if tile is None:
        tile = build_tile(cursor, request, schema, relation)
        cache.put(key, tile)
    return tile
