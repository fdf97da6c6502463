"""A metadata-only grant shows a dataset's description, never its data: no records, no attachments."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from datapolis.access import services
from datapolis.access.services import Holder
from datapolis.catalog.models import Attachment
from tests.access.fixtures import MAIN_HOST

BASE = "/api/explore/v2.1/catalog/datasets/restricted"
ATTACHMENT_BODY = b"commune;budget\nMeudon;12 000\n"


@pytest.fixture
def reader(matrix_with_data) -> Client:
    dataset = matrix_with_data.datasets["restricted"]
    attachment = Attachment(dataset=dataset, attachment_id="budget", title="Budget détaillé", mimetype="text/csv")
    attachment.file.save("budget.csv", ContentFile(ATTACHMENT_BODY), save=True)
    services.grant("restricted", Holder(user="reader"), metadata_only=True)
    client = Client(HTTP_HOST=MAIN_HOST)
    client.force_login(matrix_with_data.users["reader"])
    return client


def test_a_metadata_only_reader_sees_the_description(reader):
    response = reader.get(BASE)
    assert response.status_code == 200
    body = response.json()
    assert body["dataset_id"] == "restricted"
    assert body["data_visible"] is False
    assert body["attachments"] == []


@pytest.mark.parametrize("path", ["/attachments", "/attachments/budget", "/records"])
def test_a_metadata_only_reader_reaches_no_data(reader, path):
    response = reader.get(BASE + path)
    assert response.status_code == 404
    assert not response.streaming and ATTACHMENT_BODY not in response.content


def test_a_full_grant_reaches_the_attachment(reader):
    services.grant("restricted", Holder(user="reader"))
    listing = reader.get(BASE + "/attachments").json()
    assert [item["metas"]["id"] for item in listing["attachments"]] == ["budget"]
    response = reader.get(BASE + "/attachments/budget")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == ATTACHMENT_BODY


def test_the_portal_page_lists_no_attachment_for_metadata_only(reader):
    page = reader.get("/dataset/restricted/")
    assert page.status_code == 200
    assert "Budget détaillé" not in page.content.decode()
    services.grant("restricted", Holder(user="reader"))
    assert "Budget détaillé" in reader.get("/dataset/restricted/").content.decode()
