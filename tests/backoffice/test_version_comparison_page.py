"""Comparing two versions in the back office: from a version's row of the dataset page, by key or whole rows.

The versions are tests/catalog/test_comparison.py's: the schools of Ille-et-Vilaine, then the
same file with 5 rows removed, 3 renamed and 2 added; the counts shown are checked against
the comparison made there in Python on the files.
"""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from tests.catalog.test_comparison import KEY, NAME, by_key, by_row, schools, two_versions  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

URL = "/backoffice/datasets/ecoles/compare/"


def summary(page: str) -> dict[str, int]:
    tag = re.search(r'<section[^>]*id="compare-summary"[^>]*>', page, re.S).group(0)
    return {name: int(value) for name, value in re.findall(r'data-(added|removed|changed|unchanged)="(\d+)"', tag)}


def test_the_changes_of_a_version_by_key(two_versions, admin_client: Client):  # noqa: F811
    dataset, before, after = two_versions
    dataset.fields.filter(label=KEY).update(is_id=True)
    overview = admin_client.get("/backoffice/datasets/ecoles/").content.decode()
    assert 'data-compare="2"' in overview and 'data-compare="1"' not in overview  # the first has nothing before it
    link = html.unescape(re.search(r'data-compare="2" href="([^"]+)"', overview).group(1))

    page = admin_client.get(link).content.decode()
    added, removed, changed = by_key(before, after)
    assert summary(page) == {"added": added, "removed": removed, "changed": changed,
                             "unchanged": len(after) - added - changed}  # fmt: skip
    name = dataset.fields.get(label=NAME).name
    assert page.count(f'<tr data-field="{name}">') == 3
    assert all(html.escape(row[NAME]) in page for row in after[10:13])  # the new names, beside the old ones
    assert 'id="added-rows"' in page and "9999999A" in page and 'id="removed-rows"' in page


def test_without_a_key_rows_are_compared_whole_and_versions_can_be_chosen(two_versions, admin_client: Client):  # noqa: F811
    _, before, after = two_versions
    page = admin_client.get(URL, {"from": 2, "to": 1}).content.decode()
    added, removed = by_row(after, before)
    assert summary(page) == {"added": added, "removed": removed, "changed": 0, "unchanged": len(before) - added}
    assert "no key column" in page and 'id="changed-rows"' not in page
    assert admin_client.get(URL, {"from": 1, "to": 9}).status_code == 404
    assert admin_client.get(URL, {"to": "deux"}).status_code == 404


def test_strangers_are_refused(two_versions, agent_client: Client):  # noqa: F811
    assert agent_client.get(URL).status_code == 403  # not an editor: the dataset has no publisher of theirs


def test_a_single_version_has_nothing_to_compare(catalog_store, schools, admin_client: Client):  # noqa: F811
    from datapolis.catalog import services

    services.import_file(schools, "ecoles")
    assert 'data-compare="' not in admin_client.get("/backoffice/datasets/ecoles/").content.decode()
    page = admin_client.get(URL)
    assert page.status_code == 200 and 'id="compare-none"' in page.content.decode()
