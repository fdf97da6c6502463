"""Every role × every kind of dataset × both portals, at the policy level.

Each cell is what `dataset_view` answers: None (404), or (data visible, visible fields,
row filters, can edit). The catalog functions must agree with it cell by cell.
"""

from __future__ import annotations

import pytest

from datapolis.access.policy import dataset_view, visible_datasets, visible_datasets_queryset
from tests.access.fixtures import FILTERED_FIELDS, MEUDON_FILTER, ROLES

ALL = (True, None, (), False)
EDIT = (True, None, (), True)
MEUDON_ONLY = (True, None, (MEUDON_FILTER,), False)
MEUDON_ONLY_EDIT = (True, None, (MEUDON_FILTER,), True)
MEMBER_VIEW = (True, FILTERED_FIELDS, (MEUDON_FILTER,), False)

EXPECTED_MAIN = {
    "anonymous": {"public": ALL, "restricted": None, "filtered": None, "shared": ALL},
    "reader": {"public": ALL, "restricted": None, "filtered": None, "shared": ALL},
    "member": {"public": ALL, "restricted": None, "filtered": MEMBER_VIEW, "shared": ALL},
    "partner": {"public": ALL, "restricted": None, "filtered": None, "shared": ALL},
    "publisher": {"public": ALL, "restricted": EDIT, "filtered": EDIT, "shared": ALL},
    "admin": {"public": EDIT, "restricted": EDIT, "filtered": EDIT, "shared": EDIT},
}
EXPECTED_MEUDON = {
    role: {
        "public": None,
        "restricted": None,
        "filtered": None,
        "shared": MEUDON_ONLY_EDIT if role == "admin" else MEUDON_ONLY,
    }
    for role in ROLES
}


def cell(view):
    if view is None:
        return None
    return (view.data_visible, view.visible_fields, view.row_filters, view.can_edit)


@pytest.mark.parametrize("role", ROLES)
def test_dataset_view_on_the_main_portal(matrix, role):
    principal = matrix.principal(role)
    answers = {name: cell(dataset_view(principal, matrix.main, name)) for name in matrix.datasets}
    assert answers == EXPECTED_MAIN[role]


@pytest.mark.parametrize("role", ROLES)
def test_dataset_view_on_a_sub_portal(matrix, role):
    principal = matrix.principal(role)
    answers = {name: cell(dataset_view(principal, matrix.meudon, name)) for name in matrix.datasets}
    assert answers == EXPECTED_MEUDON[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("portal", ["main", "meudon"])
def test_catalog_agrees_with_dataset_view(matrix, role, portal):
    principal = matrix.principal(role)
    site = getattr(matrix, portal)
    expected = {
        name: answer
        for name, answer in (EXPECTED_MAIN if portal == "main" else EXPECTED_MEUDON)[role].items()
        if answer is not None
    }
    views = visible_datasets(principal, site)
    assert {view.dataset.dataset_id: cell(view) for view in views} == expected
    assert len(views) == len(expected)  # no dataset twice
    assert visible_datasets_queryset(principal, site).count() == len(expected)


def test_unknown_dataset_is_none(matrix):
    assert dataset_view(matrix.principal("admin"), matrix.main, "nope") is None
