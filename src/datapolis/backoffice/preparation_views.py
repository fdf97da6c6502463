"""Preparing a dataset in the back office: its source and schedule, its processing steps, its schema, its personal data.

Thin views over `datapolis.sources.services` and `datapolis.catalog.services`; every one
asks `editable_dataset` (the policy's `can_edit_dataset`: 403 otherwise) and is CSRF-protected.

The processing steps page keeps the agent's draft list of steps in the form itself (a
hidden JSON field), so nothing is saved before "Save and publish": each button posts the
draft back with the step being edited, and the preview endpoint (htmx, on every change)
runs the same SQL as the publication over the first rows of the kept raw data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from datapolis.access.policy import may_see_personal_data_register, session_principal
from datapolis.access.policy import personal_data_register as personal_data_register_rows
from datapolis.backoffice.errors import explain
from datapolis.backoffice.permissions import backoffice_view, editable_dataset, forbidden
from datapolis.backoffice.preparation_forms import (
    ChooseProcessorForm,
    DatasetSourceForm,
    PersonalDataForm,
    SchemaForm,
    StepOptionsForm,
    processor_description,
    processor_label,
    source_initial,
    step_initial,
)
from datapolis.catalog import preparation
from datapolis.catalog import services as catalog
from datapolis.catalog.comparison import compare_versions
from datapolis.catalog.models import Dataset, LegalBasis, SchemaMode
from datapolis.catalog.personal_data import PersonalDataExposed, declaration, register_csv, unprotected_fields
from datapolis.fetching import FetchError
from datapolis.ingest import IngestError
from datapolis.jobs.models import Job, JobStatus
from datapolis.sources import services as sources
from datapolis.sources.freshness import freshness
from datapolis.sources.models import DatasetSource, Incident
from datapolis.sources.tasks import REFRESH_JOB, refresh_job
from datapolis.steps import PROCESSORS, StepError, parse_steps
from datapolis.validation import SchemaError

PREVIEW_ROWS = 20
REFRESHES_SHOWN = 20
REPORT_ERRORS_SHOWN = 200


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _source_of(dataset: Dataset) -> DatasetSource | None:
    return DatasetSource.objects.filter(dataset=dataset).first()


def pending_refresh(dataset: Dataset) -> Job | None:
    return Job.objects.filter(
        kind=REFRESH_JOB, dataset_id=dataset.dataset_id, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).first()


# Source and schedule -----------------------------------------------------------------


def _error_field(message: str) -> str:
    """Which field of the form an `InvalidSource` message is about."""
    if message.startswith("schedule"):
        return "schedule"
    if message.startswith("reading options"):
        return "delimiter"
    if message.startswith("unknown source kind"):
        return "kind"
    return "location"


@backoffice_view
def source(request, dataset_id: str):
    dataset = editable_dataset(request, dataset_id)
    current = _source_of(dataset)
    summary = sources.source_summary(current) if current else None
    has_password = bool(summary and summary["has_password"])
    if request.method == "POST":
        form = DatasetSourceForm(request.POST, has_password=has_password)
        if form.is_valid():
            data = form.cleaned_data
            password = data["password"]
            if not password and current is not None and has_password and not data.get("forget_password"):
                password = sources.spec_of(current).password  # kept as it is
            try:
                saved = sources.set_source(
                    dataset,
                    data["location"].strip(),
                    kind=data["kind"],
                    username=data["username"].strip(),
                    password=password,
                    options=data["options"],
                    read_options=form.read_options(),
                    schedule=data["schedule"].strip(),
                    actor=request.user,
                    request=request,
                )
            except sources.InvalidSource as error:
                form.add_error(
                    _error_field(str(error)), _("The source cannot be saved: %(reason)s") % {"reason": error}
                )
            else:
                if saved.schedule:
                    messages.success(request, _("The source is saved. It is refreshed on its schedule."))
                else:
                    messages.success(request, _("The source is saved. Refresh it with “Refresh now”."))
                return redirect("backoffice:dataset_source", dataset_id=dataset.dataset_id)
    else:
        form = DatasetSourceForm(initial=source_initial(summary), has_password=has_password)
    state = freshness(dataset)
    context = {
        "dataset": dataset,
        "tab": "source",
        "form": form,
        "source": current,
        "summary": summary,
        "refreshes": list(current.refreshes.all()[:REFRESHES_SHOWN]) if current else [],
        "freshness": state,
        "incidents": Incident.objects.filter(dataset=dataset, closed__isnull=True),
        "job": pending_refresh(dataset),
    }
    return render(request, "backoffice/dataset_source.html", context, status=400 if form.errors else 200)


@backoffice_view
@require_POST
def refresh_now(request, dataset_id: str):
    dataset = editable_dataset(request, dataset_id)
    if _source_of(dataset) is None:
        messages.error(request, _("The dataset has no source to refresh: give one first."))
        return redirect("backoffice:dataset_source", dataset_id=dataset.dataset_id)
    job = refresh_job(dataset, force=request.POST.get("force") == "on", user=request.user)
    return redirect("backoffice:job", job_id=job.pk)


@backoffice_view
@require_POST
def remove_source(request, dataset_id: str):
    dataset = editable_dataset(request, dataset_id)
    if sources.remove_source(dataset, actor=request.user, request=request):
        messages.success(request, _("The source is removed: the dataset is no longer refreshed. Its data is kept."))
    return redirect("backoffice:dataset_source", dataset_id=dataset.dataset_id)


# Processing steps --------------------------------------------------------------------


@dataclass
class StepsState:
    """The page's state, from its form: the draft list, and the step being edited (a position, or a new one)."""

    draft: list[dict[str, Any]]
    editing: int | None = None  # a position in the draft, or len(draft) for a new step
    kind: str = ""
    options_form: StepOptionsForm | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        return self.editing is not None and self.editing >= len(self.draft)

    def candidate(self) -> list[dict[str, Any]]:
        """The draft with the step being edited in its place, when its options are complete."""
        form = self.options_form
        if self.editing is None or form is None or not form.is_bound or not form.is_valid():
            return list(self.draft)
        step = {"kind": self.kind, "options": form.options()}
        steps = list(self.draft)
        if self.is_new:
            steps.append(step)
        else:
            steps[self.editing] = step
        return steps


