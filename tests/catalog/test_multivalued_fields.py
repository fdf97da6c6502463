"""Whether a field is multivalued is how its version stores it: the catalog follows each version.

The ODS CSV export of the départements, read first as plain text, then with its regions as
multivalued fields, then rolled back: the catalog's fields, which the API queries with, say
each time what the served version holds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from datapolis.catalog import services
from datapolis.catalog.fields import field_specs
from datapolis.catalog.models import Dataset
from datapolis.engine import Store
from datapolis.ingest import ReadOptions
from datapolis.odsql import QuerySpec, compile_count

pytestmark = pytest.mark.django_db

FIELD = "code_officiel_region"


@pytest.fixture
def georef(shared_data: Path) -> Path:
    return shared_data / "ods-reference" / "georef-france-departement.csv"


def occitanie(store: Store, dataset: Dataset, where: str) -> int:
    """How many départements of region 76 the served version has, queried with the catalog's fields."""
    compiled = compile_count(QuerySpec(where=where), field_specs(dataset), store.relation_sql(dataset.dataset_id))
    (count,) = store.cursor().execute(compiled.sql, compiled.params).fetchone()
    return count


def separator(dataset: Dataset) -> str:
    return dataset.fields.get(name=FIELD).multivalued


def test_the_catalog_follows_the_version_in_and_out_of_multivalued(catalog_store: Store, georef: Path) -> None:
    services.import_file(georef, "departements")
    dataset = Dataset.objects.get(dataset_id="departements")
    assert separator(dataset) == ""
    assert occitanie(catalog_store, dataset, f'{FIELD} = "76"') == 13

    options = ReadOptions(multivalued={FIELD: ","})
    version = services.import_file(georef, "departements", options=options).version
    dataset.refresh_from_db()
    assert separator(dataset) == ","
    assert {s.name: s.annotations for s in version.fields}[FIELD].get("multivalued") == [","]
    assert {s.name: s.annotations for s in field_specs(dataset)}[FIELD].get("multivalued") == [","]
    assert dataset.source["options"]["multivalued"] == {FIELD: ","}
    assert occitanie(catalog_store, dataset, f'"76" in {FIELD}') == 13

    services.rollback(dataset, 1)
    dataset.refresh_from_db()
    assert separator(dataset) == ""
    assert occitanie(catalog_store, dataset, f'{FIELD} = "76"') == 13


def test_a_separator_set_in_the_catalog_does_not_annotate_plain_text(catalog_store: Store, georef: Path) -> None:
    services.import_file(georef, "departements")
    Dataset.objects.get(dataset_id="departements").fields.filter(name=FIELD).update(multivalued=",")

    version = services.import_file(georef, "departements").version

    assert "multivalued" not in {s.name: s.annotations for s in version.fields}[FIELD]
    dataset = Dataset.objects.get(dataset_id="departements")
    assert separator(dataset) == ""
    assert occitanie(catalog_store, dataset, f'{FIELD} = "76"') == 13
