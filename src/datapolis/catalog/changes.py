"""What a version changed, said in the reader's language.

The store keeps each version's change as data (`Version.change`: a kind and its
parameters); pages translate it when they show it, so the French page says
« Version 1 restaurée » whatever the language of whoever rolled back.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from datapolis.engine.store import CHANGE_IMPORT, CHANGE_NOTE, CHANGE_ROLLBACK, CHANGE_STEPS


def describe_change(change: dict[str, Any] | None) -> str:
    """One short sentence for a version's change, in the active language ("" when unknown)."""
    change = change or {}
    kind = change.get("kind")
    if kind == CHANGE_ROLLBACK and change.get("version") is not None:
        return gettext("Version %(number)s restored") % {"number": change["version"]}
    if kind == CHANGE_IMPORT:
        if change.get("file"):
            return gettext("Import of %(file)s") % {"file": change["file"]}
        return gettext("Import")
    if kind == CHANGE_STEPS:
        return gettext("Processing steps applied (%(count)s)") % {"count": change.get("steps", 0)}
    if kind == CHANGE_NOTE:
        return str(change.get("text") or "")
    return ""
