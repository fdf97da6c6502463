"""The metadata cache: every committed change is seen at once, whoever makes it and however.

These tests commit (transactional database): inside the usual test transaction the cache
steps aside, as it does for any transaction.
"""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from datapolis.access.policy import ANONYMOUS, dataset_view
from datapolis.catalog import metadata_cache
from datapolis.catalog.models import Dataset, Field, Status, Visibility
from datapolis.portals.models import Portal
from datapolis.portals.services import default_portal, portal_for_host

pytestmark = pytest.mark.django_db(transaction=True)

DATASET_URL = "/api/explore/v2.1/catalog/datasets/velos"


@pytest.fixture
def dataset() -> Dataset:
    dataset = Dataset.objects.create(
        dataset_id="velos", title="Vélos en libre-service", status=Status.PUBLISHED, visibility=Visibility.PUBLIC
    )
    Field.objects.create(dataset=dataset, position=0, name="station", label="Station", type="text")
    return dataset


def renews_token(change) -> bool:
    before = metadata_cache.current_token()
    change()
    return metadata_cache.current_token() != before


def test_every_column_of_a_dataset_renews_the_token_but_its_page_views(dataset: Dataset) -> None:
    columns = [f.column for f in Dataset._meta.concrete_fields if f.column not in {"id", "views"}]
    assert {"status", "visibility", "portal_id", "current_snapshot", "producer"} <= set(columns)
    for column in columns:
        quoted = connection.ops.quote_name(column)
        with connection.cursor() as cursor:  # raw SQL: no Django signal could see it
            statement = f"UPDATE catalog_dataset SET {quoted} = {quoted} WHERE id = %s"
            assert renews_token(lambda: cursor.execute(statement, [dataset.pk])), column  # noqa: B023
    assert not renews_token(lambda: Dataset.objects.filter(pk=dataset.pk).update(views=7))


def test_fields_and_portals_renew_the_token(dataset: Dataset) -> None:
    assert renews_token(lambda: Field.objects.filter(dataset=dataset).update(label="Nom de la station"))
    assert renews_token(
        lambda: Field.objects.create(dataset=dataset, position=1, name="places", label="Places", type="int")
    )
    assert renews_token(lambda: Field.objects.filter(name="places").delete())
    portal = default_portal("data.example.fr")
    assert renews_token(lambda: Portal.objects.filter(pk=portal.pk).update(name="Métropole"))
    assert renews_token(lambda: Portal.objects.create(host="meudon.data.example.fr", name="Meudon"))
    assert renews_token(lambda: Dataset.objects.filter(pk=dataset.pk).delete())


def test_a_cached_read_costs_one_query(dataset: Dataset) -> None:
    default_portal("data.example.fr")  # created now: reading it below writes nothing
    portal = portal_for_host("data.example.fr")
    dataset_view(ANONYMOUS, portal, "velos")
    with CaptureQueriesContext(connection) as queries:
        view = dataset_view(ANONYMOUS, portal, "velos")
        portal_for_host("data.example.fr")
    assert view is not None and view.dataset.title == "Vélos en libre-service"
    assert [query["sql"] for query in queries] == [f"SELECT token FROM {metadata_cache.TABLE} WHERE id = 1"] * 2


def test_restricting_a_dataset_hides_it_at_once(client, dataset: Dataset) -> None:
    assert client.get(DATASET_URL).status_code == 200
    assert client.get(DATASET_URL).status_code == 200  # now from the cache
    Dataset.objects.filter(pk=dataset.pk).update(visibility=Visibility.RESTRICTED)  # no signal sent
    assert client.get(DATASET_URL).status_code == 404
    Dataset.objects.filter(pk=dataset.pk).update(visibility=Visibility.PUBLIC, status=Status.DRAFT)
    assert client.get(DATASET_URL).status_code == 404


def test_a_change_from_another_connection_is_seen(dataset: Dataset) -> None:
    portal = portal_for_host("data.example.fr")
    assert dataset_view(ANONYMOUS, portal, "velos").dataset.title == "Vélos en libre-service"

    def elsewhere() -> None:  # a thread has its own database connection, as another process would
        Dataset.objects.filter(dataset_id="velos").update(title="Vélos partagés")
        connection.close()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert dataset_view(ANONYMOUS, portal, "velos").dataset.title == "Vélos partagés"


def test_a_transaction_sees_its_own_changes_and_a_rollback_leaves_nothing(dataset: Dataset) -> None:
    portal = portal_for_host("data.example.fr")
    dataset_view(ANONYMOUS, portal, "velos")  # cached
    before = metadata_cache.current_token()
    with pytest.raises(RuntimeError), transaction.atomic():
        Dataset.objects.filter(pk=dataset.pk).update(title="Brouillon abandonné")
        assert dataset_view(ANONYMOUS, portal, "velos").dataset.title == "Brouillon abandonné"
        raise RuntimeError("rolled back")
    assert metadata_cache.current_token() == before
    assert dataset_view(ANONYMOUS, portal, "velos").dataset.title == "Vélos en libre-service"


def test_callers_get_their_own_copies(dataset: Dataset) -> None:
    portal = portal_for_host("data.example.fr")
    first = dataset_view(ANONYMOUS, portal, "velos").dataset
    first.title = "changed in memory by one request"
    assert dataset_view(ANONYMOUS, portal, "velos").dataset.title == "Vélos en libre-service"
    assert portal_for_host("data.example.fr") is not portal_for_host("data.example.fr")


def test_an_unknown_dataset_is_found_once_created() -> None:
    portal = portal_for_host("data.example.fr")
    assert dataset_view(ANONYMOUS, portal, "velos") is None
    Dataset.objects.create(dataset_id="velos", title="Vélos", status=Status.PUBLISHED)
    assert dataset_view(ANONYMOUS, portal, "velos") is not None


def test_migrations_may_drop_a_watched_column() -> None:
    """The triggers name columns, so they are dropped while migrations run (`pre_migrate`)."""
    drop_unit = "ALTER TABLE catalog_field DROP COLUMN unit"
    if connection.vendor == "postgresql":  # SQLite does not check the columns a trigger names
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(drop_unit)  # refused: the trigger depends on the column
    with pytest.raises(RuntimeError), transaction.atomic():  # rolled back: the schema stays
        metadata_cache.drop_triggers()
        with connection.cursor() as cursor:
            cursor.execute(drop_unit)
        raise RuntimeError("roll back")
    assert renews_token(lambda: Dataset.objects.create(dataset_id="trains", title="Trains"))
