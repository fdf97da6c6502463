"""Preparation commands: `steps`, `schema`, `validate`, `compare`, `personal-data` (docs/preparation.md)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from datapolis.cli_support import CommandError, cli_actor, console, print_json
from datapolis.cli_support import run_in_instance as run


def register(app: typer.Typer) -> None:
    app.command("steps")(steps)
    app.command("schema")(schema)
    app.command("validate")(validate)
    app.command("compare")(compare)
    app.command("personal-data")(personal_data)
    app.command("personal-data-register")(personal_data_register)


def _dataset(dataset_id: str):
    from datapolis.catalog.models import Dataset

    dataset = Dataset.objects.filter(dataset_id=dataset_id).first()
    if dataset is None:
        raise CommandError(f"no dataset {dataset_id!r} (see `datapolis datasets`)")
    return dataset


def _option_value(text: str):
    """`K=V` values are JSON when they parse as JSON (numbers, lists, objects), text otherwise."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _options(values: list[str]) -> dict:
    options = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"--option {value!r}: write KEY=VALUE")
        options[key.strip()] = _option_value(text)
    return options


def steps(
    dataset_id: Annotated[str, typer.Argument(help="The dataset.")],
    action: Annotated[str, typer.Argument(help="add KIND, remove N, or nothing to show the steps.")] = "",
    argument: Annotated[str, typer.Argument(help="The processor (add) or the step's number (remove).")] = "",
    option: Annotated[
        list[str], typer.Option("--option", help="An option of the step, KEY=VALUE (JSON values too).")
    ] = [],  # noqa: B006
    position: Annotated[int, typer.Option(help="Where to add the step (1 = first; default: last).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the steps as JSON.")] = False,
) -> None:
    """Show, add or remove a dataset's processing steps; a change publishes a new version."""

    def body():
        from datapolis.catalog import services
        from datapolis.steps import PROCESSORS, StepError

        dataset = _dataset(dataset_id)
        current = list(dataset.steps)
        if action == "add":
            if argument not in PROCESSORS:
                raise CommandError(f"unknown processor {argument!r}; processors: {', '.join(sorted(PROCESSORS))}")
            step = {"kind": argument, "options": _options(option)}
            current.insert(position - 1 if position > 0 else len(current), step)
        elif action == "remove":
            if not argument.isdigit() or not 1 <= int(argument) <= len(current):
                raise CommandError(f"remove N: N is a step's number, 1 to {len(current)}")
            del current[int(argument) - 1]
        elif action:
            raise CommandError(f"unknown action {action!r}: add KIND or remove N")
        if action:
            try:
                version = services.set_steps(dataset, current, actor=cli_actor())
            except StepError as error:
                raise CommandError(str(error)) from None
            if version is not None:
                console.print(f"New version {version.number} of {dataset_id}: {version.row_count:,} records.")
        _print_steps(dataset, as_json)

    run(body)


def _print_steps(dataset, as_json: bool) -> None:
    counts = {count["step"]: count for count in dataset.source.get("step_counts") or []}
    items = [{"step": n, **step, "counts": counts.get(n)} for n, step in enumerate(dataset.steps, 1)]
    if as_json:
        print_json(items)
        return
    if not items:
        console.print(f"{dataset.dataset_id} has no processing steps.")
        return
    table = Table()
    for column in ("#", "processor", "options", "rows in → out"):
        table.add_column(column)
    for item in items:
        count = item["counts"]
        rows = f"{count['rows_in']:,} → {count['rows_out']:,}" if count else ""
        table.add_row(str(item["step"]), item["kind"], json.dumps(item["options"], ensure_ascii=False), rows)
    console.print(table)


def schema(
    dataset_id: Annotated[str, typer.Argument(help="The dataset.")],
    source: Annotated[str, typer.Argument(help="The Table Schema: a URL (schema.data.gouv.fr) or a file.")] = "",
    block: Annotated[bool, typer.Option("--block", help="Refuse to publish data with errors.")] = False,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the dataset's schema.")] = False,
) -> None:
    """Declare the Table Schema a dataset's data must follow; every import is validated against it."""

    def body():
        from datapolis.catalog import preparation, services
        from datapolis.validation import load_schema

        dataset = _dataset(dataset_id)
        if remove:
            services.remove_schema(dataset, actor=cli_actor())
            console.print(f"{dataset_id} has no schema any more.")
            return
        if not source:
            raise CommandError("give the schema: a URL or a file (or --remove)")
        loaded = load_schema(source, fetch=preparation.fetch_schema)
        services.set_schema(dataset, loaded.descriptor, url=loaded.url or "", mode="block" if block else "warn",
                            actor=cli_actor())  # fmt: skip
        mode = "blocks publication" if block else "warns"
        console.print(f"{dataset_id} follows {loaded.title or loaded.name or source}; invalid data {mode}.")

    run(body)


