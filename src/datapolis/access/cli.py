"""`datapolis user|group|grant|revoke|apikey|portal|audit`: accounts and rights from the shell.

Whoever runs the command on the server acts as an instance admin; the audit log records
them as `cli:<login>`. Each command has a matching endpoint under /api/admin/.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from datapolis.cli_support import cli_actor as actor
from datapolis.cli_support import console, errors, print_json
from datapolis.cli_support import run_in_instance as run

user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
group_app = typer.Typer(help="Groups of users.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys.", no_args_is_help=True)
portal_app = typer.Typer(help="Portals served by host name.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(group_app, name="group")
    app.command("grant")(grant)
    app.command("revoke")(revoke)
    app.add_typer(apikey_app, name="apikey")
    app.add_typer(portal_app, name="portal")
    app.command("audit")(audit_log)


def parse_until(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--until: {text!r} is not an ISO 8601 date or date-time (2026-12-31T18:00)") from None


# Users and groups -------------------------------------------------------------------


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Argument(help="User name.")],
    email: Annotated[str, typer.Option(help="E-mail address.")] = "",
    password: Annotated[str | None, typer.Option(help="Password (default: none, sign-in by SSO or reset).")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Make an instance admin.")] = False,
) -> None:
    """Create an account."""

    def body():
        from datapolis.access import services

        services.create_user(username, email=email, password=password, admin=admin, actor=actor())
        console.print(f"user {username} created" + (" (instance admin)" if admin else ""))

    run(body)


@user_app.command("list")
def user_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the accounts."""

    def body():
        from datapolis.access import services

        users = services.list_users()
        if as_json:
            print_json(users)
            return
        table = Table("user", "e-mail", "active", "admin", "groups", "last sign-in")
        for user in users:
            table.add_row(
                user["username"],
                user["email"],
                "yes" if user["is_active"] else "no",
                "yes" if user["is_admin"] else "",
                ", ".join(user["groups"]),
                user["last_login"] or "",
            )
        console.print(table)

    run(body)


@user_app.command("disable")
def user_disable(username: Annotated[str, typer.Argument(help="User name.")]) -> None:
    """Disable an account (and revoke its API keys)."""

    def body():
        from datapolis.access import services

        services.disable_user(username, actor=actor())
        console.print(f"user {username} disabled")

    run(body)


@group_app.command("create")
def group_create(name: Annotated[str, typer.Argument(help="Group name.")]) -> None:
    """Create a group."""

    def body():
        from datapolis.access import services

        services.create_group(name, actor=actor())
        console.print(f"group {name} created")

    run(body)


@group_app.command("add")
def group_add(
    name: Annotated[str, typer.Argument(help="Group name.")],
    username: Annotated[str, typer.Argument(help="User name.")],
) -> None:
    """Add a user to a group."""

    def body():
        from datapolis.access import services

        services.add_to_group(name, username, actor=actor())
        console.print(f"{username} added to {name}")

    run(body)


# Grants -----------------------------------------------------------------------------


def grant(
    dataset: Annotated[str, typer.Argument(help="Dataset identifier.")],
    user: Annotated[str | None, typer.Option("--user", help="User name.")] = None,
    group: Annotated[str | None, typer.Option("--group", help="Group name.")] = None,
    row_filter: Annotated[str, typer.Option("--filter", help='ODSQL row filter, e.g. commune = "Meudon".')] = "",
    fields: Annotated[str, typer.Option("--fields", help="Visible fields, comma-separated (default: all).")] = "",
    until: Annotated[str | None, typer.Option("--until", help="Expiry, ISO 8601 (default: none).")] = None,
    metadata_only: Annotated[bool, typer.Option("--metadata-only", help="Show the metadata, not the data.")] = False,
) -> None:
    """Give a user or a group access to a dataset (replacing their earlier grant)."""

    def body():
        from datapolis.access import services

        holder = services.Holder(user=user, group=group)
        services.grant(
            dataset,
            holder,
            row_filter=row_filter,
            fields=fields.split(",") if fields else None,
            until=parse_until(until),
            metadata_only=metadata_only,
            actor=actor(),
        )
        console.print(f"{holder} may now see {dataset}" + (" (metadata only)" if metadata_only else ""))

    run(body)


