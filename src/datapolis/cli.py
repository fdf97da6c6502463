"""The `datapolis` command: import, inspect and version datasets, run the demo, serve.

Commands are thin: they parse arguments, call catalog services and print. A failed
command prints its error on stderr and exits non-zero; `--json` prints, for scripts,
the objects of the Explore API v2.1.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from datapolis.access.cli import register as register_access_commands
from datapolis.catalog.cli import register as register_preparation_commands
from datapolis.cli_support import CommandError, cli_actor, console, ensure_instance, errors, fail, print_json, run
from datapolis.harvest.cli import register as register_harvest_commands
from datapolis.sources.cli import register as register_source_commands

app = typer.Typer(
    name="datapolis",
    help="Datapolis: an open data platform for territories.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def get_dataset(dataset_id: str):
    from datapolis.catalog.models import Dataset

    dataset = Dataset.objects.filter(dataset_id=dataset_id).first()
    if dataset is None:
        raise CommandError(f"no dataset {dataset_id!r} (see `datapolis datasets`)")
    return dataset


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="File to import (CSV, XLSX, ODS, JSON, GeoJSON, Shapefile zip...).")],
    dataset_id: Annotated[str, typer.Option("--id", help="Dataset identifier (default: from the file name).")] = "",
    title: Annotated[str | None, typer.Option(help="Dataset title.")] = None,
    visibility: Annotated[str | None, typer.Option(help="public or restricted.")] = None,
    sheet: Annotated[str | None, typer.Option(help="Spreadsheet sheet name.")] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding (default: detected).")] = None,
    delimiter: Annotated[str | None, typer.Option(help="CSV delimiter (default: detected).")] = None,
    epsg: Annotated[int | None, typer.Option(help="Projection of the coordinates (e.g. 2154 for Lambert-93).")] = None,
    json_path: Annotated[str | None, typer.Option(help="Dotted path to the records in a JSON document.")] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Keep the dataset as a draft.")] = False,
) -> None:
    """Import a file as a new version of a dataset."""
    if visibility not in (None, "public", "restricted"):
        raise fail("--visibility must be public or restricted")
    if delimiter == "\\t":
        delimiter = "\t"
    ensure_instance()
    from datapolis.catalog import services
    from datapolis.ingest import ReadOptions

    def body():
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        options = ReadOptions(
            encoding=encoding, delimiter=delimiter, sheet=sheet, epsg=epsg, json_path=json_path, original_name=path.name
        )
        identifier = dataset_id or services.dataset_id_from_filename(path)
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=errors, transient=True
        ) as progress:
            progress.add_task(f"Importing {path.name} into {identifier}…", total=None)
            result = services.import_file(
                path,
                identifier,
                options=options,
                metadata={"title": title} if title else None,
                visibility=visibility,
                publish=not draft,
                actor=cli_actor(),
            )
        print_import(result)

    run(body)


def print_import(result) -> None:
    version = result.version
    table = Table(title=f"{result.dataset.dataset_id} — version {version.number}", title_justify="left")
    table.add_column("field")
    table.add_column("label")
    table.add_column("type")
    for spec in version.fields:
        table.add_row(spec.name, spec.label, spec.type)
    console.print(table)
    rate = version.row_count / result.seconds if result.seconds else 0
    console.print(
        f"{version.row_count:,} rows, {len(version.fields)} fields in {result.seconds:.2f} s ({rate:,.0f} rows/s)"
    )


@app.command()
def datasets(as_json: Annotated[bool, typer.Option("--json", help="Print Explore API dataset objects.")] = False):
    """List the datasets of the catalog."""
    ensure_instance()
    from datapolis.catalog.dataset_objects import explore_dataset
    from datapolis.catalog.models import Dataset

    queryset = Dataset.objects.order_by("dataset_id").prefetch_related("fields", "themes", "attachments")
    if as_json:
        results = [explore_dataset(dataset) for dataset in queryset]
        print_json({"total_count": len(results), "results": results})
        return
    table = Table()
    for column in ("id", "title", "visibility", "status", "records", "version", "modified"):
        table.add_column(column)
    for dataset in queryset:
        table.add_row(
            dataset.dataset_id,
            dataset.title,
            dataset.visibility,
            dataset.status,
            f"{dataset.records_count:,}",
            str(dataset.current_version or "-"),
            dataset.modified.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@app.command()
def show(
    dataset_id: Annotated[str, typer.Argument(help="Dataset identifier.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the Explore API dataset object.")] = False,
):
    """Show a dataset's metadata and fields."""
    ensure_instance()
    from datapolis.catalog.dataset_objects import explore_dataset

    def body():
        data = explore_dataset(get_dataset(dataset_id))
        if as_json:
            print_json(data)
            return
        metas = data["metas"]["default"]
        console.print(f"[bold]{metas['title']}[/] ({data['dataset_id']}, {data['visibility']})")
        for key in ("description", "publisher", "license", "theme", "keyword", "records_count", "modified"):
            if metas.get(key) not in (None, [], ""):
                console.print(f"  {key}: {metas[key]}")
        table = Table("field", "label", "type", "annotations")
        for field in data["fields"]:
            table.add_row(field["name"], field["label"], field["type"], ", ".join(field["annotations"]))
        console.print(table)

    run(body)


