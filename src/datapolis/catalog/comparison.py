"""Two versions of a dataset compared: rows added, removed and changed, computed in DuckDB.

With key fields (fields marked `is_id`, present in both versions) rows are matched by
their key: a row whose key is new is added, a key gone is removed, and a key present in
both whose other values differ is changed. Without a key, rows are compared whole, as
multisets (`EXCEPT ALL`): a row whose value changed counts as one removed and one added,
and `changed` is 0 (`by` is "row" and `note` says so).

Only counts and a small sample of each kind (`SAMPLE` rows) leave DuckDB; the versions
are read from the lake as they were published (`Store.version_relation_sql`). Fields
present in one version only are listed, and the rows are compared on the fields both
versions have.
"""

# ruff: noqa: S608 -- the SQL is built from quoted identifiers (the fields) and integers only

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from datapolis.catalog import services
from datapolis.catalog.models import Dataset
from datapolis.catalog.storage import get_store
from datapolis.engine.sql import quote_identifier
from datapolis.engine.store import Version, VersionNotFound
from datapolis.schema import FieldSpec

SAMPLE = 20
ROW_NOTE = (
    "The dataset has no key field (is_id): rows are compared whole, so a changed row counts as one "
    "removed and one added, and changed is 0."
)


@dataclass
class Comparison:
    dataset_id: str
    from_version: int
    to_version: int
    by: str  # "key" or "row"
    key: list[str]
    rows_from: int
    rows_to: int
    added: int
    removed: int
    changed: int
    fields_added: list[str] = field(default_factory=list)
    fields_removed: list[str] = field(default_factory=list)
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    note: str = ""

    @property
    def unchanged(self) -> int:
        """Rows of the later version found identical in the earlier one."""
        return self.rows_to - self.added - self.changed

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset_id": self.dataset_id,
            "from": self.from_version,
            "to": self.to_version,
            "by": self.by,
            "key": list(self.key),
            "rows_from": self.rows_from,
            "rows_to": self.rows_to,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "fields_added": list(self.fields_added),
            "fields_removed": list(self.fields_removed),
            "samples": {kind: list(rows) for kind, rows in self.samples.items()},
            "note": self.note,
        }


def _version(dataset: Dataset, number: int) -> Version:
    for version in services.versions(dataset):
        if version.number == number:
            return version
    raise VersionNotFound(f"dataset {dataset.dataset_id!r} has no version {number}")


def key_fields(dataset: Dataset) -> list[str]:
    """The dataset's key: its fields marked as part of the record's key, in their order."""
    return list(dataset.fields.filter(is_id=True).order_by("position").values_list("name", flat=True))


def compare_versions(dataset: Dataset, a: int, b: int, *, sample: int = SAMPLE) -> Comparison:
    """What changed from version `a` to version `b` of `dataset` (VersionNotFound for an unknown number)."""
    store = get_store()
    before, after = _version(dataset, a), _version(dataset, b)
    specs_a = {spec.name: spec for spec in before.fields}
    specs_b = {spec.name: spec for spec in after.fields}
    common = [name for name in specs_b if name in specs_a]
    expressions = {name: _comparable(specs_a[name], specs_b[name]) for name in common}
    key = [name for name in key_fields(dataset) if name in expressions]
    con = store.connect()
    try:
        con.execute(f"CREATE TEMP VIEW version_a AS SELECT * FROM {store.version_relation_sql(before)}")
        con.execute(f"CREATE TEMP VIEW version_b AS SELECT * FROM {store.version_relation_sql(after)}")
        comparison = Comparison(
            dataset_id=dataset.dataset_id,
            from_version=a,
            to_version=b,
            by="key" if key else "row",
            key=key,
            rows_from=_scalar(con, "SELECT count(*) FROM version_a"),
            rows_to=_scalar(con, "SELECT count(*) FROM version_b"),
            added=0,
            removed=0,
            changed=0,
            fields_added=[name for name in specs_b if name not in specs_a],
            fields_removed=[name for name in specs_a if name not in specs_b],
        )
        if key:
            _by_key(con, comparison, expressions, key, sample)
        else:
            _by_row(con, comparison, expressions, sample)
        return comparison
    finally:
        con.close()


def _comparable(spec_a: FieldSpec, spec_b: FieldSpec) -> str:
    """The SQL of a field's value as both versions can compare it (`{t}` stands for the table alias)."""
    quoted = "{t}." + quote_identifier(spec_a.name)
    if spec_a.type == "geo_shape" or spec_b.type == "geo_shape" or spec_a.type != spec_b.type:
        return f"CAST({quoted} AS VARCHAR)"
    return quoted


