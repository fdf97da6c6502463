"""A field's type in words, in the reader's language: the pages, the back office and its messages say it so."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TYPE_LABELS = {
    "text": _("text"),
    "int": _("whole number"),
    "double": _("decimal number"),
    "boolean": _("yes/no"),
    "date": _("date"),
    "datetime": _("date and time"),
    "geo_point_2d": _("geographic point"),
    "geo_shape": _("geographic shape"),
}


def type_label(name: str) -> str:
    """The type in words, then its Explore API name: "whole number (int)"; an unknown type as is."""
    return f"{TYPE_LABELS[name]} ({name})" if name in TYPE_LABELS else name
