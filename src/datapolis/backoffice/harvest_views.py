"""Harvesting in the back office, for the instance's administrators (`may_manage_harvests`).

The sources with their last run, a form to add one, each source's runs with their report,
and "Run now": a harvest job of the job worker (`harvest.tasks.harvest_job`), followed on
the job page like an import. Thin views over `datapolis.harvest.services` and its models.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from datapolis.backoffice.errors import explain
from datapolis.backoffice.forms import HarvestSourceForm
from datapolis.backoffice.permissions import harvest_view
from datapolis.harvest import services, tasks
from datapolis.harvest.models import HarvestRun, HarvestSource
from datapolis.jobs.models import Job, JobStatus

RUNS_PER_PAGE = 20


def outcome_text(outcome: str, count: int) -> str:
    """ "3 created", "1 failed"... in the agent's language."""
    texts = {
        "created": ngettext("%(count)s created", "%(count)s created", count),
        "updated": ngettext("%(count)s updated", "%(count)s updated", count),
        "unchanged": ngettext("%(count)s unchanged", "%(count)s unchanged", count),
        "gone": ngettext("%(count)s gone", "%(count)s gone", count),
        "failed": ngettext("%(count)s failed", "%(count)s failed", count),
    }
    return texts[outcome] % {"count": count}


def counts_text(counts: dict[str, Any]) -> str:
    """What a run did, in one line: "2 created, 1 updated, 10 unchanged, 0 gone, 0 failed"."""
    return ", ".join(outcome_text(outcome, int(counts.get(outcome) or 0)) for outcome in services.OUTCOMES)


def _with_counts(sources: QuerySet[HarvestSource]) -> QuerySet[HarvestSource]:
    last_run = HarvestRun.objects.filter(source=OuterRef("pk")).order_by("-started").values("pk")[:1]
    return sources.annotate(
        datasets_count=Count("datasets"),
        gone_count=Count("datasets", filter=Q(datasets__gone=True)),
        last_run_id=Subquery(last_run),
    )


def _pending_jobs() -> dict[str, Job]:
    """The harvest queued or running for each source, by its name."""
    pending = Job.objects.filter(kind=tasks.HARVEST_JOB, status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
    return {job.parameters.get("source"): job for job in pending.order_by("created")}


@harvest_view
def sources(request):
    listed = list(_with_counts(HarvestSource.objects.all()))
    last_runs = HarvestRun.objects.in_bulk([source.last_run_id for source in listed if source.last_run_id])
    pending = _pending_jobs()
    rows = []
    for source in listed:
        last = last_runs.get(source.last_run_id)
        rows.append({
            "source": source,
            "last_run": last,
            "last_counts": counts_text(last.counts()) if last else "",
            "job": pending.get(source.name),
        })  # fmt: skip
    return render(request, "backoffice/harvest_sources.html", {"rows": rows})


@harvest_view
def add_source(request):
    form = HarvestSourceForm(request.POST) if request.method == "POST" else HarvestSourceForm()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            source = services.add_source(
                data["name"],
                data["url"],
                data["kind"],
                organisation=data["organisation"].strip(),
                metadata_only=data["metadata_only"],
                every=data["every"],
                api_key=data["api_key"],
                actor=request.user,
                request=request,
            )
        except services.HarvestError as error:
            form.add_error(None, _("The source cannot be added: %(reason)s") % {"reason": error})
        else:
            if source.every:
                text = _("The source “%(name)s” is added. The job worker harvests it within a minute.")
            else:
                text = _("The source “%(name)s” is added. Harvest it with “Run now”.")
            messages.success(request, text % {"name": source.name})
            return redirect("backoffice:harvest_source", name=source.name)
    return render(
        request, "backoffice/harvest_add.html", {"form": form}, status=400 if form.is_bound and form.errors else 200
    )


@harvest_view
def source(request, name: str):
    source = get_object_or_404(_with_counts(HarvestSource.objects.all()), name=name)
    page = Paginator(source.runs.all(), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    # The datasets the source brought in, still here: a report's identifier links to its page when it is one.
    harvested = dict(source.datasets.values_list("remote_id", "dataset__dataset_id"))
    present = set(harvested.values())
    return render(
        request,
        "backoffice/harvest_source.html",
        {
            "source": source,
            "page": page,
            "runs": [_run_report(run, present, harvested) for run in page.object_list],
            "job": _pending_jobs().get(source.name),
        },
    )


def _run_report(run: HarvestRun, present: set[str], harvested: dict[str, str]) -> dict[str, Any]:
    """A run with its report as lists of items to show: {"id", "dataset" (local id to link, or None), "reason"}."""
    sections = []
    report = run.report or {}
    for outcome in services.OUTCOMES:
        items = []
        for entry in report.get(outcome) or []:
            if isinstance(entry, dict):  # failed: the identifier at the source, and why
                remote_id = str(entry.get("id", ""))
                items.append({"id": remote_id, "dataset": harvested.get(remote_id), "reason": entry.get("reason", "")})
            else:
                items.append({"id": entry, "dataset": entry if entry in present else None, "reason": ""})
        if items:
            sections.append({"outcome": outcome, "title": outcome_text(outcome, len(items)), "items": items})
    return {"run": run, "counts": counts_text(run.counts()), "sections": sections}


@harvest_view
@require_POST
def run_now(request, name: str):
    source = get_object_or_404(HarvestSource, name=name)
    job = tasks.harvest_job(source, user=request.user)
    return redirect("backoffice:job", job_id=job.pk)


def job_context(job: Job) -> dict[str, Any]:
    """What the job page shows of a harvest job: its source, and what the run did once done."""
    name = (job.parameters or {}).get("source", "")
    return {
        "is_harvest": True,
        "source_name": name,
        "harvest_source": HarvestSource.objects.filter(name=name).first(),
        "harvest_counts": counts_text(job.result) if job.status == JobStatus.SUCCEEDED else "",
        "problem": explain(job.error) if job.status == JobStatus.FAILED and job.error else None,
    }