def _draft_from(request, dataset: Dataset) -> tuple[list[dict[str, Any]], list[str]]:
    text = request.POST.get("draft")
    if text is None:
        return [dict(step) for step in dataset.steps or []], []
    try:
        draft = json.loads(text or "[]")
        parse_steps(draft)
    except (ValueError, StepError):
        return [dict(step) for step in dataset.steps or []], [_("The list of steps was not readable: it is reset.")]
    return draft, []


def _state_from(request, dataset: Dataset) -> StepsState:
    draft, problems = _draft_from(request, dataset)
    state = StepsState(draft=draft, problems=problems)
    editing = request.POST.get("editing", "")
    kind = request.POST.get("editing_kind", "")
    if editing.isdigit() and kind in PROCESSORS and int(editing) <= len(draft):
        state.editing, state.kind = int(editing), kind
        state.options_form = _options_form(dataset, state, data=request.POST)
    return state


def field_names_before(dataset: Dataset, steps: list[dict[str, Any]]) -> list[str]:
    """The fields the steps make of the raw data (those a new step may use)."""
    try:
        return [spec.name for spec in preparation.preview(dataset, parse_steps(steps), limit=1).fields]
    except (LookupError, StepError, ValueError):
        raw = preparation.raw_of(dataset)
        if raw is not None and not steps:
            return [spec.name for spec in raw.fields]
        return list(dataset.fields.values_list("name", flat=True))


def _options_form(dataset: Dataset, state: StepsState, *, data=None, initial=None) -> StepOptionsForm:
    names = field_names_before(dataset, state.draft[: state.editing])
    return StepOptionsForm(data, initial=initial, processor=PROCESSORS[state.kind], field_names=names)


def _start_editing(dataset: Dataset, state: StepsState, position: int, kind: str) -> None:
    state.editing, state.kind = position, kind
    options = state.draft[position]["options"] if position < len(state.draft) else {}
    state.options_form = _options_form(dataset, state, initial=step_initial(PROCESSORS[kind], options))


def _check_step(state: StepsState) -> bool:
    """Whether the step being edited is valid as a step (its options' forms and values)."""
    form = state.options_form
    if form is None or not form.is_valid():
        return False
    try:
        parse_steps([{"kind": state.kind, "options": form.options()}])
    except StepError as error:
        form.add_error(error.option if error.option in form.fields else None, step_message(error))
        return False
    return True


