"""The statement cache: compiled queries by everything they depend on.

A repeated request skips parse, check and print (about 0.7 ms each). Entries never go
stale: the key holds the clause texts, the schema's names, types and annotations, the
relation (a new version is a new relation), the dialect and any search strategy given.
A query whose checked tree calls now() without a fixed `now` reads the clock when it is
compiled, so it is compiled every time and never kept. Hits are copies, so callers may
change their params.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from datapolis.odsql import ast
from datapolis.odsql.checker import CheckedQuery
from datapolis.odsql.compiled import CompiledQuery
from datapolis.odsql.query import QuerySpec
from datapolis.odsql.search import SearchStrategy
from datapolis.schema import FieldSpec, Relation

_MISSING: Any = object()


class StatementCache:
    def __init__(self, size: int = 256) -> None:  # about 40 KB an entry
        self.size = size
        self._entries: OrderedDict[tuple, CompiledQuery | None] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: tuple | None, build: Callable[[], CompiledQuery | None]) -> CompiledQuery | None:
        if key is None:
            return build()
        with self._lock:
            found = self._entries.get(key, _MISSING)
            if found is not _MISSING:
                self._entries.move_to_end(key)
        if found is _MISSING:
            found = build()
            if found is None or found.cacheable:
                self._keep(key, found)
        return None if found is None else dataclasses.replace(found, params=dict(found.params))

    def _keep(self, key: tuple, compiled: CompiledQuery | None) -> None:
        with self._lock:
            self._entries[key] = compiled
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


COMPILED = StatementCache()


def reads_clock(spec: QuerySpec, checked: CheckedQuery) -> bool:
    """Whether the query calls now() with the time read from the clock (no fixed `now`)."""
    if spec.now is not None:
        return False
    roots = [
        *(output.expr for output in checked.outputs),
        *checked.filters,
        *(key.expr for key in checked.group_keys),
        *(key.expr for key in checked.order if key.expr is not None),
    ]
    return any(isinstance(node, ast.Call) and node.name == "now" for root in roots for node in ast.walk(root))


def cache_key(
    kind: str,
    spec: QuerySpec,
    schema: Sequence[FieldSpec],
    relation: Relation,
    dialect: str,
    search: SearchStrategy | None,
    options: tuple,
) -> tuple | None:
    """Everything the SQL of `kind` depends on; None when some input cannot be a key."""
    restrictions = tuple(spec.restrictions)
    if not all(isinstance(text, str) for text in restrictions):
        return None
    visible = None if spec.visible_fields is None else frozenset(spec.visible_fields)
    fields = tuple((f.name, f.type, repr(sorted((f.annotations or {}).items()))) for f in schema)
    clauses = (spec.select, tuple(spec.where_clauses), spec.group_by, spec.order_by, spec.limit, spec.offset)
    refines = (tuple(tuple(pair) for pair in spec.refine), tuple(tuple(pair) for pair in spec.exclude))
    request = (spec.timezone, spec.lang, restrictions, visible, spec.now)
    return (kind, *clauses, *refines, *request, fields, relation, dialect, search, options)
