"""Signals of what happens to datasets, for the audit log and anything else that listens.

`dataset_event` is sent after the change is saved, with `dataset_id`, `action` (one of
ACTIONS), `actor` (a user, a Principal, a name such as "cli:alice", or None),
`request` (or None) and `details` (a dict, e.g. the version number). The catalog does
not know who listens: the access app records these events in the audit log.
"""

from __future__ import annotations

from django.dispatch import Signal

PUBLISHED = "published"
DRAFT_SAVED = "draft_saved"
UNPUBLISHED = "unpublished"
ROLLED_BACK = "rolled_back"
DELETED = "deleted"
METADATA_CHANGED = "metadata_changed"
ACTIONS = (PUBLISHED, DRAFT_SAVED, UNPUBLISHED, ROLLED_BACK, DELETED, METADATA_CHANGED)

dataset_event = Signal()
