"""A file built to crash or exhaust a reader gets a clear page in the back office; nothing else is touched."""

from __future__ import annotations

import pytest

from datapolis.catalog import services as catalog
from datapolis.catalog.models import Dataset
from tests.backoffice.conftest import ORGANISATION, french_csv, start_upload
from tests.ingest.test_isolation import HOSTILE


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_is_explained_and_the_published_data_stays(agent_client, catalog_store, tmp_path, name):
    published = catalog.import_file(
        french_csv(tmp_path / "v1.csv", rows=10), "communes", metadata={"title": "Communes", "publisher": ORGANISATION}
    )
    hostile = tmp_path / name
    hostile.write_bytes(HOSTILE[name])

    upload_id = start_upload(agent_client, hostile)
    page = agent_client.get(f"/backoffice/uploads/{upload_id}/preview/").content.decode()

    assert "What to do:" in page
    assert "Next: the columns" not in page
    dataset = Dataset.objects.get(dataset_id="communes")
    assert dataset.current_version == published.version.number
    assert catalog_store.version("communes", published.version.number).row_count == 10