def _apply_step(state: StepsState) -> bool:
    if not _check_step(state):
        return False
    state.draft = state.candidate()
    state.editing, state.kind, state.options_form = None, "", None
    return True


def _move(state: StepsState, action: str) -> None:
    verb, _sep, index_text = action.partition(":")
    if not index_text.isdigit() or int(index_text) >= len(state.draft):
        return
    index = int(index_text)
    state.editing, state.kind, state.options_form = None, "", None
    if verb == "remove":
        del state.draft[index]
    elif verb == "up" and index > 0:
        state.draft[index - 1], state.draft[index] = state.draft[index], state.draft[index - 1]
    elif verb == "down" and index < len(state.draft) - 1:
        state.draft[index + 1], state.draft[index] = state.draft[index], state.draft[index + 1]


@backoffice_view
def steps(request, dataset_id: str):
    dataset = editable_dataset(request, dataset_id)
    state = _state_from(request, dataset) if request.method == "POST" else StepsState(draft=list(dataset.steps or []))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    choose = ChooseProcessorForm(request.POST if action == "choose" else None)
    save_problem = None
    status = 200
    if action == "choose" and choose.is_valid():
        _start_editing(dataset, state, len(state.draft), choose.cleaned_data["kind"])
        choose = ChooseProcessorForm()
    elif action.startswith("edit:"):
        index = action.partition(":")[2]
        if index.isdigit() and int(index) < len(state.draft):
            _start_editing(dataset, state, int(index), state.draft[int(index)]["kind"])
    elif action.startswith(("up:", "down:", "remove:")):
        _move(state, action)
    elif action == "apply":
        if not _apply_step(state):
            status = 400
    elif action == "cancel":
        state.editing, state.kind, state.options_form = None, "", None
    elif action == "save":
        if state.editing is not None and not _apply_step(state):
            status = 400
        else:
            save_problem = _save_steps(request, dataset, state.draft)
            if save_problem is None:
                return redirect("backoffice:dataset_steps", dataset_id=dataset.dataset_id)
            status = 400
    if state.options_form is not None and state.options_form.is_bound:
        state.options_form.is_valid()  # its errors show next to its fields
    context = {
        "dataset": dataset,
        "tab": "steps",
        "state": state,
        "draft_json": json.dumps(state.draft, ensure_ascii=False),
        "draft_rows": _draft_rows(state.draft),
        "choose": choose,
        "editing_label": processor_label(state.kind) if state.kind else "",
        "editing_description": processor_description(state.kind) if state.kind else "",
        "changed": state.draft != list(dataset.steps or []),
        "save_problem": save_problem,
        "processors": [
            {"kind": kind, "label": processor_label(kind), "description": processor_description(kind)}
            for kind in PROCESSORS
        ],
        **preview_context(dataset, state.candidate()),
    }
    return render(request, "backoffice/dataset_steps.html", context, status=status)


def _draft_rows(draft: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "index": index,
            "number": index + 1,
            "kind": step["kind"],
            "label": processor_label(step["kind"]),
            "options": _options_text(step.get("options") or {}),
        }
        for index, step in enumerate(draft)
    ]


def _options_text(options: dict[str, Any]) -> str:
    parts = []
    for name, value in options.items():
        if isinstance(value, list):
            value = ", ".join(map(str, value))
        elif isinstance(value, dict):
            value = ", ".join(f"{key} → {item}" for key, item in value.items())
        parts.append(f"{name}: {value}")
    return " · ".join(parts)


@backoffice_view
@require_POST
def steps_preview(request, dataset_id: str):
    """The preview of the draft (with the step being edited) — htmx, on every change of the steps form."""
    dataset = editable_dataset(request, dataset_id)
    state = _state_from(request, dataset)
    return render(
        request, "backoffice/_steps_preview.html", {"dataset": dataset, **preview_context(dataset, state.candidate())}
    )


