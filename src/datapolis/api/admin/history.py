"""A dataset's lineage (each version: where its data came from, what steps did, whether it was valid).

And the comparison of two versions (`datapolis.catalog.comparison`).
"""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict
from pydantic import Field as PydanticField

from datapolis.access.api import editable_dataset
from datapolis.catalog import services as catalog
from datapolis.catalog.comparison import compare_versions
from datapolis.engine.store import VersionNotFound

router = Router(tags=["history"])


def validation_summary(report: dict[str, Any] | None) -> dict[str, Any] | None:
    if not report:
        return None
    return {
        "valid": report.get("valid"),
        "rows": report.get("rows"),
        "error_count": report.get("error_count"),
        "by_rule": report.get("by_rule") or {},
        "by_field": report.get("by_field") or {},
        "missing_fields": report.get("missing_fields") or [],
        "schema": report.get("schema") or {},
    }


def steps_with_counts(origin: dict[str, Any]) -> list[dict[str, Any]]:
    """The version's steps, each with its rows in and out (the counts name steps 1-based)."""
    counts = {count.get("step"): count for count in origin.get("step_counts") or []}
    steps = []
    for position, step in enumerate(origin.get("steps") or [], start=1):
        count = counts.get(position, {})
        steps.append({"step": position, "kind": step.get("kind"), "options": step.get("options") or {},
                      "rows_in": count.get("rows_in"), "rows_out": count.get("rows_out"),
                      "changed": count.get("changed")})  # fmt: skip
    return steps


def lineage_entry(version, current: int | None) -> dict[str, Any]:
    origin = version.origin or {}
    return {
        "version": version.number,
        "current": version.number == current,
        "created_at": version.created_at.isoformat(),
        "records": version.row_count,
        "filename": origin.get("filename") or version.source.get("original_name"),
        "url": origin.get("url"),
        "fetched": origin.get("fetched"),
        "steps": steps_with_counts(origin),
        "validation": validation_summary(origin.get("validation")),
    }


@router.get("/datasets/{dataset_id}/lineage")
def lineage(request, dataset_id: str):
    """Every version, newest first."""
    dataset = editable_dataset(request, dataset_id)
    versions = catalog.versions(dataset) if dataset.current_version is not None else []
    return {
        "dataset_id": dataset_id,
        "current_version": dataset.current_version,
        "versions": [lineage_entry(version, dataset.current_version) for version in reversed(versions)],
    }


class CompareQuery(Schema):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: int = PydanticField(alias="from")
    to: int


@router.get("/datasets/{dataset_id}/compare")
def compare(request, dataset_id: str, query: Query[CompareQuery]):
    """Rows added, removed and changed from version `from` to version `to` (by key when the dataset has one)."""
    dataset = editable_dataset(request, dataset_id)
    try:
        return compare_versions(dataset, query.from_, query.to).to_dict()
    except VersionNotFound as error:
        raise HttpError(404, f"Dataset {dataset_id} has no such version.") from error
