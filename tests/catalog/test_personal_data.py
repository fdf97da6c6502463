"""A dataset declared as holding personal data is open data only when steps drop or anonymise those fields.

Castelmaurou's subsidies name their beneficiaries: declared as personal, the dataset
cannot be published as open data until a step protects the names, nor lose that step
or be rolled back to a version without it while it is open.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from datapolis.catalog import personal_data, services
from datapolis.catalog.models import Dataset, Status
from datapolis.catalog.personal_data import PersonalDataExposed
from datapolis.engine import Store

pytestmark = pytest.mark.django_db

HASH_NAMES = {"kind": "anonymise", "options": {"fields": ["nombeneficiaire"], "method": "hash"}}


@pytest.fixture
def subsidies(catalog_store: Store, shared_datasets: Path) -> Dataset:
    path = shared_datasets / "subventions-castelmaurou" / "subventions-commune-de-castelmaurou.csv"
    dataset = services.import_file(path, "subventions", publish=False).dataset
    services.declare_personal_data(
        dataset,
        fields=["nombeneficiaire"],
        purpose="Publication des subventions",
        legal_basis="legal_obligation",
        retention="10 ans",
        contact="dpo@castelmaurou.fr",
    )
    return Dataset.objects.get(pk=dataset.pk)


def test_unprotected_personal_fields_block_open_publication(subsidies: Dataset) -> None:
    assert personal_data.unprotected_fields(subsidies) == ["nombeneficiaire"]
    with pytest.raises(PersonalDataExposed, match="nombeneficiaire"):
        services.set_status(subsidies, Status.PUBLISHED)
    assert Dataset.objects.get(pk=subsidies.pk).status == Status.DRAFT
    services.update_metadata(subsidies, {"visibility": "restricted"})
    services.set_status(subsidies, Status.PUBLISHED)  # internal publication stays possible
    assert Dataset.objects.get(pk=subsidies.pk).is_published


def test_an_anonymising_step_allows_it_and_cannot_be_removed_while_open(catalog_store: Store, subsidies) -> None:
    services.set_steps(subsidies, [HASH_NAMES])
    services.set_status(subsidies, Status.PUBLISHED)
    names = (
        catalog_store.cursor()
        .execute(f"SELECT DISTINCT nombeneficiaire FROM {catalog_store.relation_sql('subventions')}")
        .fetchall()
    )
    assert names and all(len(name) == 64 and "CASTELMAUROU" not in name for (name,) in names)
    with pytest.raises(PersonalDataExposed):
        services.set_steps(subsidies, [])
    with pytest.raises(PersonalDataExposed):
        services.rollback(subsidies, 1)  # version 1 was imported before the step
    assert Dataset.objects.get(pk=subsidies.pk).current_version == 2


def test_the_register_lists_each_declaration(subsidies: Dataset) -> None:
    (row,) = personal_data.register()
    assert row["dataset_id"] == "subventions" and row["fields"] == ["nombeneficiaire"]
    assert row["legal_basis"] == "legal_obligation" and row["unprotected_fields"] == ["nombeneficiaire"]
    assert row["open_data"] is False


def test_a_declaration_names_real_fields_and_a_lawful_basis(subsidies: Dataset) -> None:
    with pytest.raises(ValueError, match="no_such_field"):
        services.declare_personal_data(subsidies, fields=["no_such_field"], purpose="x", legal_basis="consent",
                                       retention="1 an", contact="dpo")  # fmt: skip
    with pytest.raises(ValueError, match="legal basis"):
        services.declare_personal_data(subsidies, fields=["nombeneficiaire"], purpose="x", legal_basis="whim",
                                       retention="1 an", contact="dpo")  # fmt: skip
