"""Pages, embeds and tiles count against the caller's rate limits as API calls do; so do wrong API keys."""

from __future__ import annotations

import pytest
from django.test import Client

from datapolis.access import services
from datapolis.access.services import Holder
from tests.access.fixtures import MAIN_HOST

LIMITED = [
    "/",
    "/catalog/?q=velo",
    "/dataset/public/",
    "/dataset/public/table/?q=Meudon",
    "/embed/dataset/public/table/",
]


@pytest.fixture
def small_limits(settings):
    settings.DATAPOLIS_RATE_LIMITS = {"anonymous": "3/minute,1000/day", "authenticated": "5/minute,1000/day"}


@pytest.mark.parametrize("path", [*LIMITED, "/api/tiles/public/0/0/0.pbf"])
def test_the_fourth_anonymous_call_in_a_minute_is_refused(matrix_with_data, small_limits, path):
    client = Client(HTTP_HOST=MAIN_HOST)
    statuses = [client.get(path).status_code for _ in range(4)]
    assert all(status in (200, 204) for status in statuses[:3]), statuses
    assert statuses[3] == 429


def test_pages_and_api_calls_share_one_budget(matrix_with_data, small_limits):
    client = Client(HTTP_HOST=MAIN_HOST)
    assert client.get("/dataset/public/").status_code == 200
    assert client.get("/api/explore/v2.1/catalog/datasets/public/records").status_code == 200
    assert client.get("/dataset/public/table/").status_code == 200
    refused = client.get("/api/explore/v2.1/catalog/datasets/public/records")
    assert refused.status_code == 429
    assert refused.json()["errorcode"] == 10002  # the reference's 429 body


def test_a_signed_in_user_counts_against_their_account(matrix_with_data, small_limits):
    client = Client(HTTP_HOST=MAIN_HOST)
    client.force_login(matrix_with_data.users["reader"])
    statuses = [client.get("/dataset/public/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_guessing_api_keys_is_throttled(matrix_with_data, small_limits):
    client = Client(HTTP_HOST=MAIN_HOST)
    statuses = [
        client.get("/api/explore/v2.1/catalog/datasets", HTTP_AUTHORIZATION=f"Apikey guess-{n}").status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def test_static_files_and_the_back_office_are_not_counted(matrix_with_data, small_limits):
    client = Client(HTTP_HOST=MAIN_HOST)
    client.force_login(matrix_with_data.users["publisher"])
    statuses = [client.get("/backoffice/").status_code for _ in range(8)]
    assert 429 not in statuses


def test_a_granted_dataset_page_counts_too(matrix_with_data, small_limits):
    services.grant("restricted", Holder(user="reader"))
    client = Client(HTTP_HOST=MAIN_HOST)
    client.force_login(matrix_with_data.users["reader"])
    statuses = [client.get("/dataset/restricted/table/").status_code for _ in range(6)]
    assert statuses[-1] == 429 and statuses[:5] == [200] * 5
