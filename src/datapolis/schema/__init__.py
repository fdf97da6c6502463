"""The bottom of the Django-free core: what the readers, the store, ODSQL and tiles share.

- `fields`: the field types, their storage types, `FieldSpec`, the technical columns;
- `words`: what a word of a text is, for full-text search (query side and word index);
- `relation`: `Relation`, the plain description of what a query reads (its SQL, word
  index, row id column, clustered copy), which the store hands to the query layer.

Imports nothing else of Datapolis.
"""

from datapolis.schema.fields import (
    FIELD_TYPES,
    RECORD_ID_COLUMN,
    RECORD_TIMESTAMP_COLUMN,
    STORAGE_TYPES,
    TECHNICAL_COLUMNS,
    FieldSpec,
    FieldType,
    normalise_field_name,
)
from datapolis.schema.relation import Relation, SearchIndex

__all__ = [
    "FIELD_TYPES",
    "RECORD_ID_COLUMN",
    "RECORD_TIMESTAMP_COLUMN",
    "STORAGE_TYPES",
    "TECHNICAL_COLUMNS",
    "FieldSpec",
    "FieldType",
    "Relation",
    "SearchIndex",
    "normalise_field_name",
]
