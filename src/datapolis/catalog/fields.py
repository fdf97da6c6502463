"""A dataset's fields as the query layer knows them: `FieldSpec`s, kept under the metadata cache."""

from __future__ import annotations

from datapolis.catalog import metadata_cache
from datapolis.catalog.models import Dataset
from datapolis.schema import FieldSpec


def field_specs(dataset: Dataset) -> list[FieldSpec]:
    """The dataset's fields, with labels, types, descriptions and annotations (cached per dataset)."""
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
