"""A "url" source: conditional GET, unchanged by 304 or by SHA-256, size cap, SSRF."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from datapolis.fetching import FetchError, SourceError, SourceSpec, Validators, fetch_source
from tests.fetching.conftest import LOOPBACK, QuietHandler, http_server

CSV = b"code;nom\n35238;Rennes\n35288;Saint-Malo\n"


class State:
    body = CSV
    etag = True
    requests: list[dict[str, str]] = []


class CsvHandler(QuietHandler):
    def do_GET(self) -> None:
        State.requests.append(dict(self.headers))
        tag = '"' + hashlib.sha256(State.body).hexdigest()[:16] + '"'
        if State.etag and self.headers.get("If-None-Match") == tag:
            self.send_response(304)
            self.end_headers()
            return
        extra = {"ETag": tag, "Last_Modified": "Wed, 13 Mar 2024 10:00:00 GMT"} if State.etag else {}
        self.send_body(State.body, "text/csv", **extra)


@pytest.fixture
def server():
    State.body, State.etag, State.requests = CSV, True, []
    with http_server(CsvHandler) as url:
        yield url


def fetch(url: str, folder: Path, previous: Validators | None = None, **options):
    spec = SourceSpec("url", f"{url}/exports/communes.csv")
    arguments = {"allowed_networks": LOOPBACK, "max_bytes": 1_000_000, "timeout": 10, **options}
    return fetch_source(spec, folder, previous=previous, **arguments)


def test_the_file_is_downloaded_with_its_validators(server, tmp_path):
    result = fetch(server, tmp_path)
    assert result.path == tmp_path / "communes.csv" and result.path.read_bytes() == CSV
    assert result.filename == "communes.csv" and not result.unchanged
    assert result.sha256 == hashlib.sha256(CSV).hexdigest() and result.size == len(CSV)
    assert result.validators.etag.startswith('"') and result.validators.last_modified.startswith("Wed")
    assert Validators.from_dict(result.validators.to_dict()) == result.validators


def test_a_304_answer_means_unchanged(server, tmp_path):
    first = fetch(server, tmp_path / "one")
    second = fetch(server, tmp_path / "two", previous=first.validators)
    assert second.unchanged and second.path is None and second.sha256 == first.sha256
    assert State.requests[-1]["If-None-Match"] == first.validators.etag
    assert State.requests[-1]["If-Modified-Since"] == first.validators.last_modified
    assert list((tmp_path / "two").iterdir()) == []


def test_the_same_content_without_validators_is_unchanged(server, tmp_path):
    State.etag = False
    first = fetch(server, tmp_path / "one")
    second = fetch(server, tmp_path / "two", previous=first.validators)
    assert second.unchanged and second.path is None
    assert list((tmp_path / "two").iterdir()) == []


def test_changed_content_is_downloaded(server, tmp_path):
    first = fetch(server, tmp_path / "one")
    State.body = CSV + b"35047;Bruz\n"
    second = fetch(server, tmp_path / "two", previous=first.validators)
    assert not second.unchanged and second.path.read_bytes().endswith(b"Bruz\n")
    assert second.sha256 != first.sha256


def test_the_size_cap(server, tmp_path):
    with pytest.raises(FetchError, match="larger than") as caught:
        fetch(server, tmp_path, max_bytes=10)
    assert caught.value.code == "too_large" and "/exports/communes.csv" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_loopback_is_refused_unless_allowed(server, tmp_path):
    with pytest.raises(SourceError, match="private or reserved address") as caught:
        fetch(server, tmp_path, allowed_networks=())
    assert caught.value.code == "private_address" and str(caught.value).startswith(server)


def test_an_http_error_names_the_source_and_the_status(tmp_path):
    class Missing(QuietHandler):
        def do_GET(self) -> None:
            self.send_body(b"no", "text/plain", status=404)

    with http_server(Missing) as url, pytest.raises(SourceError, match="404") as caught:
        fetch(url, tmp_path)
    assert caught.value.code == "http_status" and f"{url}/exports/communes.csv" in str(caught.value)


def test_credentials_in_the_address_are_refused_without_being_shown(tmp_path):
    spec = SourceSpec("url", "https://bob:hunter2@data.example.fr/file.csv")
    with pytest.raises(SourceError) as caught:
        fetch_source(spec, tmp_path, max_bytes=100, timeout=1)
    assert "hunter2" not in str(caught.value) and "bob" not in str(caught.value)
    assert caught.value.code == "credentials"
