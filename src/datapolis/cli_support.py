"""What every `datapolis` command shares: the instance set-up, output, errors, the actor.

Below both `datapolis.cli` (the main command, which registers the sub-commands of the
apps) and the apps' command modules (`datapolis.access.cli`): neither imports the other
the wrong way round.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
import typer
from rich.console import Console

console = Console()
errors = Console(stderr=True)

T = TypeVar("T")


class CommandError(Exception):
    """An error to show to the user as is."""


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datapolis.settings")
    import django

    django.setup()


def ensure_instance() -> None:
    """Create the instance folder and bring its metadata database up to date."""
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)


def print_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def fail(message: str) -> typer.Exit:
    errors.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


def run(action: Callable[[], T]) -> T:
    """Run a command body, turning expected errors into a message and exit code 1."""
    from datapolis.engine import StoreError
    from datapolis.ingest import IngestError

    try:
        return action()
    except (IngestError, StoreError, CommandError, ValueError, FileNotFoundError) as error:
        raise fail(str(error)) from None


def run_in_instance(action: Callable[[], T]) -> T:
    """Set up the instance (Django, its database up to date), then `run` the command body."""
    ensure_instance()
    return run(action)


def cli_actor() -> str:
    """Who acts, as the audit log and the version history name command-line users."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in the environment nor the password database
        return "cli:unknown"