@app.command()
def versions(
    dataset_id: Annotated[str, typer.Argument(help="Dataset identifier.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the versions as JSON.")] = False,
):
    """List the versions of a dataset."""
    ensure_instance()
    from datapolis.catalog import services
    from datapolis.catalog.changes import describe_change

    def body():
        history = services.versions(get_dataset(dataset_id))
        if as_json:
            print_json(
                [
                    {
                        "version": v.number,
                        "created_at": v.created_at.isoformat(),
                        "records_count": v.row_count,
                        "author": v.author,
                        "message": v.message,
                        "restored_from": v.restored_from,
                        "change": v.change,  # what the version did, as data: {"kind": "rollback", "version": 1}
                        "origin": v.origin,
                    }
                    for v in history
                ]
            )
            return
        table = Table("version", "date", "records", "author", "message")
        for v in history:
            table.add_row(
                str(v.number),
                v.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                f"{v.row_count:,}",
                v.author or "",
                describe_change(v.change) or v.message or "",
            )
        console.print(table)

    run(body)


@app.command()
def rollback(
    dataset_id: Annotated[str, typer.Argument(help="Dataset identifier.")],
    version: Annotated[int, typer.Argument(help="Version number to restore.")],
):
    """Publish an earlier version again, as a new version."""
    ensure_instance()
    from datapolis.catalog import services

    def body():
        restored = services.rollback(get_dataset(dataset_id), version, actor=cli_actor())
        console.print(
            f"{dataset_id}: version {restored.number} now serves the data of version {version} "
            f"({restored.row_count:,} rows)"
        )

    run(body)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Web worker processes (one that dies is started again).")] = 1,
    threads: Annotated[int, typer.Option(help="Threads per web worker.")] = 8,
    no_worker: Annotated[
        bool,
        typer.Option("--no-worker", help="Run no job worker alongside (run `datapolis worker` separately)."),
    ] = False,
):
    """Serve the instance over HTTP, with a job worker for large imports (unless --no-worker)."""
    ensure_instance()
    from datapolis.server import serve as run_server

    run_server(host=host, port=port, workers=workers, threads=threads, job_worker=not no_worker)


@app.command()
def worker(
    workers: Annotated[int, typer.Option(help="Jobs run at once (each in a process of its own).")] = 2,
    parent_pid: Annotated[
        int | None, typer.Option("--parent-pid", hidden=True, help="Stop when this process is gone.")
    ] = None,
):
    """Run the background job worker (large imports from the back office); stops cleanly on SIGTERM."""
    ensure_instance()
    from datapolis.jobs.worker import run_worker

    run_worker(workers, parent_pid=parent_pid)


@app.command()
def cleanup(
    older_than_minutes: Annotated[
        int, typer.Option(help="Delete unreferenced data files older than this (a write under way keeps its own).")
    ] = 360,
):
    """Give back the space of failed publications now (the job worker also does it when it starts)."""
    ensure_instance()
    import datetime

    from datapolis.catalog import services

    def body():
        cleaned = services.clean_up_failed_writes(older_than=datetime.timedelta(minutes=older_than_minutes))
        expired = sum(len(numbers) for numbers in cleaned["expired"].values())
        console.print(f"{expired} unpublished version(s) expired, {cleaned['orphaned_files']} orphaned file(s) deleted")

    run(body)


@app.command()
def demo(
    from_dir: Annotated[
        Path | None, typer.Option("--from", help="Import this folder of real files instead of the generated data.")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Prepare the instance and exit.")] = False,
):
    """Create a demo instance with datasets, print an admin login, and serve it."""
    ensure_instance()
    from datapolis import demo_instance

    def body():
        started = time.perf_counter()
        password = demo_instance.reset_admin()
        if from_dir is not None:
            report = demo_instance.import_folder(from_dir, console=errors)
        else:
            report = demo_instance.import_generated(console=errors)
        console.print(
            f"{report.imported} datasets imported, {report.skipped} already there, {len(report.failed)} failed "
            f"in {time.perf_counter() - started:.1f} s"
        )
        for name, message in report.failed:
            errors.print(f"  [yellow]skipped[/] {name}: {message}", highlight=False)
        console.print(f"Admin login: [bold]admin[/] / [bold]{password}[/]")
        console.print(f"Portal: [bold]http://{host}:{port}/[/]")
        console.print(f"Back office: [bold]http://{host}:{port}/backoffice/[/]", soft_wrap=True)

    run(body)
    if not no_serve:
        from datapolis.server import serve as run_server

        run_server(host=host, port=port)


register_access_commands(app)
register_harvest_commands(app)
register_source_commands(app)
register_preparation_commands(app)


def main() -> None:
    from datapolis.conf import ConfigError

    try:
        app()
    except ConfigError as error:  # a wrong environment variable: its message, not a traceback
        errors.print(f"[bold red]Configuration error:[/] {error}", highlight=False, soft_wrap=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
