"""What the caller may query of a dataset: the access policy's answer, ready for ODSQL."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from datapolis.access.policy import DatasetView, Principal, dataset_view, principal_from_request
from datapolis.api.explore.errors import NotFound
from datapolis.catalog import metadata_cache
from datapolis.catalog.models import Dataset
from datapolis.catalog.storage import get_store
from datapolis.schema import FieldSpec


@dataclass(frozen=True)
class DatasetAccess:
    """A dataset as one caller may query it.

    `fields` is the whole schema (row filters may name fields the caller cannot see);
    `visible_fields` is what the caller's own clauses and the results may use.
    """

    view: DatasetView
    fields: list[FieldSpec]

    @property
    def dataset(self) -> Dataset:
        return self.view.dataset

    @property
    def visible_fields(self) -> frozenset[str] | None:
        return self.view.visible_fields

    @property
    def row_filters(self) -> tuple[str, ...]:
        return self.view.row_filters

    @property
    def visible_specs(self) -> list[FieldSpec]:
        visible = self.visible_fields
        return [spec for spec in self.fields if visible is None or spec.name in visible]

    @property
    def has_data(self) -> bool:
        return self.dataset.current_snapshot is not None

    def relation(self) -> str:
        """Where the current version is queried from (its serving copy when built)."""
        store = get_store()
        return store.serving_relation_sql(self.dataset.dataset_id, self.dataset.current_snapshot)


def principal(request: HttpRequest) -> Principal:
    return principal_from_request(request)


def dataset_not_found(dataset_id: str) -> NotFound:
    return NotFound(f"Unknown dataset: {dataset_id}")


def field_specs(dataset: Dataset) -> list[FieldSpec]:
    return metadata_cache.cached(("field_specs", dataset.pk), lambda: _field_specs(dataset))


def _field_specs(dataset: Dataset) -> list[FieldSpec]:
    return [
        FieldSpec(
            name=field.name,
            label=field.label,
            type=field.type,
            description=field.description or None,
            annotations=field.annotations(),
        )
        for field in dataset.fields.all()
    ]


def open_dataset(request: HttpRequest, dataset_id: str, *, data: bool = True) -> DatasetAccess:
    """The caller's view of a dataset, or 404 when it may not see it (or its data)."""
    view = dataset_view(principal(request), request.portal, dataset_id)
    if view is None or (data and not view.data_visible):
        raise dataset_not_found(dataset_id)
    return DatasetAccess(view=view, fields=field_specs(view.dataset))
