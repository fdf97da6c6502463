"""Personal data: which declared fields a dataset's steps protect, and the register for the data protection officer.

A dataset declared as holding personal data (`PersonalData`) may be published as open
data (published and public) only when every declared field is covered by a processing
step: dropped (`drop`, or left out by `keep`) or anonymised (`anonymise`, any method).
A step that renames or copies a declared field does not cover it.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext as _

from datapolis.audit.exports import safe_cell
from datapolis.catalog.models import Dataset, PersonalData, Status, Visibility

REGISTER_COLUMNS = (
    "dataset_id",
    "title",
    "publisher",
    "fields",
    "purpose",
    "legal_basis",
    "retention",
    "contact",
    "declared",
    "open_data",
    "unprotected_fields",
)


class PersonalDataExposed(ValueError):
    """Publishing as open data would expose declared personal fields that no step protects."""


def declaration(dataset: Dataset) -> PersonalData | None:
    try:
        return dataset.personal_data
    except PersonalData.DoesNotExist:
        return None


def covered_fields(steps: list[dict[str, Any]]) -> set[str]:
    """Fields the steps drop or anonymise (names as the steps see them)."""
    covered: set[str] = set()
    for step in steps:
        options = step.get("options") or {}
        if step.get("kind") in ("anonymise", "drop"):
            covered.update(options.get("fields") or [])
    return covered


def dropped_by_keep(steps: list[dict[str, Any]], names: list[str]) -> set[str]:
    kept_lists = [set(step["options"].get("fields") or []) for step in steps if step.get("kind") == "keep"]
    return {name for name in names if any(name not in kept for kept in kept_lists)}


def unprotected_fields(dataset: Dataset, steps: list[dict[str, Any]] | None = None) -> list[str]:
    """Declared personal fields that no step drops or anonymises."""
    found = declaration(dataset)
    if found is None:
        return []
    steps = dataset.steps if steps is None else steps
    declared = list(found.fields)
    covered = covered_fields(steps) | dropped_by_keep(steps, declared)
    return [name for name in declared if name not in covered]


def check_open_publication(dataset: Dataset, *, status: str, visibility: str, steps=None) -> None:
    """Raise PersonalDataExposed when `dataset` would be open data with unprotected personal fields."""
    if status != Status.PUBLISHED or visibility != Visibility.PUBLIC:
        return
    exposed = unprotected_fields(dataset, steps)
    if exposed:
        raise PersonalDataExposed(
            _(
                "%(dataset)s holds personal data: the fields %(fields)s must be dropped or anonymised by a "
                "processing step before it is published as open data (or keep it restricted)."
            )
            % {"dataset": dataset.dataset_id, "fields": ", ".join(exposed)}
        )


def register() -> list[dict[str, Any]]:
    """One row per declared dataset, for the register page and its CSV."""
    entries = PersonalData.objects.select_related("dataset").order_by("dataset__dataset_id")
    return [register_row(entry) for entry in entries]


def register_row(entry: PersonalData) -> dict[str, Any]:
    """A declaration as the register, the CLI and the admin API show it (REGISTER_COLUMNS)."""
    dataset = entry.dataset
    return {
        "dataset_id": dataset.dataset_id,
        "title": dataset.title,
        "publisher": dataset.publisher,
        "fields": list(entry.fields),
        "purpose": entry.purpose,
        "legal_basis": entry.legal_basis,
        "retention": entry.retention,
        "contact": entry.contact,
        "declared": entry.declared.isoformat(),
        "open_data": dataset.status == Status.PUBLISHED and dataset.visibility == Visibility.PUBLIC,
        "unprotected_fields": unprotected_fields(dataset),
    }


def register_csv(rows: list[dict[str, Any]]) -> str:
    """The register as a `;` CSV: lists joined with ", ", booleans as true/false, no formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(REGISTER_COLUMNS)
    for row in rows:
        writer.writerow([safe_cell(_cell_text(row[column])) for column in REGISTER_COLUMNS])
    return buffer.getvalue()


def _cell_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return ", ".join(map(str, value)) if isinstance(value, list) else value
