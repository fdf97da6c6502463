"""What happens to datasets reaches the audit log, whoever does it (CLI, jobs, pages)."""

from __future__ import annotations

from pathlib import Path

import pytest

from datapolis.audit.models import AuditEvent
from datapolis.catalog import services
from datapolis.catalog.models import Dataset
from datapolis.engine import Store

pytestmark = pytest.mark.django_db


def actions(dataset_id: str) -> list[tuple[str, str, dict]]:
    events = AuditEvent.objects.filter(target=dataset_id).order_by("at", "id")
    return [(event.action, event.actor_name, event.details) for event in events]


def test_publication_metadata_status_rollback_and_delete_are_recorded(
    catalog_store: Store, shared_datasets: Path
) -> None:
    path = shared_datasets / "joconde" / "joconde.csv"
    services.import_file(path, "joconde", author="cli:alice")
    dataset = Dataset.objects.get(dataset_id="joconde")
    services.import_file(path, "joconde", actor="cli:alice")
    dataset.refresh_from_db()
    services.update_metadata(dataset, {"title": "Joconde"}, actor="bob")
    services.set_status(dataset, "draft", actor="bob")
    services.rollback(dataset, 1, actor="bob")
    services.delete_dataset(dataset, actor="carol")

    assert actions("joconde") == [
        ("dataset_published", "cli:alice", {"version": 1, "created": True}),
        ("dataset_published", "cli:alice", {"version": 2, "created": False}),
        ("dataset_metadata_changed", "bob", {"fields": ["title"]}),
        ("dataset_unpublished", "bob", {"version": 2}),
        ("dataset_rolled_back", "bob", {"to_version": 1, "version": 3}),
        ("dataset_deleted", "carol", {}),
    ]


def test_a_draft_import_is_recorded_as_such(catalog_store: Store, shared_datasets: Path) -> None:
    services.import_file(shared_datasets / "joconde" / "joconde.csv", "joconde", publish=False)
    assert [action for action, _, _ in actions("joconde")] == ["dataset_draft_saved"]