def revoke(
    dataset: Annotated[str, typer.Argument(help="Dataset identifier.")],
    user: Annotated[str | None, typer.Option("--user", help="User name.")] = None,
    group: Annotated[str | None, typer.Option("--group", help="Group name.")] = None,
) -> None:
    """Take back a user's or a group's grant on a dataset."""

    def body():
        from datapolis.access import services

        holder = services.Holder(user=user, group=group)
        if not services.revoke(dataset, holder, actor=actor()):
            raise services.AccessError(f"{holder} had no grant on {dataset}")
        console.print(f"{holder} no longer has a grant on {dataset}")

    run(body)


# API keys ---------------------------------------------------------------------------


@apikey_app.command("create")
def apikey_create(
    username: Annotated[str, typer.Argument(help="User name.")],
    scope: Annotated[str, typer.Option(help="read, or write for the push API.")] = "read",
    until: Annotated[str | None, typer.Option("--until", help="Expiry, ISO 8601 (default: none).")] = None,
    name: Annotated[str, typer.Option(help="What the key is for.")] = "",
) -> None:
    """Create an API key and print it alone on stdout (it is not stored and cannot be shown again)."""

    def body():
        from datapolis.access import services

        api_key, key = services.create_api_key(
            username, scope=scope, until=parse_until(until), name=name, actor=actor()
        )
        sys.stdout.write(key + "\n")
        errors.print(f"API key {api_key.prefix}… for {username} ({scope})", highlight=False)

    run(body)


@apikey_app.command("revoke")
def apikey_revoke(key: Annotated[str, typer.Argument(help="The key, or its prefix as listed.")]) -> None:
    """Revoke an API key."""

    def body():
        from datapolis.access import services

        api_key = services.revoke_api_key(key, actor=actor())
        console.print(f"API key {api_key.prefix}… revoked")

    run(body)


# Portals ----------------------------------------------------------------------------


@portal_app.command("create")
def portal_create(
    host: Annotated[str, typer.Argument(help="Host name, e.g. meudon.data.example.fr.")],
    name: Annotated[str, typer.Option("--name", help="The portal's name.")],
    default: Annotated[bool, typer.Option("--default", help="Serve host names no other portal claims.")] = False,
) -> None:
    """Create a portal served at a host name."""

    def body():
        from datapolis.portals.services import create_portal

        portal = create_portal(host, name, is_default=default, actor=actor())
        console.print(f"portal {portal.name} created at {portal.host}")

    run(body)


@portal_app.command("share")
def portal_share(
    host: Annotated[str, typer.Argument(help="Host name of the portal receiving the dataset.")],
    dataset: Annotated[str, typer.Argument(help="Dataset identifier.")],
    row_filter: Annotated[str, typer.Option("--filter", help='ODSQL row filter, e.g. commune = "Meudon".')] = "",
) -> None:
    """Share a dataset with a portal, optionally filtered."""

    def body():
        from datapolis.access.services import get_dataset
        from datapolis.portals.services import get_portal, share_dataset

        share_dataset(get_portal(host), get_dataset(dataset), row_filter, actor=actor())
        console.print(f"{dataset} shared with {host}" + (f" where {row_filter}" if row_filter else ""))

    run(body)


# Audit log --------------------------------------------------------------------------


def audit_log(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    limit: Annotated[int, typer.Option(help="Most recent events to show.")] = 100,
    action: Annotated[str | None, typer.Option(help="Only this action (e.g. sign_in_failed).")] = None,
) -> None:
    """Show the audit log, most recent first."""

    def body():
        from datapolis.audit.exports import audit_events, event_summary

        events = [event_summary(event) for event in audit_events(action=action)[:limit]]
        if as_json:
            print_json(events)
            return
        table = Table("when", "who", "what", "on what", "from")
        for event in events:
            table.add_row(event["at"], event["actor"], event["action"], event["target"], event["ip"] or "")
        console.print(table)

    run(body)
