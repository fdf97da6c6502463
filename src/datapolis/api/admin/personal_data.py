"""A dataset's declaration of personal data, and the register of them for the data protection officer."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from typing import Any

from django.http import HttpResponse
from ninja import Router
from ninja.errors import HttpError

from datapolis.access.api import Input, editable_dataset, principal, require_write
from datapolis.access.policy import can_edit_dataset, may_see_personal_data_register
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
    rows = personal_data.register()
    if not who.is_admin:
        editor = replace(who, scope="write")  # their role, whatever their key's scope
        datasets = Dataset.objects.in_bulk([row["dataset_id"] for row in rows], field_name="dataset_id")
        rows = [row for row in rows if can_edit_dataset(editor, datasets[row["dataset_id"]])]
    if format == "csv":
        response = HttpResponse(register_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="personal-data-register.csv"'
        return response
    if format != "json":
        raise ValueError(f"Unknown format {format}: json or csv.")
    return rows


def register_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(personal_data.REGISTER_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[column]) for column in personal_data.REGISTER_COLUMNS])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    """Lists joined, booleans as true/false, and text a spreadsheet will not run as a formula."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = ", ".join(map(str, value)) if isinstance(value, list) else "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
