"""A dataset's source (where its data is fetched from, on which schedule) and its refreshes."""

from __future__ import annotations

from typing import Any

from ninja import Router
from ninja.errors import HttpError
from pydantic import Field

from datapolis.access.api import Input, editable_dataset, principal, require_write
from datapolis.sources import services, tasks
from datapolis.sources.models import DatasetSource

router = Router(tags=["sources"])


class SourceIn(Input):
    """A source. `password` is write-only (answers say `has_password`); left out, the current one is kept."""

    kind: str = ""
    location: str
    username: str = ""
    password: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    read_options: dict[str, Any] = Field(default_factory=dict)
    schedule: str = ""


def _source_of(dataset) -> DatasetSource | None:
    return DatasetSource.objects.select_related("dataset").filter(dataset=dataset).first()


@router.get("/datasets/{dataset_id}/source")
def get_source(request, dataset_id: str):
    source = _source_of(editable_dataset(request, dataset_id))
    if source is None:
        raise HttpError(404, f"Dataset {dataset_id} has no source.")
    return services.source_summary(source)


@router.put("/datasets/{dataset_id}/source")
def put_source(request, dataset_id: str, body: SourceIn):
    who = require_write(request)
    dataset = editable_dataset(request, dataset_id)
    password = body.password
    if password is None:  # keep the current password of the same account
        current = _source_of(dataset)
        keep = current is not None and current.username == body.username and current.password
        password = services.spec_of(current).password if keep else ""
    source = services.set_source(
        dataset,
        body.location,
        kind=body.kind,
        username=body.username,
        password=password,
        options=body.options,
        read_options=body.read_options,
        schedule=body.schedule,
        actor=who,
        request=request,
    )
    return services.source_summary(source)


@router.delete("/datasets/{dataset_id}/source", response={204: None})
def delete_source(request, dataset_id: str):
    who = require_write(request)
    dataset = editable_dataset(request, dataset_id)
    if not services.remove_source(dataset, actor=who, request=request):
        raise HttpError(404, f"Dataset {dataset_id} has no source.")
    return 204, None


@router.post("/datasets/{dataset_id}/refresh", response={200: dict, 202: dict})
def refresh(request, dataset_id: str, force: bool = False, wait: bool = False):
    """Queue a refresh job (202, the job); `?wait=true` refreshes in this request (200, its outcome)."""
    who = require_write(request)
    dataset = editable_dataset(request, dataset_id)
    if _source_of(dataset) is None:
        raise HttpError(404, f"Dataset {dataset_id} has no source.")
    if wait:
        return 200, services.refresh(dataset, force=force, actor=who, request=request).to_dict()
    job = tasks.refresh_job(dataset, force=force, user=principal(request).user)
    return 202, {"job": job.pk, "kind": job.kind, "dataset_id": job.dataset_id, "status": job.status,
                 "force": force}  # fmt: skip