def preview_context(dataset: Dataset, steps_list: list[dict[str, Any]]) -> dict[str, Any]:
    """What the preview shows: the first rows, each step's rows in and out and values changed, or what failed."""
    try:
        result = preparation.preview(dataset, parse_steps(steps_list), limit=PREVIEW_ROWS)
    except StepError as error:
        return {"preview": None, "preview_error": step_problem(error)}
    except LookupError:
        return {"preview": None, "preview_error": {"message": _(
            "No raw data is kept for this dataset (it was imported before steps existed): "
            "replace its data once to prepare it."
        )}}  # fmt: skip
    except ValueError as error:
        return {"preview": None, "preview_error": {"message": str(error)}}
    names = [spec.name for spec in result.fields]
    rows = [[_cell(row.get(name)) for name in names] for row in result.rows]
    counts = [{**count.to_dict(), "label": processor_label(count.kind)} for count in result.counts]
    return {
        "preview": {"fields": result.fields, "rows": rows, "counts": counts,
                    "rows_out": counts[-1]["rows_out"] if counts else None},
        "preview_error": None,
    }  # fmt: skip


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def step_message(error: StepError) -> str:
    """What is wrong with the step, in the agent's language."""
    return _(error.template) % error.params if error.params else _(error.template)


def step_problem(error: StepError | IngestError) -> dict[str, Any]:
    """A failed step in words: which step, why, and the row and value when one failed."""
    if isinstance(error, IngestError):
        params = error.params or {}
        if error.code != "step_failed" or "step" not in params:
            return {"message": explain(error).message}
        step, kind, row, value = params.get("step"), params.get("kind", ""), params.get("row"), params.get("value")
        template = params.get("message_template")
        message = _(template) % params.get("message_params", {}) if template else params.get("message", "")
    else:
        step, kind, message, row = error.step, error.kind, step_message(error), error.row
        value = repr(error.value) if error.row is not None else None
    where = _("Step %(step)s (%(label)s)") % {"step": step, "label": processor_label(kind)} if step else ""
    detail = _("on row %(row)s, value %(value)s") % {"row": row, "value": value} if row is not None else ""
    return {"step": step, "where": where, "message": message, "detail": detail, "row": row, "value": value}


