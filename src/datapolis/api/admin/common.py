"""What the admin API's routers of this face share: errors that name what failed."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

from datapolis.ingest import IngestError
from datapolis.steps import StepError


def step_refused(error: StepError) -> JsonResponse:
    """A step that is not valid, or failed on a value: 400 naming the step, its row and value."""
    detail = error.to_dict()
    if "value" in detail:
        detail["value"] = _json_safe(detail["value"])
    return JsonResponse({"message": str(error), "error_code": "StepError", "detail": detail}, status=400)


def ingest_refused(error: IngestError) -> JsonResponse:
    """The data refused by a step or by the schema (the served version is unchanged): 400."""
    detail = {"code": error.code, "location": error.location(), "params": _json_safe(error.params)}
    return JsonResponse(
        {"message": f"{error.location()}: {error.message}", "error_code": "IngestError", "detail": detail}, status=400
    )


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
