"""`datapolis harvest add|run|list`: gather other portals' catalogs from the shell.

`run` harvests at once in this process, as a job of the jobs app (so it is listed, and
ends, like any job); `--queue` leaves it to the job worker. API keys are read from an
environment variable, never from the command line (it would stay in the shell's history).
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from datapolis.cli_support import CommandError, cli_actor, console, print_json
from datapolis.cli_support import run_in_instance as run

harvest_app = typer.Typer(help="Harvest other portals (Opendatasoft, CKAN, DCAT).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(harvest_app, name="harvest")


@harvest_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="A name for the source (lowercase letters, digits, '-').")],
    url: Annotated[str, typer.Argument(help="The portal's address (ODS, CKAN) or the DCAT catalog's.")],
    kind: Annotated[str, typer.Option("--kind", help="ods, ckan or dcat.")] = "ods",
    organisation: Annotated[
        str, typer.Option(help="Publisher of the harvested datasets (default: the source's).")
    ] = "",
    metadata_only: Annotated[bool, typer.Option("--metadata-only", help="Harvest metadata, not data.")] = False,
    every: Annotated[str, typer.Option(help="Run on schedule: 30m, 6h, 1d, 1w (default: by hand only).")] = "",
    api_key_env: Annotated[
        str, typer.Option(help="Name of an environment variable holding the source's API key (stored encrypted).")
    ] = "",
) -> None:
    """Add a harvest source."""

    def body():
        from datapolis.harvest import services

        api_key = ""
        if api_key_env:
            api_key = os.environ.get(api_key_env, "")
            if not api_key:
                raise CommandError(f"--api-key-env: the environment variable {api_key_env} is empty or not set")
        source = services.add_source(
            name,
            url,
            kind,
            organisation=organisation,
            metadata_only=metadata_only,
            every=services.parse_every(every),
            api_key=api_key,
            actor=cli_actor(),
        )
        console.print(f"Harvest source {source.name} added ({source.kind}, {source.url}).")

    run(body)


@harvest_app.command("run")
def run_now(
    name: Annotated[str, typer.Argument(help="The source's name.")],
    queue: Annotated[bool, typer.Option("--queue", help="Leave the run to the job worker.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run's report as JSON.")] = False,
) -> None:
    """Harvest a source now and print its report."""

    def body():
        from datapolis.harvest.models import HarvestRun, HarvestSource
        from datapolis.harvest.tasks import harvest_job
        from datapolis.jobs import lifecycle

        source = HarvestSource.objects.filter(name=name).first()
        if source is None:
            raise CommandError(f"no harvest source {name!r} (see `datapolis harvest list`)")
        job = harvest_job(source)
        if queue:
            console.print(f"Harvest of {name} queued (job {job.pk}).")
            return
        lifecycle.execute(job.pk)
        harvest = HarvestRun.objects.filter(job_id=job.pk).first()
        if harvest is None:
            raise CommandError(f"the harvest of {name} did not run (job {job.pk} is already taken by a worker)")
        print_run(harvest, as_json)
        if harvest.status != "succeeded":
            raise CommandError(f"the harvest of {name} failed: {harvest.error}")

    run(body)


def run_object(harvest) -> dict:
    return {
        "source": harvest.source.name,
        "status": harvest.status,
        "started": harvest.started.isoformat(),
        "finished": harvest.finished.isoformat() if harvest.finished else None,
        "counts": harvest.counts(),
        "report": harvest.report,
        "error": harvest.error or None,
    }


def print_run(harvest, as_json: bool) -> None:
    if as_json:
        print_json(run_object(harvest))
        return
    counts = harvest.counts()
    console.print(", ".join(f"{count} {outcome}" for outcome, count in counts.items()))
    for failure in harvest.report.get("failed") or []:
        console.print(f"  failed: {failure['id']}: {failure['reason']}", highlight=False)


@harvest_app.command("list")
def list_sources(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """The harvest sources and their last run."""

    def body():
        from datapolis.harvest.models import HarvestSource

        sources = []
        for source in HarvestSource.objects.prefetch_related("runs"):
            last = source.runs.first()
            sources.append({
                "name": source.name,
                "url": source.url,
                "kind": source.kind,
                "organisation": source.organisation or None,
                "metadata_only": source.metadata_only,
                "every_seconds": int(source.every.total_seconds()) if source.every else None,
                "next_run": source.next_run.isoformat() if source.next_run else None,
                "has_api_key": source.has_api_key,
                "datasets": source.datasets.count(),
                "gone": source.datasets.filter(gone=True).count(),
                "last_run": run_object(last) if last else None,
            })  # fmt: skip
        if as_json:
            print_json(sources)
            return
        table = Table()
        for column in ("name", "kind", "url", "datasets", "last run"):
            table.add_column(column)
        for item in sources:
            last = item["last_run"]
            summary = f"{last['status']} {last['started'][:16]}" if last else "never"
            table.add_row(item["name"], item["kind"], item["url"], str(item["datasets"]), summary)
        console.print(table)

    run(body)
