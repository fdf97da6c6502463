"""`{{ version|change_text }}`: a version's change in the page's language."""

from __future__ import annotations

from django import template

from datapolis.catalog.changes import describe_change
from datapolis.engine import Version

register = template.Library()


@register.filter
def change_text(version: Version) -> str:
    return describe_change(getattr(version, "change", None)) or (getattr(version, "message", None) or "")
