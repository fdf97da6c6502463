"""Several grants combine to the most permissive; expired ones count for nothing; share filters narrow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from datapolis.access import services
from datapolis.access.models import Grant
from datapolis.access.policy import dataset_view
from datapolis.access.services import Holder
from datapolis.portals.row_filters import InvalidRowFilter
from datapolis.portals.services import PortalError, share_dataset
from tests.access.fixtures import MEUDON_FILTER

CLAMART = 'commune = "Clamart"'


def reader_view(matrix, portal=None, dataset="restricted"):
    return dataset_view(matrix.principal("reader"), portal or matrix.main, dataset)


@pytest.fixture
def elus(matrix):
    group = Group.objects.create(name="elus")
    matrix.users["reader"].groups.add(group)
    return group


def test_a_user_grant_and_a_group_grant_or_their_filters_and_union_their_fields(matrix, elus):
    services.grant("restricted", Holder(user="reader"), row_filter=MEUDON_FILTER, fields=["id", "commune"])
    services.grant("restricted", Holder(group="elus"), row_filter=CLAMART, fields=["id", "population"])
    view = reader_view(matrix)
    assert view.data_visible
    assert view.visible_fields == {"id", "commune", "population"}
    assert view.row_filters == (f"({MEUDON_FILTER}) OR ({CLAMART})",)


def test_a_grant_without_filter_or_fields_opens_all_rows_and_fields(matrix, elus):
    services.grant("restricted", Holder(user="reader"), row_filter=MEUDON_FILTER, fields=["id"])
    services.grant("restricted", Holder(group="elus"))
    view = reader_view(matrix)
    assert (view.visible_fields, view.row_filters) == (None, ())


def test_metadata_only_grants_show_no_data_and_add_no_rows(matrix, elus):
    services.grant("restricted", Holder(user="reader"), metadata_only=True)
    view = reader_view(matrix)
    assert view is not None and not view.data_visible
    services.grant("restricted", Holder(group="elus"), row_filter=CLAMART, fields=["id"])
    view = reader_view(matrix)
    assert (view.data_visible, view.visible_fields, view.row_filters) == (True, {"id"}, (CLAMART,))


def test_expiry_ends_access_at_its_time(matrix):
    services.grant("restricted", Holder(user="reader"), until=timezone.now() + timedelta(hours=1))
    assert reader_view(matrix) is not None
    Grant.objects.filter(user__username="reader").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert reader_view(matrix) is None


def test_a_naive_until_is_read_in_the_instance_time_zone(matrix):
    from datetime import UTC, datetime

    services.grant("restricted", Holder(user="reader"), until=datetime(2030, 6, 1, 12, 0))
    stored = Grant.objects.get(user__username="reader").expires_at
    assert stored == datetime(2030, 6, 1, 10, 0, tzinfo=UTC)  # Europe/Paris, summer time


def test_re_granting_replaces_the_earlier_grant(matrix):
    services.grant("restricted", Holder(user="reader"), row_filter=MEUDON_FILTER)
    services.grant("restricted", Holder(user="reader"), row_filter=CLAMART)
    assert Grant.objects.filter(user__username="reader").count() == 1
    assert reader_view(matrix).row_filters == (CLAMART,)


def test_revoking_hides_the_dataset_again(matrix):
    services.grant("restricted", Holder(user="reader"))
    assert services.revoke("restricted", Holder(user="reader"))
    assert reader_view(matrix) is None
    assert not services.revoke("restricted", Holder(user="reader"))


def test_leaving_a_group_ends_its_grants(matrix, elus):
    services.grant("restricted", Holder(group="elus"))
    assert reader_view(matrix) is not None
    matrix.users["reader"].groups.remove(elus)
    assert reader_view(matrix) is None


def test_a_share_filter_is_anded_after_the_grant_filters(matrix):
    services.grant("restricted", Holder(user="reader"), row_filter=CLAMART)
    share_dataset(matrix.meudon, matrix.datasets["restricted"], MEUDON_FILTER)
    assert reader_view(matrix, matrix.meudon).row_filters == (CLAMART, MEUDON_FILTER)
    assert dataset_view(matrix.principal("anonymous"), matrix.meudon, "restricted") is None


def test_invalid_filters_are_refused_when_saved(matrix):
    with pytest.raises(InvalidRowFilter, match="communes"):
        services.grant("restricted", Holder(user="reader"), row_filter='communes = "Meudon"')
    with pytest.raises(InvalidRowFilter):
        services.grant("restricted", Holder(user="reader"), row_filter="population > 'many'")
    with pytest.raises(InvalidRowFilter):
        share_dataset(matrix.meudon, matrix.datasets["public"], "commune = ")
    with pytest.raises(PortalError):
        share_dataset(matrix.main, matrix.datasets["public"])  # it already belongs there
    assert not Grant.objects.filter(user__username="reader").exists()


def test_disabling_a_user_revokes_their_keys_and_their_principal_is_anonymous(matrix):
    from datapolis.access.policy import principal_for_user

    api_key, _ = services.create_api_key("reader", actor="test")
    services.disable_user("reader", actor="test")
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    reader = matrix.users["reader"]
    reader.refresh_from_db()
    assert principal_for_user(reader).is_anonymous
