"""`datapolis source`, `refresh` and `freshness`: a dataset's source, its refreshes and who is late.

Passwords are read from an environment variable (`--password-env`), never from the
command line (it would stay in the shell's history), and stored encrypted.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from datapolis.cli_support import CommandError, cli_actor, console, print_json
from datapolis.cli_support import run_in_instance as run


def register(app: typer.Typer) -> None:
    app.command("source")(source)
    app.command("refresh")(refresh)
    app.command("freshness")(freshness)


def _dataset(dataset_id: str, *, create: bool = False):
    from datapolis.catalog import services as catalog
    from datapolis.catalog.models import Dataset

    dataset = Dataset.objects.filter(dataset_id=dataset_id).first()
    if dataset is None and create:
        return catalog.create_draft(catalog.validate_dataset_id(dataset_id))
    if dataset is None:
        raise CommandError(f"no dataset {dataset_id!r} (see `datapolis datasets`)")
    return dataset


def _options(values: list[str]) -> dict[str, str]:
    options = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"--option {value!r}: write KEY=VALUE")
        options[key.strip()] = text
    return options


def source(
    dataset_id: Annotated[str, typer.Argument(help="The dataset (created as a draft if it does not exist).")],
    location: Annotated[
        str, typer.Argument(help="URL (http, https, ftp, sftp), or a file or folder of this server.")
    ] = "",
    every: Annotated[str, typer.Option("--every", help="Schedule: 30m, 6h, 1d, 1w or a cron expression.")] = "",
    kind: Annotated[
        str, typer.Option(help="url, ftp, sftp, folder, ogc_features, wfs or arcgis (default: from the location).")
    ] = "",
    username: Annotated[str, typer.Option(help="FTP or SFTP user name.")] = "",
    password_env: Annotated[
        str, typer.Option(help="Environment variable holding the password (stored encrypted).")
    ] = "",
    option: Annotated[
        list[str], typer.Option("--option", help="A source option KEY=VALUE (e.g. collection=, layer=, pattern=).")
    ] = [],  # noqa: B006
    delimiter: Annotated[str, typer.Option(help="CSV delimiter of the fetched files (default: detected).")] = "",
    encoding: Annotated[str, typer.Option(help="Text encoding of the fetched files (default: detected).")] = "",
    draft: Annotated[
        bool, typer.Option("--draft", help="Keep a new dataset as a draft after its first refresh.")
    ] = False,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the dataset's source.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the source as JSON.")] = False,
) -> None:
    """Show or set a dataset's source and schedule; a dataset without data is refreshed at once."""

    def _set(dataset) -> None:
        from datapolis.sources import services

        password = ""
        if password_env:
            password = os.environ.get(password_env, "")
            if not password:
                raise CommandError(f"--password-env: the environment variable {password_env} is empty or not set")
        read_options = {key: value for key, value in (("delimiter", delimiter), ("encoding", encoding)) if value}
        services.set_source(dataset, location, kind=kind, username=username, password=password,
                            options=_options(option), read_options=read_options, schedule=every,
                            actor=cli_actor())  # fmt: skip

    def body():
        from django.db import transaction

        from datapolis.sources import services
        from datapolis.sources.models import DatasetSource

        result = None
        if location:
            with transaction.atomic():  # a dataset created here exists only with its source
                dataset = _dataset(dataset_id, create=True)
                _set(dataset)
            if dataset.current_version is None:
                result = services.refresh(dataset, publish=not draft, actor=cli_actor())
                if not as_json:  # with --json, the refresh is part of the one JSON object printed
                    _print_refresh(result, as_json=False)
        dataset = _dataset(dataset_id)
        if remove:
            removed = services.remove_source(dataset, actor=cli_actor())
            console.print(f"Source of {dataset_id} removed." if removed else f"{dataset_id} had no source.")
            return
        found = DatasetSource.objects.filter(dataset=dataset).first()
        if found is None:
            raise CommandError(f"{dataset_id} has no source (set one: datapolis source {dataset_id} URL)")
        summary = services.source_summary(found)
        if as_json:
            print_json({**summary, "refresh": result.to_dict()} if result is not None else summary)
        else:
            schedule = summary["schedule"] or "by hand"
            console.print(
                f"{dataset_id} ← {summary['location']} ({summary['kind']}, {schedule})", highlight=False, soft_wrap=True
            )  # fmt: skip  (a long location stays on one line, to be copied)
            if summary["next_run"]:
                console.print(f"  next refresh: {summary['next_run'][:16]}")
        if result is not None and result.refresh.outcome == "failed":  # the source is kept, to be fixed
            raise CommandError(
                f"the first refresh of {dataset_id} failed; fix the source and run: datapolis refresh {dataset_id}"
            )

    run(body)


def refresh(
    dataset_id: Annotated[str, typer.Argument(help="The dataset to refresh from its source.")],
    force: Annotated[bool, typer.Option("--force", help="Import even when the source did not change.")] = False,
    queue: Annotated[bool, typer.Option("--queue", help="Leave the refresh to the job worker.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the refresh as JSON.")] = False,
) -> None:
    """Fetch a dataset's source now; print whether a new version was made."""

    def body():
        from datapolis.sources import services
        from datapolis.sources.tasks import refresh_job

        dataset = _dataset(dataset_id)
        if not hasattr(dataset, "refresh_source"):
            raise CommandError(f"{dataset_id} has no source (set one: datapolis source {dataset_id} URL)")
        if queue:
            job = refresh_job(dataset, force=force)
            console.print(f"Refresh of {dataset_id} queued (job {job.pk}).")
            return
        result = services.refresh(dataset, force=force, actor=cli_actor())
        _print_refresh(result, as_json)
        if result.refresh.outcome == "failed":
            raise CommandError(f"the refresh of {dataset_id} failed; the last good version stays published")

    run(body)


def _print_refresh(result, as_json: bool) -> None:
    data = result.to_dict()
    if as_json:
        print_json(data)
    elif data["outcome"] == "changed":
        console.print(f"New version {data['version']} of {data['dataset_id']}: {data['records']:,} records.")
    elif data["outcome"] == "unchanged":
        console.print(f"{data['dataset_id']}: the source did not change; no new version.")
    else:
        console.print(f"{data['dataset_id']}: refresh failed: {data['error']}", highlight=False)


def freshness(
    late_only: Annotated[bool, typer.Option("--late", help="Only datasets late or failing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """When each dataset should next be updated, and which are late or failing."""

    def body():
        from datapolis.catalog.models import Dataset
        from datapolis.sources import freshness as rules

        rows = []
        for dataset in Dataset.objects.filter(current_version__isnull=False).order_by("dataset_id"):
            state = rules.check(dataset)
            if late_only and not state.is_problem:
                continue
            rows.append({"dataset_id": dataset.dataset_id, **state.to_dict()})
        if as_json:
            print_json(rows)
            return
        table = Table()
        for column in ("dataset", "state", "last update", "next expected"):
            table.add_column(column)
        for row in rows:
            table.add_row(row["dataset_id"], row["state"], (row["last_update"] or "")[:16],
                          (row["next_expected"] or "")[:16])  # fmt: skip
        console.print(table)

    run(body)
