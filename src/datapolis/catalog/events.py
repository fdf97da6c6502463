"""What happens to datasets, recorded in the audit log from one place.

The catalog's services call `dataset_event` once the change is saved, whoever asked
for it (the back office, the CLI, the API, a job): `actor` is a user, a Principal, a
name such as "cli:alice", or None; `request` (or None) says from where; `details` is
what the event needs to be understood later (a version number, the fields changed...).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from datapolis.audit.events import Action, record
from datapolis.audit.models import AuditEvent

CREATED = Action.DATASET_CREATED
DATA_REPLACED = Action.DATA_REPLACED
PUBLISHED = Action.DATASET_PUBLISHED
DRAFT_SAVED = Action.DATASET_DRAFT_SAVED
UNPUBLISHED = Action.DATASET_UNPUBLISHED
ROLLED_BACK = Action.DATASET_ROLLED_BACK
METADATA_CHANGED = Action.DATASET_METADATA_CHANGED
VISIBILITY_CHANGED = Action.VISIBILITY_CHANGED
DELETED = Action.DATASET_DELETED
SOURCE_SET = Action.DATASET_SOURCE_SET
SOURCE_REMOVED = Action.DATASET_SOURCE_REMOVED
REFRESH_FAILED = Action.DATASET_REFRESH_FAILED
STEPS_CHANGED = Action.DATASET_STEPS_CHANGED
SCHEMA_CHANGED = Action.DATASET_SCHEMA_CHANGED
PERSONAL_DATA_CHANGED = Action.DATASET_PERSONAL_DATA_CHANGED
ACTIONS = (
    CREATED,
    DATA_REPLACED,
    PUBLISHED,
    DRAFT_SAVED,
    UNPUBLISHED,
    ROLLED_BACK,
    METADATA_CHANGED,
    VISIBILITY_CHANGED,
    DELETED,
    SOURCE_SET,
    SOURCE_REMOVED,
    REFRESH_FAILED,
    STEPS_CHANGED,
    SCHEMA_CHANGED,
    PERSONAL_DATA_CHANGED,
)
HISTORY = (*ACTIONS, Action.DATASET_SHARED)  # a share is the portals app's to record


def dataset_event(dataset_id: str, action: str, actor: Any = None, request: Any = None, **details: Any) -> None:
    """Record that `action` happened to the dataset `dataset_id`."""
    record(actor, action, dataset_id, request=request, **details)


def dataset_history(dataset_id: str, limit: int = 15) -> QuerySet[AuditEvent]:
    """The dataset's latest events, newest first."""
    return AuditEvent.objects.filter(target=dataset_id, action__in=HISTORY)[:limit]
