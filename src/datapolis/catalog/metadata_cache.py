"""What every API call reads of the metadata database, kept in each process until it changes.

A records call needs the portal serving the host, the dataset and its fields: three
queries that cost more than the DuckDB query answering it. Each process keeps them, keyed
by the *metadata token*: a random number that database triggers replace in the same
transaction as any insert, update or delete of a watched table (`WATCHED`). A process
reads the token (one indexed single-row query) and reuses what it read under the same
token; any committed change, from any process or machine, by the ORM, a queryset
`.update()`, the admin or raw SQL, gives a new token, so nothing stale is ever served.

Why a random token and not a counter: a transaction that rolls back also rolls back its
counter, and a later change would reuse the number a process may have cached under.
Why PostgreSQL's triggers are deferred to the commit: each trigger writes the token's one
row; taken at the commit, that row lock cannot deadlock two transactions that also lock
dataset rows.

Only what is read-only on the request path is cached (the access policy still looks up
grants and shares for each call); callers get their own copy of model instances.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.apps import apps
from django.db import connection

T = TypeVar("T")

TABLE = "catalog_metadatatoken"
TRIGGER_PREFIX = "datapolis_metadata_token"
# model label -> columns whose updates do not change what is cached (a page-view counter)
WATCHED: dict[str, frozenset[str]] = {
    "catalog.Dataset": frozenset({"views"}),
    "catalog.Field": frozenset(),
    "portals.Portal": frozenset(),
}
MAX_ENTRIES = 4096

_entries: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
_lock = threading.Lock()


def current_token() -> int | None:
    """The metadata token now committed; None before the first change (nothing is cached)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM catalog_metadatatoken WHERE id = 1")
        row = cursor.fetchone()
    return None if row is None else row[0]


def cached(key: Hashable, load: Callable[[], T]) -> T:
    """`load()`, or what it returned under the current token; model instances are copied.

    Inside a transaction nothing is cached: it may see its own uncommitted changes, which
    other processes must not be served (and PostgreSQL renews the token only at commit).
    """
    if connection.in_atomic_block:
        return load()
    token = current_token()
    if token is not None:
        entry = _entries.get(key)
        if entry is not None and entry[0] == token:
            return _copy(entry[1])
    value = load()
    if token is not None:
        with _lock:
            _entries[key] = (token, value)
            _entries.move_to_end(key)
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
    return _copy(value)


def _copy(value: T) -> T:
    """Callers may change and save a model instance, or extend a list: they get their own."""
    if isinstance(value, list):
        return list(value)  # type: ignore[return-value]
    return copy.copy(value) if hasattr(value, "_state") else value


# -- triggers ------------------------------------------------------------------------------


def install_triggers(using: str = "default", **_signal_arguments: Any) -> None:
    """(Re)create the triggers from the current models, with a new token: after every `migrate`."""
    _run_trigger_statements(using, create=True)


def drop_triggers(using: str = "default", **_signal_arguments: Any) -> None:
    """Drop the triggers before migrations run: a trigger naming a column in `UPDATE OF` would
    make both databases refuse to drop that column (and PostgreSQL to change its type)."""
    _run_trigger_statements(using, create=False)


def _run_trigger_statements(using: str, *, create: bool) -> None:
    from django.db import connections

    target = connections[using]
    tables = set(target.introspection.table_names())
    if TABLE not in tables:
        return
    postgresql = target.vendor == "postgresql"
    quote = target.ops.quote_name
    statements = []
    if create:
        statements += [*_postgresql_function(), _RENEW_ON_POSTGRESQL] if postgresql else [_RENEW_ON_SQLITE]
    for label, ignored in WATCHED.items():
        model = apps.get_model(label)
        table = model._meta.db_table
        if table not in tables:
            continue
        columns = [field.column for field in model._meta.concrete_fields if field.column not in ignored]
        triggers = (
            _postgresql_triggers(table, columns, quote) if postgresql else _sqlite_triggers(table, columns, quote)
        )
        statements += [drop for drop, _create in triggers]
        if create:
            statements += [create_sql for _drop, create_sql in triggers]
    with target.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


_RENEW_ON_SQLITE = (
    "INSERT INTO catalog_metadatatoken (id, token) VALUES (1, random()) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token"
)
_RENEW_ON_POSTGRESQL = (
    "INSERT INTO catalog_metadatatoken (id, token) VALUES (1, (random() * 9.2e18 - 4.6e18)::bigint) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token"
)


def _sqlite_triggers(table: str, columns: list[str], quote: Callable[[str], str]) -> list[tuple[str, str]]:
    """(drop, create) statements of the table's triggers."""
    events = {
        "insert": "INSERT",
        "delete": "DELETE",
        "update": "UPDATE OF " + ", ".join(quote(column) for column in columns),
    }
    triggers = []
    for suffix, event in events.items():
        name = quote(f"{TRIGGER_PREFIX}_{table}_{suffix}")
        triggers.append(
            (
                f"DROP TRIGGER IF EXISTS {name}",
                f"CREATE TRIGGER {name} AFTER {event} ON {quote(table)} BEGIN {_RENEW_ON_SQLITE}; END",
            )
        )
    return triggers


def _postgresql_function() -> list[str]:
    return [
        f"CREATE OR REPLACE FUNCTION {TRIGGER_PREFIX}_renew() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {_RENEW_ON_POSTGRESQL}; RETURN NULL; END $$"
    ]


def _postgresql_triggers(table: str, columns: list[str], quote: Callable[[str], str]) -> list[tuple[str, str]]:
    """(drop, create) statements of the table's triggers: rows at commit, and TRUNCATE."""
    row_trigger = quote(f"{TRIGGER_PREFIX}_{table}")
    truncate_trigger = quote(f"{TRIGGER_PREFIX}_{table}_truncate")
    updated = ", ".join(quote(column) for column in columns)
    return [
        (
            f"DROP TRIGGER IF EXISTS {row_trigger} ON {quote(table)}",
            f"CREATE CONSTRAINT TRIGGER {row_trigger} AFTER INSERT OR DELETE OR UPDATE OF {updated} "
            f"ON {quote(table)} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {TRIGGER_PREFIX}_renew()",
        ),
        (
            f"DROP TRIGGER IF EXISTS {truncate_trigger} ON {quote(table)}",
            f"CREATE TRIGGER {truncate_trigger} AFTER TRUNCATE ON {quote(table)} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER_PREFIX}_renew()",
        ),
    ]
