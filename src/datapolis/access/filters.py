"""Row filters of grants and shares: ODSQL where conditions, checked when they are saved.

A filter is checked by the ODSQL checker against the dataset's fields, with types, the
way the query layer will check it as a restriction, so a typo is refused when the grant
is made rather than failing (or matching nothing) on every later query.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from datapolis.odsql import ODSQLError, QuerySpec, check_query
from datapolis.schema import FieldSpec


class InvalidRowFilter(ValueError):
    """The row filter is not a valid ODSQL condition on the dataset's fields."""


def dataset_field_specs(dataset) -> list[FieldSpec]:
    return [
        FieldSpec(name=field.name, label=field.label, type=field.type, annotations=field.annotations())
        for field in dataset.fields.all()
    ]


def validate_row_filter(text: str | None, dataset) -> str:
    """The filter, stripped, when it is valid for `dataset`; raises InvalidRowFilter otherwise."""
    text = (text or "").strip()
    if not text:
        return ""
    try:
        check_query(QuerySpec(restrictions=[text]), dataset_field_specs(dataset))
    except ODSQLError as error:
        raise InvalidRowFilter(_("Invalid row filter: %(error)s") % {"error": error.message}) from None
    return text
