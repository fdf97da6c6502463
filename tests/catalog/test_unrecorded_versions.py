"""A version appears only once the catalog recorded its publication; what a failed one left is given back."""

from __future__ import annotations

import pytest
from django.test import Client

from datapolis.catalog import services
from datapolis.engine.store import VersionNotFound
from tests.engine.test_crash_safety import numbers


@pytest.fixture
def communes(catalog_store, db, shared_datasets):
    path = shared_datasets / "cog-insee" / "v_commune_2024.csv"
    return services.import_file(path, "communes", metadata={"title": "Communes"}).dataset


def die_after_the_lake_commit(store, dataset_id: str) -> int:
    """What a worker killed between the lake's commit and the catalog's leaves: a version nobody recorded."""
    return store.publish(dataset_id, numbers(7)).number


def test_an_unrecorded_version_is_not_listed_nor_restorable(communes, catalog_store):
    phantom = die_after_the_lake_commit(catalog_store, "communes")
    communes.refresh_from_db()
    assert [v.number for v in services.versions(communes)] == [1]
    with pytest.raises(VersionNotFound):
        services.rollback(communes, phantom)
    assert communes.current_version == 1 and communes.records_count == 37544


def test_an_unrecorded_version_cannot_be_read_through_the_api(communes, catalog_store):
    phantom = die_after_the_lake_commit(catalog_store, "communes")
    records = "/api/explore/v2.1/catalog/datasets/communes/records"
    client = Client(HTTP_HOST="data.example.fr")
    assert client.get(records, {"version": 1}).json()["total_count"] == 37544
    refused = client.get(records, {"version": phantom})
    assert refused.status_code == 404 and f"no version {phantom}" in refused.json()["message"]
    # by time too: the version current now is the last recorded one, not the phantom
    assert client.get(records, {"at": "2100-01-01T00:00:00Z"}).json()["total_count"] == 37544


def test_the_next_publication_expires_it(communes, catalog_store, shared_datasets):
    phantom = die_after_the_lake_commit(catalog_store, "communes")
    path = shared_datasets / "cog-insee" / "v_commune_2024.csv"
    result = services.import_file(path, "communes")
    assert result.version.number == phantom + 1
    assert [v.number for v in services.versions(result.dataset)] == [1, phantom + 1]
    assert phantom not in [v.number for v in catalog_store.versions("communes")]  # given back to the lake


def test_the_worker_start_clean_up_expires_what_it_can(communes, catalog_store, shared_datasets):
    first = die_after_the_lake_commit(catalog_store, "communes")
    second = die_after_the_lake_commit(catalog_store, "communes")
    cleaned = services.clean_up_failed_writes()
    assert cleaned["expired"] == {"communes": [first]}  # the latest stays until a later version exists
    assert [v.number for v in catalog_store.versions("communes")] == [1, second]
    assert [v.number for v in services.versions(communes)] == [1]


def test_datasets_recorded_before_versions_were_keep_their_history(communes, catalog_store, shared_datasets):
    services.rollback(communes, 1)
    communes.refresh_from_db()
    type(communes).objects.filter(pk=communes.pk).update(recorded_versions=[])
    communes.refresh_from_db()
    assert [v.number for v in services.versions(communes)] == [1, 2]
    services.rollback(communes, 1)
    communes.refresh_from_db()
    assert communes.recorded_versions == [1, 2, 3]
