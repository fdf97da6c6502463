"""A dataset's processing steps (and their preview), its Table Schema, and its validation now."""

from __future__ import annotations

from typing import Any

from ninja import Router
from ninja.errors import HttpError
from pydantic import Field

from datapolis.access.api import Input, editable_dataset, require_write
from datapolis.api.admin.common import ingest_refused, step_refused
from datapolis.catalog import preparation
from datapolis.catalog import services as catalog
from datapolis.catalog.models import Dataset, SchemaMode
from datapolis.ingest import IngestError
from datapolis.steps import StepError, parse_steps
from datapolis.validation import load_schema

router = Router(tags=["preparation"])

MAX_PREVIEW_ROWS = 100


class StepIn(Input):
    """One processing step: its kind and options (docs/steps.md)."""

    kind: str
    options: dict[str, Any] = Field(default_factory=dict)


class StepsIn(Input):
    steps: list[StepIn]


class SchemaIn(Input):
    """A Table Schema: its `descriptor`, or the `url` it is published at (fetched), or both (the url kept)."""

    url: str = ""
    descriptor: dict[str, Any] | None = None
    mode: str = SchemaMode.WARN.value


def steps_answer(dataset: Dataset) -> dict[str, Any]:
    return {
        "dataset_id": dataset.dataset_id,
        "steps": list(dataset.steps or []),
        "version": dataset.current_version,
        "records": dataset.records_count,
        "step_counts": (dataset.source or {}).get("step_counts") or [],
    }


@router.get("/datasets/{dataset_id}/steps")
def get_steps(request, dataset_id: str):
    return steps_answer(editable_dataset(request, dataset_id))


@router.put("/datasets/{dataset_id}/steps")
def put_steps(request, dataset_id: str, body: StepsIn):
    """Replace the steps; the kept raw data is published again through them (a new version)."""
    who = require_write(request)
    dataset = editable_dataset(request, dataset_id)
    try:
        catalog.set_steps(dataset, [step.model_dump() for step in body.steps], actor=who, request=request)
    except StepError as error:
        return step_refused(error)
    except IngestError as error:
        return ingest_refused(error)
    return steps_answer(Dataset.objects.get(pk=dataset.pk))


@router.post("/datasets/{dataset_id}/steps/preview")
def preview_steps(request, dataset_id: str, body: StepsIn, limit: int = 20):
    """What `steps` would make of the kept raw data: fields, first rows, rows in and out of each step."""
    dataset = editable_dataset(request, dataset_id)
    try:
        parsed = parse_steps([step.model_dump() for step in body.steps])
        result = preparation.preview(dataset, parsed, limit=max(1, min(limit, MAX_PREVIEW_ROWS)))
    except StepError as error:
        return step_refused(error)
    except IngestError as error:
        return ingest_refused(error)
    except LookupError as error:
        raise HttpError(409, str(error)) from error
    return result.to_dict()


def schema_answer(dataset: Dataset) -> dict[str, Any]:
    descriptor = dataset.table_schema or {}
    return {
        "dataset_id": dataset.dataset_id,
        "url": dataset.table_schema_url,
        "mode": str(dataset.schema_mode),
        "name": descriptor.get("name", ""),
        "title": descriptor.get("title", ""),
        "version": descriptor.get("version", ""),
        "descriptor": descriptor,
    }


@router.get("/datasets/{dataset_id}/schema")
def get_schema(request, dataset_id: str):
    dataset = editable_dataset(request, dataset_id)
    if not dataset.table_schema:
        raise HttpError(404, f"Dataset {dataset_id} declares no Table Schema.")
    return schema_answer(dataset)


@router.put("/datasets/{dataset_id}/schema")
def put_schema(request, dataset_id: str, body: SchemaIn):
    who = require_write(request)
    dataset = editable_dataset(request, dataset_id)
    if body.mode not in SchemaMode.values:
        raise ValueError(f"Unknown mode {body.mode}: choose one of {', '.join(SchemaMode.values)}.")
    descriptor = body.descriptor
    if descriptor is None:
        if not body.url:
            raise ValueError("Send the schema's descriptor or its url.")
        try:
            descriptor = load_schema(body.url, fetch=preparation.fetch_schema).descriptor
        except ValueError:
            raise
        except Exception as error:  # the fetch failed (address refused, unreachable, too large)
            raise ValueError(f"The schema could not be fetched from {body.url}: {error}") from error  # fmt: skip
    catalog.set_schema(dataset, descriptor, url=body.url, mode=body.mode, actor=who, request=request)
    return schema_answer(Dataset.objects.get(pk=dataset.pk))


@router.delete("/datasets/{dataset_id}/schema", response={204: None})
def delete_schema(request, dataset_id: str):
    who = require_write(request)
    dataset = editable_dataset(request, dataset_id)
    if not dataset.table_schema:
        raise HttpError(404, f"Dataset {dataset_id} declares no Table Schema.")
    catalog.remove_schema(dataset, actor=who, request=request)
    return 204, None


@router.get("/datasets/{dataset_id}/validation")
def validation(request, dataset_id: str, max_errors: int = 1000):
    """The current version checked against the dataset's schema now (not the report kept at import)."""
    dataset = editable_dataset(request, dataset_id)
    if not dataset.table_schema:
        raise HttpError(404, f"Dataset {dataset_id} declares no Table Schema.")
    if dataset.current_version is None:
        raise HttpError(409, f"Dataset {dataset_id} has no data to validate.")
    report = catalog.validate_current(dataset, max_errors=max(1, min(max_errors, 10_000)))
    return {"dataset_id": dataset_id, "version": dataset.current_version, **report.to_dict()}
