"""Row filters of shares and grants: ODSQL where conditions, checked when they are saved.

A filter is checked by the ODSQL checker against the dataset's fields, with types, the
way the query layer will check it as a restriction, so a typo is refused when the share
or grant is made rather than failing (or matching nothing) on every later query.

Here, below `access`, so that shares (portals) and grants (access) use the one check.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _

from datapolis.catalog.fields import field_specs
from datapolis.odsql import ODSQLError, QuerySpec, check_query


class InvalidRowFilter(ValueError):
    """The row filter is not a valid ODSQL condition on the dataset's fields."""


def validate_row_filter(text: str | None, dataset) -> str:
    """The filter, stripped, when it is valid for `dataset`; raises InvalidRowFilter otherwise."""
    text = (text or "").strip()
    if not text:
        return ""
    try:
        check_query(QuerySpec(restrictions=[text]), field_specs(dataset))
    except ODSQLError as error:
        raise InvalidRowFilter(_("Invalid row filter: %(error)s") % {"error": error.message}) from None
    return text


class RowFilterForm(forms.ModelForm):
    """Refuses a row filter the ODSQL checker rejects for the chosen dataset (admin forms of shares and grants)."""

    def clean(self):
        cleaned = super().clean()
        dataset = cleaned.get("dataset") or getattr(self.instance, "dataset", None)
        if dataset is not None:
            try:
                cleaned["row_filter"] = validate_row_filter(cleaned.get("row_filter"), dataset)
            except InvalidRowFilter as error:
                self.add_error("row_filter", str(error))
        return cleaned
