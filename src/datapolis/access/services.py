"""What can be done to accounts and rights: the CLI and the admin API both call these.

Every change is written to the audit log with its actor (a user, a Principal, or a name
such as "cli:alice"). Errors are `AccessError`s with a translated message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from datapolis.access.keys import KEY_PREFIX, PREFIX_LENGTH, digest, new_key
from datapolis.access.models import ApiKey, Grant, Scope
from datapolis.audit import events as audit
from datapolis.catalog.models import Dataset
from datapolis.portals.row_filters import validate_row_filter


class AccessError(ValueError):
    """An access operation that cannot be done as asked (message is translated)."""


# Users and groups -------------------------------------------------------------------


def get_user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise AccessError(_("No user named %(name)s.") % {"name": username})
    return user


def get_group(name: str) -> Group:
    group = Group.objects.filter(name=name).first()
    if group is None:
        raise AccessError(_("No group named %(name)s.") % {"name": name})
    return group


def create_user(
    username: str,
    *,
    email: str = "",
    password: str | None = None,
    admin: bool = False,
    actor: Any = None,
    request=None,
) -> User:
    """A new account; without a password it can sign in only by single sign-on or reset."""
    if not username or len(username) > 150:
        raise AccessError(_("A user name has 1 to 150 characters."))
    if User.objects.filter(username=username).exists():
        raise AccessError(_("A user named %(name)s already exists.") % {"name": username})
    user = User(username=username, email=email, is_superuser=admin, is_staff=admin)
    if password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise AccessError(" ".join(error.messages)) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit.record(actor, audit.Action.USER_CREATED, username, request=request, admin=admin)
    return user


def list_users() -> list[dict[str, Any]]:
    users = User.objects.order_by("username").prefetch_related("groups")
    return [user_summary(user) for user in users]


def user_summary(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "email": user.email,
        "is_active": user.is_active,
        "is_admin": user.is_superuser,
        "groups": sorted(group.name for group in user.groups.all()),
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
    }


@transaction.atomic
def disable_user(username: str, *, actor: Any = None, request=None) -> User:
    """Disable an account: no sign-in, its sessions and API keys stop working at once."""
    user = get_user(username)
    user.is_active = False
    user.save(update_fields=["is_active"])
    ApiKey.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(actor, audit.Action.USER_DISABLED, username, request=request)
    return user


def create_group(name: str, *, actor: Any = None, request=None) -> Group:
    if not name or len(name) > 150:
        raise AccessError(_("A group name has 1 to 150 characters."))
    if Group.objects.filter(name=name).exists():
        raise AccessError(_("A group named %(name)s already exists.") % {"name": name})
    group = Group.objects.create(name=name)
    audit.record(actor, audit.Action.GROUP_CREATED, name, request=request)
    return group


def add_to_group(name: str, username: str, *, actor: Any = None, request=None) -> None:
    group, user = get_group(name), get_user(username)
    user.groups.add(group)
    audit.record(actor, audit.Action.GROUP_MEMBER_ADDED, name, request=request, username=username)


# Grants -----------------------------------------------------------------------------


def get_dataset(dataset_id: str) -> Dataset:
    dataset = Dataset.objects.filter(dataset_id=dataset_id).first()
    if dataset is None:
        raise AccessError(_("No dataset %(id)s.") % {"id": dataset_id})
    return dataset


@dataclass(frozen=True)
class Holder:
    """Who a grant is for: a user or a group, by name."""

    user: str | None = None
    group: str | None = None

    def __post_init__(self) -> None:
        if bool(self.user) == bool(self.group):
            raise AccessError(_("Give a user or a group, not both."))

    def lookup(self) -> dict[str, Any]:
        return {"user": get_user(self.user)} if self.user else {"group": get_group(self.group)}

    def __str__(self) -> str:
        return f"user:{self.user}" if self.user else f"group:{self.group}"


@transaction.atomic
def grant(
    dataset_id: str,
    holder: Holder,
    *,
    row_filter: str = "",
    fields: list[str] | None = None,
    until: datetime | None = None,
    metadata_only: bool = False,
    actor: Any = None,
    request=None,
) -> Grant:
    """Give (or replace) a holder's access to a dataset."""
    dataset = get_dataset(dataset_id)
    row_filter = validate_row_filter(row_filter, dataset)
    fields = _checked_fields(dataset, fields)
    if until is not None and timezone.is_naive(until):
        until = timezone.make_aware(until)
    created_by = getattr(actor, "user", None) or (actor if isinstance(actor, User) else None)
    values = {
        "row_filter": row_filter,
        "fields": fields,
        "expires_at": until,
        "data_visible": not metadata_only,
        "modified": timezone.now(),
        "created_by": created_by,
    }
    result, _created = Grant.objects.update_or_create(dataset=dataset, **holder.lookup(), defaults=values)
    audit.record(
        actor,
        audit.Action.GRANT_CHANGED,
        dataset_id,
        request=request,
        holder=str(holder),
        row_filter=row_filter,
        fields=fields,
        until=until.isoformat() if until else None,
        metadata_only=metadata_only,
    )
    return result