def validate(
    dataset_id: Annotated[str, typer.Argument(help="The dataset.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    max_errors: Annotated[int, typer.Option(help="Errors listed at most (all are counted).")] = 1000,
) -> None:
    """Validate the current version against the dataset's Table Schema; exit 1 when it has errors."""

    def body():
        from datapolis.catalog import services

        report = services.validate_current(_dataset(dataset_id), max_errors=max_errors)
        if as_json:
            print_json(report.to_dict())
        else:
            state = "valid" if report.valid else f"{report.error_count:,} errors"
            title = report.schema.get("title") or report.schema.get("name")
            console.print(f"{dataset_id}: {report.rows:,} rows checked against {title}: {state}.", highlight=False)
            for error in report.errors[:20]:
                console.print(
                    f"  row {error.row}, {error.field or error.schema_field}: {error.message}", highlight=False
                )
        if not report.valid:
            raise typer.Exit(code=1)

    run(body)


def compare(
    dataset_id: Annotated[str, typer.Argument(help="The dataset.")],
    from_version: Annotated[int, typer.Argument(metavar="FROM", help="The earlier version.")],
    to_version: Annotated[int | None, typer.Argument(metavar="[TO]", help="The later one (the current one).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
) -> None:
    """Rows added, removed and changed between two versions (matched by key when the dataset has one)."""

    def body():
        from datapolis.catalog.comparison import compare_versions
        from datapolis.engine.store import VersionNotFound

        dataset = _dataset(dataset_id)
        later = dataset.current_version if to_version is None else to_version
        try:
            comparison = compare_versions(dataset, from_version, later)
        except VersionNotFound as error:
            raise CommandError(f"{error} (see `datapolis versions {dataset_id}`)") from error
        if as_json:
            print_json(comparison.to_dict())
            return
        by = f"by key {', '.join(comparison.key)}" if comparison.by == "key" else "whole rows"
        console.print(
            f"{dataset_id}: version {from_version} ({comparison.rows_from:,} rows) → {later} "
            f"({comparison.rows_to:,} rows), {by}: {comparison.added:,} added, {comparison.removed:,} removed, "
            f"{comparison.changed:,} changed, {comparison.unchanged:,} unchanged.",
            highlight=False,
        )
        for label, names in (("fields added", comparison.fields_added), ("fields removed", comparison.fields_removed)):
            if names:
                console.print(f"  {label}: {', '.join(names)}", highlight=False)

    run(body)


def personal_data(
    dataset_id: Annotated[str, typer.Argument(help="The dataset.")],
    fields: Annotated[str, typer.Option(help="Its fields holding personal data, separated by commas.")] = "",
    purpose: Annotated[str, typer.Option(help="Why the data is processed.")] = "",
    legal_basis: Annotated[
        str,
        typer.Option(help="consent, contract, legal_obligation, vital_interests, public_task or legitimate_interests."),
    ] = "",
    retention: Annotated[str, typer.Option(help="How long the data is kept.")] = "",
    contact: Annotated[str, typer.Option(help="Whom to ask about it (the data protection officer).")] = "",
    withdraw: Annotated[bool, typer.Option("--withdraw", help="Withdraw the declaration.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the declaration as JSON.")] = False,
) -> None:
    """Declare that a dataset holds personal data (the register's entry), or show its declaration."""

    def body():
        from datapolis.catalog import personal_data as rules
        from datapolis.catalog import services
        from datapolis.catalog.models import Dataset

        dataset = _dataset(dataset_id)
        if withdraw:
            services.withdraw_personal_data(dataset, actor=cli_actor())
            console.print(f"{dataset_id} is no longer declared as holding personal data.")
            return
        if fields:
            names = [name.strip() for name in fields.split(",") if name.strip()]
            services.declare_personal_data(dataset, fields=names, purpose=purpose, legal_basis=legal_basis,
                                           retention=retention, contact=contact, actor=cli_actor())  # fmt: skip
        entry = rules.declaration(Dataset.objects.get(pk=dataset.pk))
        if entry is None:
            raise CommandError(f"{dataset_id} is not declared as holding personal data (declare it with --fields)")
        row = rules.register_row(entry)
        if as_json:
            print_json(row)
            return
        console.print(f"{dataset_id}: personal data in {', '.join(row['fields'])} ({row['legal_basis']}).")
        if row["unprotected_fields"]:
            console.print(f"  not protected by a step: {', '.join(row['unprotected_fields'])} (cannot be open data)")

    run(body)


def personal_data_register(
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (for the data protection officer).")] = False,
) -> None:
    """The register of datasets holding personal data, as JSON or CSV."""

    def body():
        from datapolis.catalog import personal_data as rules

        rows = rules.register()
        if as_csv:
            typer.echo(rules.register_csv(rows), nl=False)
        else:
            print_json(rows)

    run(body)