def _save_steps(request, dataset: Dataset, draft: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Save and publish the steps; None when saved (a message says which version), else the problem."""
    try:
        version = catalog.set_steps(dataset, draft, actor=request.user, request=request)
    except (StepError, IngestError) as error:
        return step_problem(error)
    except PersonalDataExposed as error:
        return {"message": str(error)}
    if version is None:
        messages.success(request, _("The steps are saved: they apply to the next import."))
    else:
        messages.success(
            request,
            _("The steps are saved and published: version %(version)s, %(records)s records.")
            % {"version": version.number, "records": version.row_count},
        )
    return None


# Schema ------------------------------------------------------------------------------


@backoffice_view
def schema(request, dataset_id: str):
    dataset = editable_dataset(request, dataset_id)
    has_schema = bool(dataset.table_schema)
    if request.method == "POST":
        form = SchemaForm(request.POST, request.FILES, has_schema=has_schema)
        if form.is_valid() and _save_schema(request, dataset, form):
            return redirect("backoffice:dataset_schema", dataset_id=dataset.dataset_id)
    else:
        form = SchemaForm(initial={"mode": dataset.schema_mode or SchemaMode.WARN}, has_schema=has_schema)
    report, report_problem = None, None
    if has_schema and dataset.current_version is not None:
        try:
            report = catalog.validate_current(dataset, max_errors=REPORT_ERRORS_SHOWN)
        except (ValueError, SchemaError) as error:
            report_problem = str(error)
    checked = preparation.schema_of(dataset) if has_schema else None
    context = {
        "dataset": dataset,
        "tab": "schema",
        "form": form,
        "schema": checked,
        "report": report,
        "report_problem": report_problem,
        "by_rule": sorted((report.by_rule if report else {}).items(), key=lambda item: -item[1]),
        "by_field": sorted((report.by_field if report else {}).items(), key=lambda item: -item[1]),
    }
    return render(request, "backoffice/dataset_schema.html", context, status=400 if form.errors else 200)


def _save_schema(request, dataset: Dataset, form: SchemaForm) -> bool:
    data = form.cleaned_data
    url = data.get("url") or ""
    try:
        if url:
            descriptor = json.loads(preparation.fetch_schema(url))
        elif data.get("file"):
            descriptor = json.loads(data["file"].read())
        else:  # only the mode changes
            descriptor, url = dataset.table_schema, dataset.table_schema_url
        if not isinstance(descriptor, dict):
            raise SchemaError("a Table Schema is a JSON object")
        checked = catalog.set_schema(dataset, descriptor, url=url, mode=data["mode"], actor=request.user,
                                     request=request)  # fmt: skip
    except FetchError as error:
        form.add_error("url", _("The schema cannot be downloaded: %(reason)s") % {"reason": explain(error).message})
        return False
    except (SchemaError, ValueError) as error:
        target = "url" if url else "file" if data.get("file") else None
        form.add_error(target, _("This is not a valid Table Schema: %(reason)s") % {"reason": error})
        return False
    messages.success(request, _("The schema “%(name)s” is declared.") % {"name": checked.title or checked.name or url})
    return True


@backoffice_view
@require_POST
def remove_schema(request, dataset_id: str):
    dataset = editable_dataset(request, dataset_id)
    if dataset.table_schema:
        catalog.remove_schema(dataset, actor=request.user, request=request)
        messages.success(request, _("The schema is removed: the data is no longer validated."))
    return redirect("backoffice:dataset_schema", dataset_id=dataset.dataset_id)


# Personal data -----------------------------------------------------------------------


@backoffice_view
def personal_data(request, dataset_id: str):
    dataset = editable_dataset(request, dataset_id)
    declared = declaration(dataset)
    choices = [(item.name, f"{item.label} ({item.name})" if item.label != item.name else item.name)
               for item in dataset.fields.all()]  # fmt: skip
    if request.method == "POST":
        form = PersonalDataForm(request.POST, field_choices=choices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                catalog.declare_personal_data(
                    dataset,
                    fields=data["personal_fields"],
                    purpose=data["purpose"],
                    legal_basis=data["legal_basis"],
                    retention=data["retention"],
                    contact=data["contact"],
                    actor=request.user,
                    request=request,
                )
            except ValueError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The personal data is declared."))
                return redirect("backoffice:dataset_personal_data", dataset_id=dataset.dataset_id)
    else:
        initial = (
            {"personal_fields": declared.fields, "purpose": declared.purpose, "legal_basis": declared.legal_basis,
             "retention": declared.retention, "contact": declared.contact}
            if declared else {"contact": dataset.contact_email}
        )  # fmt: skip
        form = PersonalDataForm(initial=initial, field_choices=choices)
    context = {
        "dataset": dataset,
        "tab": "personal_data",
        "form": form,
        "declared": declared,
        "unprotected": unprotected_fields(dataset) if declared else [],
    }
    return render(request, "backoffice/dataset_personal_data.html", context, status=400 if form.errors else 200)


@backoffice_view
@require_POST
def withdraw_personal_data(request, dataset_id: str):
    dataset = editable_dataset(request, dataset_id)
    if catalog.withdraw_personal_data(dataset, actor=request.user, request=request):
        messages.success(request, _("The personal data declaration is withdrawn."))
    return redirect("backoffice:dataset_personal_data", dataset_id=dataset.dataset_id)


@backoffice_view
def personal_data_register(request):
    """The register of personal data for the data protection officer, and its CSV (`?format=csv`)."""
    who = session_principal(request)
    if not may_see_personal_data_register(who):
        return forbidden(request, _("Only the administrators of the instance or of a portal read the register."))
    rows = personal_data_register_rows(who)
    if request.GET.get("format") == "csv":
        response = HttpResponse(register_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="registre-donnees-personnelles.csv"'
        return response
    bases = dict(LegalBasis.choices)
    for row in rows:
        row["legal_basis_label"] = bases.get(row["legal_basis"], row["legal_basis"])
    return render(request, "backoffice/personal_data_register.html", {"rows": rows})


# Comparing versions ------------------------------------------------------------------


@backoffice_view
def compare(request, dataset_id: str):
    """Rows added, removed and changed between two versions: `?to=` (the current one) and `?from=` (the one before)."""
    dataset = editable_dataset(request, dataset_id)
    numbers = [version.number for version in catalog.versions(dataset)] if dataset.current_version else []
    context: dict[str, Any] = {"dataset": dataset, "numbers": list(reversed(numbers)), "comparison": None}
    if len(numbers) >= 2:
        later = _version_number(request.GET.get("to"), dataset.current_version)
        earlier_ones = [number for number in numbers if number < later] or numbers[:1]
        earlier = _version_number(request.GET.get("from"), earlier_ones[-1])
        if later not in numbers or earlier not in numbers:
            raise Http404("no such version")
        context["comparison"] = compare_versions(dataset, earlier, later)
    return render(request, "backoffice/dataset_compare.html", context)


def _version_number(text: str | None, default: int) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        raise Http404("no such version") from None
