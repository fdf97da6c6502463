"""A sub-portal shows only its own datasets and those shared with it, for every role."""

from __future__ import annotations

import pytest

from datapolis.access.policy import dataset_view, visible_datasets
from datapolis.catalog.models import Dataset, Status, Visibility
from datapolis.portals.services import share_dataset, unshare_dataset
from tests.access.fixtures import MEUDON_FILTER, ROLES


@pytest.mark.parametrize("role", ROLES)
def test_the_sub_portal_catalog_holds_only_what_is_shared(matrix, role):
    names = [view.dataset.dataset_id for view in visible_datasets(matrix.principal(role), matrix.meudon)]
    assert names == ["shared"]


def test_a_dataset_of_the_sub_portal_is_not_on_the_main_portal(matrix):
    own = Dataset.objects.create(
        dataset_id="meudon-parcs", title="Parcs", portal=matrix.meudon, status=Status.PUBLISHED
    )
    anonymous = matrix.principal("anonymous")
    assert dataset_view(anonymous, matrix.meudon, own.dataset_id).row_filters == ()
    assert dataset_view(anonymous, matrix.main, own.dataset_id) is None
    assert dataset_view(matrix.principal("admin"), matrix.main, own.dataset_id) is None
    assert own.dataset_id not in [view.dataset.dataset_id for view in visible_datasets(anonymous, matrix.main)]


def test_unsharing_removes_the_dataset_from_the_sub_portal(matrix):
    anonymous = matrix.principal("anonymous")
    assert dataset_view(anonymous, matrix.meudon, "shared").row_filters == (MEUDON_FILTER,)
    assert unshare_dataset(matrix.meudon, matrix.datasets["shared"])
    assert dataset_view(anonymous, matrix.meudon, "shared") is None


def test_sharing_a_restricted_dataset_shows_it_only_to_grant_holders(matrix):
    share_dataset(matrix.meudon, matrix.datasets["filtered"])
    assert dataset_view(matrix.principal("anonymous"), matrix.meudon, "filtered") is None
    member = dataset_view(matrix.principal("member"), matrix.meudon, "filtered")
    assert member.row_filters == (MEUDON_FILTER,)


def test_a_draft_is_visible_to_its_editors_only(matrix):
    Dataset.objects.filter(dataset_id="public").update(status=Status.DRAFT)
    assert dataset_view(matrix.principal("anonymous"), matrix.main, "public") is None
    assert dataset_view(matrix.principal("admin"), matrix.main, "public").can_edit
    Dataset.objects.filter(dataset_id="restricted").update(status=Status.DRAFT, visibility=Visibility.RESTRICTED)
    assert dataset_view(matrix.principal("publisher"), matrix.main, "restricted").can_edit
