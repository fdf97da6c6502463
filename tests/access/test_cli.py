"""The access commands of the `datapolis` CLI, end to end on the test database."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from typer.testing import CliRunner

from datapolis.access.keys import digest
from datapolis.access.models import ApiKey, Grant
from datapolis.access.policy import dataset_view
from datapolis.audit.models import AuditEvent
from datapolis.cli import app
from datapolis.portals.models import DatasetShare
from tests.access.fixtures import MEUDON_FILTER, PASSWORD


def datapolis(*args: str, ok: bool = True):
    result = CliRunner().invoke(app, list(args))
    assert (result.exit_code == 0) == ok, (result.exit_code, result.output, result.stderr)
    return result


def test_user_create_list_disable(db):
    datapolis("user", "create", "alice", "--email", "alice@example.fr", "--password", PASSWORD, "--admin")
    datapolis("user", "create", "bob")
    users = json.loads(datapolis("user", "list", "--json").stdout)
    assert [(u["username"], u["is_admin"], u["is_active"]) for u in users] == [
        ("alice", True, True),
        ("bob", False, True),
    ]
    assert User.objects.get(username="alice").check_password(PASSWORD)
    assert not User.objects.get(username="bob").has_usable_password()
    datapolis("user", "disable", "bob")
    assert not User.objects.get(username="bob").is_active
    failed = datapolis("user", "create", "bob", ok=False)
    assert "bob" in failed.stderr  # "A user named bob already exists.", in the instance language
    assert AuditEvent.objects.filter(actor_name__startswith="cli:", action="user_created").count() == 2


def test_weak_passwords_are_refused(db):
    datapolis("user", "create", "alice", "--password", "123", ok=False)
    assert not User.objects.filter(username="alice").exists()


def test_group_create_and_add(db):
    User.objects.create_user("alice")
    datapolis("group", "create", "elus")
    datapolis("group", "add", "elus", "alice")
    assert list(Group.objects.get(name="elus").user_set.values_list("username", flat=True)) == ["alice"]
    datapolis("group", "add", "nope", "alice", ok=False)


def test_grant_and_revoke(matrix):
    datapolis(
        "grant",
        "restricted",
        "--user",
        "reader",
        "--filter",
        MEUDON_FILTER,
        "--fields",
        "id,commune",
        "--until",
        "2030-01-01T00:00",
    )
    view = dataset_view(matrix.principal("reader"), matrix.main, "restricted")
    assert (view.visible_fields, view.row_filters) == ({"id", "commune"}, (MEUDON_FILTER,))
    datapolis("grant", "restricted", "--group", "agents-meudon", "--metadata-only")
    assert not Grant.objects.get(group__name="agents-meudon", dataset__dataset_id="restricted").data_visible
    datapolis("revoke", "restricted", "--user", "reader")
    assert dataset_view(matrix.principal("reader"), matrix.main, "restricted") is None
    datapolis("revoke", "restricted", "--user", "reader", ok=False)


@pytest.mark.parametrize(
    "args",
    [
        ("grant", "restricted"),  # neither --user nor --group
        ("grant", "restricted", "--user", "reader", "--group", "agents-meudon"),
        ("grant", "restricted", "--user", "reader", "--filter", "commune ="),
        ("grant", "restricted", "--user", "reader", "--until", "next week"),
        ("grant", "nope", "--user", "reader"),
    ],
)
def test_bad_grants_fail_with_a_message(matrix, args):
    result = datapolis(*args, ok=False)
    assert result.stderr.strip()
    assert not Grant.objects.filter(user__username="reader").exists()


def test_apikey_create_prints_the_key_alone_and_revoke_by_key(db):
    User.objects.create_user("alice")
    result = datapolis("apikey", "create", "alice", "--scope", "write", "--until", "2030-01-01")
    key = result.stdout.strip()
    assert result.stdout == key + "\n"
    stored = ApiKey.objects.get(digest=digest(key))
    assert (stored.scope, timezone.localtime(stored.expires_at).isoformat()) == ("write", "2030-01-01T00:00:00+01:00")
    datapolis("apikey", "revoke", key)
    stored.refresh_from_db()
    assert stored.revoked_at is not None
    datapolis("apikey", "create", "alice", "--scope", "admin", ok=False)


def test_portal_create_and_share(matrix):
    datapolis("portal", "create", "clamart.data.example.fr", "--name", "Clamart")
    datapolis("portal", "share", "clamart.data.example.fr", "public", "--filter", 'commune = "Clamart"')
    share = DatasetShare.objects.get(portal__host="clamart.data.example.fr")
    assert (share.dataset.dataset_id, share.row_filter) == ("public", 'commune = "Clamart"')
    datapolis("portal", "create", "Clamart.data.example.fr", "--name", "Again", ok=False)  # same host
    datapolis("portal", "create", "https://x", "--name", "Bad", ok=False)


def test_audit_lists_what_was_done(db):
    datapolis("group", "create", "elus")
    events = json.loads(datapolis("audit", "--json").stdout)
    assert [(event["action"], event["target"]) for event in events] == [("group_created", "elus")]