def revoke(dataset_id: str, holder: Holder, *, actor: Any = None, request=None) -> bool:
    dataset = get_dataset(dataset_id)
    deleted, _ = Grant.objects.filter(dataset=dataset, **holder.lookup()).delete()
    if deleted:
        audit.record(actor, audit.Action.GRANT_REVOKED, dataset_id, request=request, holder=str(holder))
    return bool(deleted)


def grant_summary(item: Grant) -> dict[str, Any]:
    return {
        "dataset": item.dataset.dataset_id,
        "user": item.user.username if item.user_id else None,
        "group": item.group.name if item.group_id else None,
        "data_visible": item.data_visible,
        "fields": item.fields,
        "row_filter": item.row_filter,
        "expires_at": item.expires_at.isoformat() if item.expires_at else None,
    }


def _checked_fields(dataset: Dataset, fields: list[str] | None) -> list[str] | None:
    names = [name.strip() for name in fields or [] if name.strip()]
    if not names:
        return None
    known = set(dataset.fields.values_list("name", flat=True))
    unknown = sorted(set(names) - known)
    if unknown:
        raise AccessError(
            _("%(dataset)s has no field %(fields)s.") % {"dataset": dataset.dataset_id, "fields": ", ".join(unknown)}
        )
    return sorted(set(names))


# API keys ---------------------------------------------------------------------------


def create_api_key(
    username: str,
    *,
    scope: str = Scope.READ,
    until: datetime | None = None,
    name: str = "",
    actor: Any = None,
    request=None,
) -> tuple[ApiKey, str]:
    """A new key for `username`: the stored row and the key itself, shown this once only."""
    if scope not in Scope.values:
        raise AccessError(_("The scope is read or write."))
    user = get_user(username)
    if not user.is_active:
        raise AccessError(_("%(name)s is disabled.") % {"name": username})
    if until is not None and timezone.is_naive(until):
        until = timezone.make_aware(until)
    key = new_key()
    api_key = ApiKey.objects.create(
        user=user, name=name, prefix=key[:PREFIX_LENGTH], digest=digest(key), scope=scope, expires_at=until
    )
    audit.record(actor, audit.Action.APIKEY_CREATED, api_key.prefix, request=request, user=username, scope=scope)
    return api_key, key


def find_api_key(key_or_prefix: str) -> ApiKey:
    """A key by its full value, or by its prefix when that names one key only."""
    found = ApiKey.objects.filter(digest=digest(key_or_prefix)).first()
    if found is None and key_or_prefix.startswith(KEY_PREFIX) and len(key_or_prefix) <= PREFIX_LENGTH:
        matches = list(ApiKey.objects.filter(prefix=key_or_prefix)[:2])
        found = matches[0] if len(matches) == 1 else None
    if found is None:
        raise AccessError(_("No such API key."))
    return found


def revoke_api_key(key_or_prefix: str, *, actor: Any = None, request=None, owner: User | None = None) -> ApiKey:
    """Revoke a key; with `owner`, only one of that user's keys."""
    api_key = find_api_key(key_or_prefix)
    if owner is not None and api_key.user_id != owner.pk:
        raise AccessError(_("No such API key."))
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit.record(actor, audit.Action.APIKEY_REVOKED, api_key.prefix, request=request, user=api_key.user.username)
    return api_key


def api_key_summary(api_key: ApiKey) -> dict[str, Any]:
    return {
        "prefix": api_key.prefix,
        "user": api_key.user.username,
        "name": api_key.name,
        "scope": api_key.scope,
        "created": api_key.created.isoformat(),
        "expires_at": api_key.expires_at.isoformat() if api_key.expires_at else None,
        "revoked_at": api_key.revoked_at.isoformat() if api_key.revoked_at else None,
        "last_used_at": api_key.last_used_at.isoformat() if api_key.last_used_at else None,
    }
