"""A source on a real HTTP server: versions made only when the file changes, failures that keep the last good one.

The server (127.0.0.1) serves whatever `Served` holds; the records are counted with
Python's csv module, independently of Datapolis' readers.
"""

from __future__ import annotations

import pytest

from datapolis.sources import services
from datapolis.sources.models import Outcome, Refresh
from tests.sources.conftest import QuietHandler, count_records, first_lines, http_server, served, version_numbers

pytestmark = pytest.mark.django_db


class Served:
    body = b""
    status = 200
    content_type = "text/csv; charset=utf-8"


class Handler(QuietHandler):
    def do_GET(self) -> None:
        if self.path != "/ecoles.csv":
            self.send_body(b"not found", "text/plain", status=404)
            return
        self.send_body(Served.body, Served.content_type, status=Served.status)


@pytest.fixture
def server(schools):
    Served.body, Served.status, Served.content_type = schools.read_bytes(), 200, "text/csv; charset=utf-8"
    with http_server(Handler) as url:
        yield url


@pytest.fixture
def refreshed(dataset, server, loopback, schools):
    """The dataset with its source set and a first version (117 schools)."""
    services.set_source(dataset, f"{server}/ecoles.csv", schedule="1d")
    result = services.refresh(dataset)
    assert result.refresh.outcome == Outcome.CHANGED, result.refresh.error
    return result.dataset


def test_first_refresh_makes_version_1_with_every_record(refreshed, schools):
    assert count_records(schools) == 117
    assert served(refreshed) == (1, 117)
    assert version_numbers(refreshed) == [1]
    run = Refresh.objects.get()
    assert run.version == 1 and run.fetched["filename"] == "ecoles.csv"
    assert run.fetched["size"] == schools.stat().st_size
    assert refreshed.is_published  # a new dataset's first data is published


def test_nothing_changed_makes_no_version(refreshed):
    result = services.refresh(refreshed)
    assert result.refresh.outcome == Outcome.UNCHANGED and not result.changed
    assert result.refresh.version is None and result.refresh.fetched["unchanged"] is True
    assert served(refreshed) == (1, 117) and version_numbers(refreshed) == [1]


def test_a_changed_file_makes_a_new_version_with_the_new_count(refreshed, schools, tmp_path):
    Served.body = first_lines(schools, 40)
    (tmp_path / "shorter.csv").write_bytes(Served.body)
    result = services.refresh(refreshed)
    assert result.changed and result.refresh.version == 2
    assert count_records(tmp_path / "shorter.csv") == 40
    assert served(refreshed) == (2, 40) and version_numbers(refreshed) == [1, 2]


def test_force_imports_an_unchanged_file_again(refreshed):
    result = services.refresh(refreshed, force=True)
    assert result.changed and served(refreshed) == (2, 117)


@pytest.mark.parametrize(
    ("status", "expected"), [(404, "answered 404 Not Found"), (500, "answered 500 Internal Server Error")]
)
def test_an_http_error_fails_and_keeps_the_last_good_version(refreshed, server, status, expected):
    Served.status, Served.body = status, b"Oops"
    result = services.refresh(refreshed)
    run = result.refresh
    assert run.outcome == Outcome.FAILED and run.version is None
    assert run.error.startswith(f"{server}/ecoles.csv: ") and expected in run.error
    assert served(refreshed) == (1, 117) and version_numbers(refreshed) == [1]
    assert list(Refresh.objects.values_list("outcome", flat=True)) == [Outcome.FAILED, Outcome.CHANGED]
    source = refreshed.refresh_source
    source.refresh_from_db()
    assert source.last_outcome == Outcome.FAILED and source.next_run > source.last_checked  # tried again later


def test_a_garbage_file_fails_and_keeps_the_last_good_version(refreshed, server):
    Served.body = bytes(range(256)) * 64  # binary, not a CSV
    result = services.refresh(refreshed)
    assert result.refresh.outcome == Outcome.FAILED
    # located at the source, not in the temporary file it was fetched to
    assert (
        result.refresh.error
        == f"{server}/ecoles.csv, line 1: This file is not a CSV file: it holds binary data, not text."
    )
    assert served(refreshed) == (1, 117) and version_numbers(refreshed) == [1]


def test_a_loopback_source_is_refused_without_the_allowed_network(dataset, server, settings):
    settings.DATAPOLIS_FETCH_ALLOWED_NETWORKS = ()
    services.set_source(dataset, f"{server}/ecoles.csv")
    result = services.refresh(dataset)
    assert result.refresh.outcome == Outcome.FAILED
    assert "private or reserved address" in result.refresh.error
    assert served(dataset) == (None, 0)
