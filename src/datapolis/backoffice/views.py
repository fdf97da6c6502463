"""Back-office pages: thin views over `backoffice.services`."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from datapolis.access.policy import (
    editable_datasets,
    may_create_dataset,
    may_manage_harvests,
    required_organisations,
    session_principal,
)
from datapolis.backoffice import harvest_views, services, uploads
from datapolis.backoffice.errors import explain
from datapolis.backoffice.forms import (
    DeleteForm,
    FieldFormSet,
    MetadataForm,
    ReadOptionsForm,
    SourceForm,
    metadata_initial,
)
from datapolis.backoffice.models import Upload, UploadState
from datapolis.backoffice.permissions import backoffice_view, editable_dataset, forbidden, harvest_refusal
from datapolis.catalog.models import Dataset
from datapolis.fetching import FetchError
from datapolis.harvest.tasks import HARVEST_JOB
from datapolis.ingest import IngestError
from datapolis.jobs.models import Job, JobStatus
from datapolis.sources.models import Incident
from datapolis.sources.tasks import REFRESH_JOB

EDITABLE_STATES = (UploadState.READY, UploadState.FAILED)


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# Dashboard -------------------------------------------------------------------------


@backoffice_view
def dashboard(request):
    principal = session_principal(request)
    datasets = editable_datasets(principal, request.portal).order_by("-modified")
    query = request.GET.get("q", "").strip()
    if query:
        datasets = datasets.filter(Q(dataset_id__icontains=query) | Q(title__icontains=query))
    # Freshness problems are the datasets' open incidents (opened by every refresh and every ten minutes).
    stale = request.GET.get("freshness") == "problem"
    if stale:
        datasets = datasets.filter(pk__in=Incident.objects.filter(closed__isnull=True).values("dataset"))
    page = Paginator(datasets, 50).get_page(request.GET.get("page"))
    incidents: dict[int, list[Incident]] = {}
    for incident in Incident.objects.filter(closed__isnull=True, dataset__in=[item.pk for item in page.object_list]):
        incidents.setdefault(incident.dataset_id, []).append(incident)
    for item in page.object_list:
        item.open_incidents = incidents.get(item.pk, [])
    pending = Upload.objects.filter(created_by=request.user, state__in=[*EDITABLE_STATES, UploadState.IMPORTING])
    return render(
        request,
        "backoffice/dashboard.html",
        {
            "page": page,
            "query": query,
            "stale": stale,
            "pending": pending.select_related("dataset", "job")[:20],
            "may_create": may_create_dataset(principal, request.portal),
        },
    )


# Source ----------------------------------------------------------------------------


@csrf_exempt  # the upload handler must be set before the body is read; CSRF is checked just below
@backoffice_view
def new_dataset(request):
    if not may_create_dataset(session_principal(request), request.portal):
        return forbidden(request, _("You may manage some datasets, but not create new ones on this portal."))
    return _source_step(request, None)


@csrf_exempt  # as above
@backoffice_view
def replace_data(request, dataset_id: str):
    return _source_step(request, editable_dataset(request, dataset_id))


def _source_step(request, dataset):
    if request.method == "POST":
        request.upload_handlers = [uploads.DirectUploadHandler(request, settings.DATAPOLIS_MAX_UPLOAD_BYTES)]
    return csrf_protect(_source_form)(request, dataset)


def _source_form(request, dataset):
    try:
        return _source_form_inner(request, dataset)
    finally:
        _discard_unused_files(request)


def _source_form_inner(request, dataset):
    problem = None
    form = SourceForm()
    if request.method == "POST":
        form = SourceForm(request.POST, request.FILES)
        if getattr(request, "upload_too_large", False):
            problem = explain(uploads.UploadRefused(*_too_large_args(), code="too_large"))
        elif form.is_valid():
            try:
                if form.cleaned_data["file"]:
                    upload = services.start_from_file(
                        form.cleaned_data["file"], user=request.user, portal=request.portal, dataset=dataset
                    )
                else:
                    upload = services.start_from_url(
                        form.cleaned_data["url"], user=request.user, portal=request.portal, dataset=dataset
                    )
            except (uploads.UploadRefused, FetchError) as error:
                problem = explain(error)
            else:
                services.read_preview(upload)
                return redirect("backoffice:preview", upload_id=upload.pk)
    return render(
        request,
        "backoffice/source.html",
        {
            "form": form,
            "dataset": dataset,
            "problem": problem,
            "max_size": uploads.human_size(settings.DATAPOLIS_MAX_UPLOAD_BYTES),
            "step": "source",
        },
        status=413 if problem and problem.code == "too_large" else 400 if problem else 200,
    )


def _too_large_args():
    from django.utils.translation import gettext_noop

    return (
        gettext_noop("The file is larger than the %(limit)s this instance accepts."),
        {"limit": uploads.human_size(settings.DATAPOLIS_MAX_UPLOAD_BYTES)},
    )


def _discard_unused_files(request) -> None:
    """Uploaded files no Upload took (a refused form, extra file fields) are deleted."""
    if request.method != "POST":
        return
    for stored in (item for items in request.FILES.lists() for item in items[1]):
        if (
            isinstance(stored, uploads.StoredFile)
            and not Upload.objects.filter(stored_name=stored.stored_name).exists()
        ):
            uploads.discard(stored.stored_name)


# Wizard ----------------------------------------------------------------------------


def _upload(request, upload_id) -> Upload:
    upload = get_object_or_404(Upload.objects.select_related("dataset", "job"), pk=upload_id, created_by=request.user)
    if upload.dataset is not None:
        editable_dataset(request, upload.dataset.dataset_id)
    elif not may_create_dataset(session_principal(request), request.portal):
        raise PermissionDenied("may not create datasets")
    return upload


def _wizard_redirect(upload: Upload):
    """Where an upload that is no longer being prepared goes."""
    if upload.state == UploadState.IMPORTING and upload.job_id:
        return redirect("backoffice:job", job_id=upload.job_id)
    if upload.state == UploadState.IMPORTED:
        dataset = upload.dataset or Dataset.objects.filter(dataset_id=upload.metadata.get("dataset_id")).first()
        if dataset is not None:
            return redirect("backoffice:dataset", dataset_id=dataset.dataset_id)
    return redirect("backoffice:dashboard")


def _wizard_context(upload: Upload, step: str, **extra):
    preview = upload.preview or {}
    error = preview.get("error")
    import_error = preview.get("import_error")
    return {
        "upload": upload,
        "step": step,
        "preview": preview,
        "problem": explain(error) if error else None,
        "import_problem": explain(import_error) if import_error else None,
        "source": preview.get("source") or {},
        "size": uploads.human_size(upload.size),
        **extra,
    }


@backoffice_view
def preview(request, upload_id):
    upload = _upload(request, upload_id)
    if upload.state not in EDITABLE_STATES:
        return _wizard_redirect(upload)
    source = (upload.preview or {}).get("source") or {}
    file_format = source.get("format")
    sheets = (upload.preview or {}).get("sheets") or []
    if request.method == "POST":
        form = ReadOptionsForm(request.POST, file_format=file_format, sheets=sheets)
        if form.is_valid():
            going_on = request.POST.get("action") == "next"
            if not (going_on and form.options() == upload.options and "fields" in upload.preview):
                upload = services.read_preview(upload, form.options())  # the file is read again only if needed
            if going_on and not upload.preview.get("error"):
                if upload.preview.pop("import_error", None) is not None:
                    upload.save(update_fields=["preview"])
                return redirect("backoffice:fields", upload_id=upload.pk)
            source = upload.preview.get("source") or {}
            form = ReadOptionsForm(
                initial=upload.options,
                file_format=source.get("format") or file_format,
                sheets=upload.preview.get("sheets") or [],
            )
    else:
        form = ReadOptionsForm(initial=upload.options, file_format=file_format, sheets=sheets)
    context = _wizard_context(upload, "preview", form=form)
    template = "backoffice/_preview_table.html" if _htmx(request) else "backoffice/preview.html"
    return render(request, template, context)


@backoffice_view
def fields(request, upload_id):
    upload = _upload(request, upload_id)
    if upload.state not in EDITABLE_STATES:
        return _wizard_redirect(upload)
    if upload.preview.get("error"):
        return redirect("backoffice:preview", upload_id=upload.pk)
    problem = None
    if request.method == "POST":
        formset = FieldFormSet(request.POST, initial=upload.fields, field_rows=upload.fields)
        if formset.is_valid():
            try:
                services.save_fields(upload, [form.cleaned_data for form in formset.forms])
            except IngestError as error:
                problem = explain(error)
            else:
                if upload.is_replacement:
                    return redirect("backoffice:confirm", upload_id=upload.pk)
                return redirect("backoffice:metadata", upload_id=upload.pk)
    else:
        formset = FieldFormSet(initial=upload.fields, field_rows=upload.fields)
    rows = list(zip(formset.forms, upload.fields, strict=True))
    columns = list(zip(*upload.preview.get("rows", []), strict=True)) or [()] * len(upload.fields)
    examples = {
        field["name"]: [value for value in column if value][:3]
        for field, column in zip(upload.fields, columns, strict=False)
    }
    return render(
        request,
        "backoffice/fields.html",
        _wizard_context(upload, "fields", formset=formset, rows=rows, examples=examples, type_problem=problem),
        status=400 if problem else 200,
    )


@backoffice_view
def metadata(request, upload_id):
    upload = _upload(request, upload_id)
    if upload.state not in EDITABLE_STATES:
        return _wizard_redirect(upload)
    if upload.is_replacement:
        return redirect("backoffice:confirm", upload_id=upload.pk)
    organisations = required_organisations(session_principal(request), request.portal)
    if request.method == "POST":
        form = MetadataForm(request.POST, new=True, organisations=organisations)
        if form.is_valid():
            services.save_metadata(upload, form.metadata())
            action = request.POST.get("action")
            if action in ("draft", "publish"):
                return _import(request, upload, publish=action == "publish")
            return redirect("backoffice:metadata", upload_id=upload.pk)
    else:
        defaults = {
            "dataset_id": services_dataset_id(upload),
            "title": upload.original_name.rsplit(".", 1)[0].replace("_", " ").strip(),
            "publisher": (organisations or [""])[0],
        }
        form = MetadataForm(
            initial=metadata_initial(stored=upload.metadata, **defaults)
            if upload.metadata
            else metadata_initial(**defaults),
            new=True,
            organisations=organisations,
        )
    return render(request, "backoffice/metadata.html", _wizard_context(upload, "metadata", form=form))


def services_dataset_id(upload: Upload) -> str:
    from pathlib import Path

    from datapolis.catalog.services import dataset_id_from_filename

    base = dataset_id_from_filename(Path(upload.original_name))
    candidate, number = base, 2
    while Dataset.objects.filter(dataset_id=candidate).exists():
        candidate, number = f"{base[:95]}-{number}", number + 1
    return candidate


@backoffice_view
def confirm(request, upload_id):
    """The last step of a replacement (and of a new dataset whose metadata is saved)."""
    upload = _upload(request, upload_id)
    if upload.state not in EDITABLE_STATES:
        return _wizard_redirect(upload)
    if not upload.is_replacement and not upload.metadata:
        return redirect("backoffice:metadata", upload_id=upload.pk)
    if request.method == "POST" and request.POST.get("action") in ("draft", "publish"):
        return _import(request, upload, publish=request.POST["action"] == "publish")
    return render(request, "backoffice/confirm.html", _wizard_context(upload, "confirm", dataset=upload.dataset))


def _import(request, upload: Upload, *, publish: bool):
    try:
        outcome = services.import_upload(upload, publish=publish, user=request.user, request=request)
    except services.BackofficeError as error:
        messages.error(request, explain(error).message)
        return redirect(
            "backoffice:metadata" if not upload.is_replacement else "backoffice:confirm", upload_id=upload.pk
        )
    except IngestError as error:
        upload.preview = {**upload.preview, "import_error": services.error_dict(error)}
        upload.save(update_fields=["preview"])
        return redirect("backoffice:preview", upload_id=upload.pk)
    if outcome.job is not None:
        return redirect("backoffice:job", job_id=outcome.job.pk)
    dataset = outcome.dataset
    if publish:
        messages.success(
            request,
            _("“%(title)s” is published: %(records)s records.")
            % {"title": dataset.title, "records": dataset.records_count},
        )
    else:
        messages.success(
            request,
            _("“%(title)s” is saved as a draft: %(records)s records. Only editors can see it.")
            % {"title": dataset.title, "records": dataset.records_count},
        )
    return redirect("backoffice:dataset", dataset_id=dataset.dataset_id)


@backoffice_view
@require_POST
def cancel(request, upload_id):
    upload = _upload(request, upload_id)
    dataset = upload.dataset
    if upload.state in EDITABLE_STATES:
        services.abandon(upload)
        messages.info(request, _("The file was discarded; nothing was published."))
    if dataset is not None:
        return redirect("backoffice:dataset", dataset_id=dataset.dataset_id)
    return redirect("backoffice:dashboard")


# Jobs ------------------------------------------------------------------------------


@backoffice_view
def job(request, job_id: int):
    """An import's progress (its agent's), or a harvest's (every admin who manages harvesting)."""
    job = get_object_or_404(Job, pk=job_id)
    if job.kind == HARVEST_JOB:
        if not may_manage_harvests(session_principal(request)):
            return forbidden(request, harvest_refusal())
        return _job_page(request, job, {**harvest_views.job_context(job), "upload": None})
    if job.kind == REFRESH_JOB:  # any editor of the dataset follows its refreshes
        dataset = editable_dataset(request, job.dataset_id)
        problem = explain(job.error) if job.status == JobStatus.FAILED and job.error else None
        return _job_page(request, job, {"upload": None, "is_refresh": True, "dataset": dataset, "problem": problem})
    if job.created_by_id != request.user.pk:
        raise Http404("no such job")
    upload = (
        Upload.objects.filter(job=job).first()
        or Upload.objects.filter(pk=job.parameters.get("upload"), created_by=request.user).first()
    )
    problem = explain(job.error) if job.status == JobStatus.FAILED and job.error else None
    if problem is not None and upload is not None and upload.state == UploadState.FAILED:
        upload.preview = {**upload.preview, "import_error": job.error}
        upload.save(update_fields=["preview"])
    return _job_page(request, job, {"upload": upload, "problem": problem, "step": "import"})


