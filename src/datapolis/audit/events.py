"""The audit log: sign-ins, failed sign-ins, grants, publications, keys... who, what, when, from where.

Call `record(actor, action, target, request=None, **details)` after the fact. `actor` is
a user, an object with an `audit_actor()` method answering (user or None, name) such as
access's Principal, a name (e.g. "cli:alice") or None. Never pass secrets in details.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from datapolis.audit.models import AuditEvent
from datapolis.net import client_ip


class Action(models.TextChoices):
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    SIGN_OUT = "sign_out", _("Signed out")
    LOCKED_OUT = "locked_out", _("Locked out after failed sign-ins")
    PASSWORD_RESET = "password_reset", _("Password reset requested")
    USER_CREATED = "user_created", _("User created")
    USER_DISABLED = "user_disabled", _("User disabled")
    GROUP_CREATED = "group_created", _("Group created")
    GROUP_MEMBER_ADDED = "group_member_added", _("Member added to a group")
    GRANT_CHANGED = "grant_changed", _("Grant set")
    GRANT_REVOKED = "grant_revoked", _("Grant revoked")
    APIKEY_CREATED = "apikey_created", _("API key created")
    APIKEY_REVOKED = "apikey_revoked", _("API key revoked")
    PORTAL_CREATED = "portal_created", _("Portal created")
    DATASET_SHARED = "dataset_shared", _("Dataset shared with a portal")
    DATASET_CREATED = "dataset_created", _("Dataset created")
    DATASET_DRAFT_SAVED = "dataset_draft_saved", _("Dataset saved as a draft")
    DATASET_PUBLISHED = "dataset_published", _("Dataset published")
    DATASET_UNPUBLISHED = "dataset_unpublished", _("Dataset unpublished")
    DATA_REPLACED = "dataset_data_replaced", _("Dataset data replaced")
    DATASET_ROLLED_BACK = "dataset_rolled_back", _("Dataset rolled back")
    DATASET_METADATA_CHANGED = "dataset_metadata_changed", _("Dataset metadata changed")
    DATASET_DELETED = "dataset_deleted", _("Dataset deleted")
    VISIBILITY_CHANGED = "visibility_changed", _("Dataset visibility changed")
    HARVEST_SOURCE_ADDED = "harvest_source_added", _("Harvest source added")
    HARVEST_SOURCE_CHANGED = "harvest_source_changed", _("Harvest source changed")
    HARVEST_RUN = "harvest_run", _("Harvest run")
    DATASET_SOURCE_SET = "dataset_source_set", _("Dataset source set")
    DATASET_SOURCE_REMOVED = "dataset_source_removed", _("Dataset source removed")
    DATASET_REFRESH_FAILED = "dataset_refresh_failed", _("Dataset refresh failed")
    DATASET_STEPS_CHANGED = "dataset_steps_changed", _("Dataset processing steps changed")
    DATASET_SCHEMA_CHANGED = "dataset_schema_changed", _("Dataset schema changed")
    DATASET_PERSONAL_DATA_CHANGED = "dataset_personal_data_changed", _("Dataset personal data declaration changed")


def record(actor: Any, action: str, target: Any = "", request=None, **details: Any) -> AuditEvent:
    """Write one audit event; `target` is any object, stored as text."""
    user, name = _actor(actor)
    return AuditEvent.objects.create(
        actor=user,
        actor_name=name[:150],
        action=str(action),
        target=str(target)[:300],
        ip=client_ip(request) if request is not None else None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else "",
        details=details,
    )


def _actor(actor: Any) -> tuple[Any, str]:
    if actor is None:
        return None, ""
    if isinstance(actor, str):
        return None, actor
    if hasattr(actor, "audit_actor"):
        return actor.audit_actor()
    if getattr(actor, "is_authenticated", False):
        return actor, actor.get_username()
    return None, ""
