"""A dataset's declaration of personal data, and the register of them for the data protection officer."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja import Router
from ninja.errors import HttpError

from datapolis.access.api import Input, editable_dataset, principal, require_write
from datapolis.access.policy import may_see_personal_data_register, personal_data_register
from datapolis.catalog import personal_data
from datapolis.catalog import services as catalog
from datapolis.catalog.models import Dataset

router = Router(tags=["personal data"])


class PersonalDataIn(Input):
    """The declaration, in the words it is read with (`GET` answers the same keys and the computed ones)."""

    fields: list[str]
    purpose: str
    legal_basis: str
    retention: str
    contact: str


def declaration_answer(dataset: Dataset) -> dict[str, Any]:
    entry = personal_data.declaration(dataset)
    if entry is None:
        raise HttpError(404, f"Dataset {dataset.dataset_id} declares no personal data.")
    return personal_data.register_row(entry)


@router.get("/datasets/{dataset_id}/personal-data")
def get_declaration(request, dataset_id: str):
    return declaration_answer(editable_dataset(request, dataset_id))


@router.put("/datasets/{dataset_id}/personal-data")
def put_declaration(request, dataset_id: str, body: PersonalDataIn):
    who = require_write(request)
    dataset = editable_dataset(request, dataset_id)
    catalog.declare_personal_data(dataset, fields=body.fields, purpose=body.purpose, legal_basis=body.legal_basis,
                                  retention=body.retention, contact=body.contact, actor=who,
                                  request=request)  # fmt: skip
    return declaration_answer(Dataset.objects.get(pk=dataset.pk))


@router.delete("/datasets/{dataset_id}/personal-data", response={204: None})
def delete_declaration(request, dataset_id: str):
    who = require_write(request)
    dataset = editable_dataset(request, dataset_id)
    if not catalog.withdraw_personal_data(dataset, actor=who, request=request):
        raise HttpError(404, f"Dataset {dataset_id} declares no personal data.")
    return 204, None


@router.get("/personal-data")
def register(request, format: str = "json"):
    """The register: instance admins read every entry, portal admins those of the datasets they edit."""
    who = principal(request)
    if not may_see_personal_data_register(who):
        raise HttpError(403, "Only instance and portal admins may read the register of personal data.")
    rows = personal_data_register(who)
    if format == "csv":
        response = HttpResponse(personal_data.register_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="personal-data-register.csv"'
        return response
    if format != "json":
        raise ValueError(f"Unknown format {format}: json or csv.")
    return rows