def _job_page(request, job: Job, extra: dict):
    context = {"job": job, **extra}
    if _htmx(request):
        if job.status == JobStatus.SUCCEEDED and job.dataset_id and not extra.get("is_refresh"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("backoffice:dataset", args=[job.dataset_id])
            return response
        return render(request, "backoffice/_job_status.html", context)
    return render(request, "backoffice/job.html", context)


# Managing a dataset ----------------------------------------------------------------


@backoffice_view
def dataset(request, dataset_id: str):
    dataset = editable_dataset(request, dataset_id)
    return render(
        request,
        "backoffice/dataset.html",
        {
            "dataset": dataset,
            "versions": services.versions(dataset),
            "events": services.recent_events(dataset),
            "jobs": Job.objects.filter(dataset_id=dataset.dataset_id)[:5],
            "public_url": frontoffice_link(dataset.dataset_id),
            "map_url": frontoffice_link(dataset.dataset_id, "map") if "geo" in dataset.features else None,
            "fields": dataset.fields.all(),
        },
    )


@backoffice_view
def dataset_metadata(request, dataset_id: str):
    dataset = editable_dataset(request, dataset_id)
    organisations = required_organisations(session_principal(request), request.portal, dataset)
    if request.method == "POST":
        form = MetadataForm(request.POST, new=False, organisations=organisations)
        if form.is_valid():
            changed = services.change_metadata(dataset, form.metadata(), user=request.user, request=request)
            if changed:
                messages.success(request, _("The description is saved."))
            return redirect("backoffice:dataset", dataset_id=dataset.dataset_id)
    else:
        form = MetadataForm(initial=metadata_initial(dataset), new=False, organisations=organisations)
    return render(request, "backoffice/dataset_metadata.html", {"dataset": dataset, "form": form})


@backoffice_view
def dataset_fields(request, dataset_id: str):
    dataset = editable_dataset(request, dataset_id)
    rows = [
        {
            "name": field.name,
            "label": field.label,
            "type": field.type,
            "description": field.description,
            "unit": field.unit,
            "facet": field.facet,
            "sortable": field.sortable,
        }
        for field in dataset.fields.all()
    ]
    if request.method == "POST":
        formset = FieldFormSet(request.POST, initial=rows, field_rows=rows, with_type=False)
        if formset.is_valid():
            changed = services.change_fields(
                dataset, [form.cleaned_data for form in formset.forms], user=request.user, request=request
            )
            if changed:
                messages.success(request, _("The fields are saved."))
            return redirect("backoffice:dataset", dataset_id=dataset.dataset_id)
    else:
        formset = FieldFormSet(initial=rows, field_rows=rows, with_type=False)
    return render(
        request,
        "backoffice/dataset_fields.html",
        {"dataset": dataset, "formset": formset, "rows": list(zip(formset.forms, rows, strict=True))},
    )


@backoffice_view
@require_POST
def dataset_publish(request, dataset_id: str):
    dataset = editable_dataset(request, dataset_id)
    try:
        services.publish(dataset, user=request.user, request=request)
    except services.BackofficeError as error:
        messages.error(request, explain(error).message)
    else:
        messages.success(request, _("The dataset is published."))
    return redirect("backoffice:dataset", dataset_id=dataset.dataset_id)


@backoffice_view
@require_POST
def dataset_unpublish(request, dataset_id: str):
    dataset = editable_dataset(request, dataset_id)
    services.unpublish(dataset, user=request.user, request=request)
    messages.success(request, _("The dataset is unpublished: only editors can see it now."))
    return redirect("backoffice:dataset", dataset_id=dataset.dataset_id)


@backoffice_view
@require_http_methods(["GET", "HEAD", "POST"])
def dataset_rollback(request, dataset_id: str, number: int):
    """GET asks to confirm (what will be restored, as which version); POST restores."""
    dataset = editable_dataset(request, dataset_id)
    target = next((version for version in services.versions(dataset) if version.number == number), None)
    if target is None:
        raise Http404("no such version")
    if request.method != "POST":
        return render(
            request,
            "backoffice/dataset_rollback.html",
            {"dataset": dataset, "target": target, "new_number": services.next_version_number(dataset)},
        )
    try:
        version = services.roll_back(dataset, number, user=request.user, request=request)
    except services.BackofficeError as error:
        messages.error(request, explain(error).message)
    else:
        messages.success(
            request,
            _("Version %(number)s is served again, as version %(new)s.") % {"number": number, "new": version.number},
        )
    return redirect("backoffice:dataset", dataset_id=dataset.dataset_id)


@backoffice_view
def dataset_delete(request, dataset_id: str):
    dataset = editable_dataset(request, dataset_id)
    form = DeleteForm(request.POST or None, dataset_id=dataset.dataset_id)
    if request.method == "POST" and form.is_valid():
        title = dataset.title
        services.delete(dataset, user=request.user, request=request)
        messages.success(request, _("“%(title)s” is deleted.") % {"title": title})
        return redirect("backoffice:dashboard")
    return render(
        request,
        "backoffice/dataset_delete.html",
        {"dataset": dataset, "form": form},
        status=400 if form.is_bound else 200,
    )


def frontoffice_link(dataset_id: str, tab: str = "dataset") -> str:
    """The portal's page of the dataset (or one of its tabs: map, table...)."""
    try:
        return reverse(f"portal:{tab}", args=[dataset_id])
    except NoReverseMatch:
        return f"/dataset/{dataset_id}/" + ("" if tab == "dataset" else f"{tab}/")
