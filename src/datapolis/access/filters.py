"""Row filters of grants and shares: ODSQL where conditions, checked when they are saved.

A filter is parsed with the ODSQL parser and every field it names must be a field of
the dataset, so a typo is refused when the grant is made rather than failing (or
matching nothing) on every later query. The query layer checks the filter again, with
types, when it compiles it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from datapolis.odsql import ast
from datapolis.odsql.errors import ODSQLError
from datapolis.odsql.parser import parse_where


class InvalidRowFilter(ValueError):
    """The row filter is not a valid ODSQL condition on the dataset's fields."""


def validate_row_filter(text: str | None, dataset) -> str:
    """The filter, stripped, when it is valid for `dataset`; raises InvalidRowFilter otherwise."""
    text = (text or "").strip()
    if not text:
        return ""
    try:
        clause = parse_where(text)
    except ODSQLError as error:
        raise InvalidRowFilter(_("Invalid row filter: %(error)s") % {"error": error.message}) from None
    known = set(dataset.fields.values_list("name", flat=True))
    named = {node.name for node in ast.walk(clause.expr) if isinstance(node, ast.Field)}
    unknown = sorted(name for name in named if name not in known)
    if unknown:
        raise InvalidRowFilter(
            _("Invalid row filter: %(dataset)s has no field %(fields)s.")
            % {"dataset": dataset.dataset_id, "fields": ", ".join(unknown)}
        )
    return text