def _scalar(con, sql: str) -> int:
    return int(con.execute(sql).fetchone()[0])


def _select(expressions: dict[str, str], alias: str) -> str:
    return ", ".join(f"{sql.format(t=alias)} AS {quote_identifier(name)}" for name, sql in expressions.items())


def _rows(con, sql: str, names: list[str]) -> list[dict[str, Any]]:
    return [dict(zip(names, (_json(value) for value in row), strict=True)) for row in con.execute(sql).fetchall()]


def _by_row(con, comparison: Comparison, expressions: dict[str, str], sample: int) -> None:
    names = list(expressions)
    a, b = (
        f"SELECT {_select(expressions, 'a')} FROM version_a a",
        f"SELECT {_select(expressions, 'b')} FROM version_b b",
    )
    con.execute(f"CREATE TEMP TABLE added_rows AS ({b}) EXCEPT ALL ({a})")
    con.execute(f"CREATE TEMP TABLE removed_rows AS ({a}) EXCEPT ALL ({b})")
    comparison.added = _scalar(con, "SELECT count(*) FROM added_rows")
    comparison.removed = _scalar(con, "SELECT count(*) FROM removed_rows")
    comparison.note = ROW_NOTE
    comparison.samples = {
        "added": _rows(con, f"SELECT * FROM added_rows LIMIT {int(sample)}", names),
        "removed": _rows(con, f"SELECT * FROM removed_rows LIMIT {int(sample)}", names),
        "changed": [],
    }


def _by_key(con, comparison: Comparison, expressions: dict[str, str], key: list[str], sample: int) -> None:
    names = list(expressions)
    same_key = " AND ".join(f"{expressions[k].format(t='a')} IS NOT DISTINCT FROM {expressions[k].format(t='b')}"
                            for k in key)  # fmt: skip
    same_row = " AND ".join(
        f"{sql.format(t='a')} IS NOT DISTINCT FROM {sql.format(t='b')}" for name, sql in expressions.items()
    )
    added = f"FROM version_b b WHERE NOT EXISTS (SELECT 1 FROM version_a a WHERE {same_key})"
    removed = f"FROM version_a a WHERE NOT EXISTS (SELECT 1 FROM version_b b WHERE {same_key})"
    changed = (
        f"FROM version_b b WHERE EXISTS (SELECT 1 FROM version_a a WHERE {same_key}) "
        f"AND NOT EXISTS (SELECT 1 FROM version_a a WHERE {same_row})"
    )
    comparison.added = _scalar(con, f"SELECT count(*) {added}")
    comparison.removed = _scalar(con, f"SELECT count(*) {removed}")
    comparison.changed = _scalar(con, f"SELECT count(*) {changed}")
    limit = f"LIMIT {int(sample)}"
    key_columns = ", ".join(f"{expressions[k].format(t='b')} AS {quote_identifier(k)}" for k in key)
    con.execute(f"CREATE TEMP TABLE changed_keys AS SELECT {key_columns} {changed} {limit}")
    comparison.samples = {
        "added": _rows(con, f"SELECT {_select(expressions, 'b')} {added} {limit}", names),
        "removed": _rows(con, f"SELECT {_select(expressions, 'a')} {removed} {limit}", names),
        "changed": _changed_pairs(con, expressions, key),
    }


def _changed_pairs(con, expressions: dict[str, str], key: list[str]) -> list[dict[str, Any]]:
    """Each sampled changed row (`changed_keys`) with its earlier values and the fields that differ."""
    names = list(expressions)

    def read(alias: str, table: str) -> list[dict[str, Any]]:
        match = " AND ".join(
            f"{expressions[k].format(t=alias)} IS NOT DISTINCT FROM s.{quote_identifier(k)}" for k in key
        )
        return _rows(con, f"SELECT {_select(expressions, alias)} FROM {table} {alias} "
                          f"JOIN changed_keys s ON {match}", names)  # fmt: skip

    before = {tuple(repr(row[k]) for k in key): row for row in read("a", "version_a")}
    pairs = []
    for row in read("b", "version_b"):
        earlier = before.get(tuple(repr(row[k]) for k in key), {})
        pairs.append({
            "key": {k: row[k] for k in key},
            "fields": [name for name in names if earlier.get(name) != row[name]],
            "before": earlier,
            "after": row,
        })  # fmt: skip
    return pairs


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    return value
