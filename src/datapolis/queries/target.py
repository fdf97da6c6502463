"""A dataset as one caller may query it: the input of every query service."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from datapolis.engine import Store, Version
from datapolis.odsql import QuerySpec
from datapolis.queries.errors import NotFound, QueryError, invalid_parameter
from datapolis.queries.requests import Filters, query_spec
from datapolis.schema import FieldSpec, Relation


@dataclass(frozen=True)
class QueryTarget:
    """A dataset's current version, with what the access policy lets one caller see.

    `fields` is the whole schema (row filters may name fields the caller cannot see);
    `visible_fields` is what the caller's own clauses and the results may use (None: all);
    `row_filters` are ODSQL conditions ANDed to every query; `snapshot` is None before the
    first version is published. `past_version` is set when the snapshot is an earlier
    version's (`pinned`): it is read from the lake, where every version stays.
    """

    dataset_id: str
    fields: Sequence[FieldSpec]
    store: Store
    snapshot: int | None
    records_count: int
    visible_fields: frozenset[str] | None = None
    row_filters: tuple[str, ...] = ()
    past_version: Version | None = None

    @property
    def has_data(self) -> bool:
        return self.snapshot is not None

    @property
    def visible_specs(self) -> list[FieldSpec]:
        visible = self.visible_fields
        return [spec for spec in self.fields if visible is None or spec.name in visible]

    def relation(self) -> Relation:
        """Where the version is queried from: the current one's serving copy when built, else the lake."""
        assert self.snapshot is not None, "a dataset without a version has no relation"
        if self.past_version is not None:  # no serving copy for it: copies are for what most callers read
            return Relation(self.store.snapshot_relation_sql(self.dataset_id, self.snapshot))
        return self.store.serving_relation_sql(self.dataset_id, self.snapshot)

    def pinned(
        self,
        versions: Sequence[Version],
        *,
        version: int | None = None,
        at: datetime | None = None,
        timezone: str = "UTC",
    ) -> QueryTarget:
        """This target at another version of the dataset, read without rolling back; itself for the current one.

        `versions` are those that may be read, oldest first; `version` names one by number,
        `at` by time: the one that was current then (a time without a zone is in
        `timezone`, as datetimes in queries are). The caller's row filters and hidden fields
        apply to it as to the current one; its fields are the version's own, described as
        the catalog describes them where name and type still match.
        """
        if version is None and at is None:
            return self
        if version is not None and at is not None:
            raise QueryError("Give either the version API parameter or the at API parameter, not both.")
        if version is not None and version < 1:
            raise invalid_parameter("version", version, "a version number (1 or more)")
        chosen = (
            _numbered(self.dataset_id, versions, version)
            if version is not None
            else _current_at(self.dataset_id, versions, _aware(at, timezone))
        )
        if chosen.snapshot_id == self.snapshot:
            return self
        return replace(
            self,
            fields=_described(chosen, self.fields),
            snapshot=chosen.snapshot_id,
            records_count=chosen.row_count,
            past_version=chosen,
        )

    def query_spec(self, request: Filters, **bounds: Any) -> QuerySpec:
        """The ODSQL request of `request` under what this caller may see (row filters, fields)."""
        return query_spec(request, restrictions=self.row_filters, visible_fields=self.visible_fields, **bounds)

    def run(self, sql: str, params: dict[str, Any]) -> list[tuple]:
        """Rows of a compiled query, on this thread's cursor (interrupted past the query deadline)."""
        return self.store.cursor().execute(sql, params).fetchall()


def _aware(moment: datetime, timezone: str) -> datetime:
    if moment.tzinfo is not None:
        return moment
    try:
        return moment.replace(tzinfo=ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise invalid_parameter("timezone", timezone, "an IANA time zone such as Europe/Paris") from error


def _numbered(dataset_id: str, versions: Sequence[Version], number: int) -> Version:
    for version in versions:
        if version.number == number:
            return version
    raise NotFound(f"Dataset {dataset_id} has no version {number}.")


def _current_at(dataset_id: str, versions: Sequence[Version], moment: datetime) -> Version:
    published = [version for version in versions if version.created_at <= moment]
    if published:
        return published[-1]
    first = f" (its first is of {versions[0].created_at.isoformat(timespec='seconds')})" if versions else ""
    raise NotFound(f"Dataset {dataset_id} had no version yet at {moment.isoformat()}{first}.")


def _described(version: Version, current: Sequence[FieldSpec]) -> list[FieldSpec]:
    by_name = {spec.name: spec for spec in current}
    return [
        by_name[spec.name] if spec.name in by_name and by_name[spec.name].type == spec.type else spec
        for spec in version.fields
    ]
