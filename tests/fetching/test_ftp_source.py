"""An "ftp" source, read from a real pyftpdlib server: MDTM/SIZE validators, errors, SSRF."""

from __future__ import annotations

import os
import time

import pytest

from datapolis.fetching import SourceError, SourceSpec, fetch_source
from tests.fetching.conftest import LOOPBACK, PASSWORD

CSV = b"code;nom\n35238;Rennes\n35288;Saint-Malo\n"


def spec(port: int, path: str = "/exports/communes.csv", password: str = PASSWORD) -> SourceSpec:
    return SourceSpec("ftp", f"ftp://127.0.0.1:{port}{path}", username="alice", password=password)


def fetch(source: SourceSpec, folder, previous=None, **options):
    arguments = {"allowed_networks": LOOPBACK, "max_bytes": 1_000_000, "timeout": 10, **options}
    return fetch_source(source, folder, previous=previous, **arguments)


@pytest.fixture
def served(ftp_server):
    root, port = ftp_server
    (root / "exports").mkdir()
    (root / "exports" / "communes.csv").write_bytes(CSV)
    os.utime(root / "exports" / "communes.csv", (1_700_000_000, 1_700_000_000))
    return root, port


def test_the_file_is_downloaded_with_mdtm_and_size(served, tmp_path):
    _, port = served
    result = fetch(spec(port), tmp_path)
    assert result.path == tmp_path / "communes.csv" and result.path.read_bytes() == CSV
    assert result.validators.size == len(CSV)
    assert result.validators.mtime == "2023-11-14T22:13:20+00:00"
    assert result.validators.sha256 == result.sha256 and not result.unchanged


def test_same_time_and_size_is_unchanged_without_download(served, tmp_path):
    root, port = served
    first = fetch(spec(port), tmp_path / "one")
    (root / "exports" / "communes.csv").write_bytes(CSV.upper())  # same size, same time: not even read
    os.utime(root / "exports" / "communes.csv", (1_700_000_000, 1_700_000_000))
    second = fetch(spec(port), tmp_path / "two", previous=first.validators)
    assert second.unchanged and second.path is None and second.sha256 == first.sha256
    assert not (tmp_path / "two").exists() or list((tmp_path / "two").iterdir()) == []


def test_a_new_time_with_the_same_content_is_unchanged(served, tmp_path):
    root, port = served
    first = fetch(spec(port), tmp_path / "one")
    os.utime(root / "exports" / "communes.csv", (time.time(), time.time()))
    second = fetch(spec(port), tmp_path / "two", previous=first.validators)
    assert second.unchanged and second.path is None
    assert second.validators.mtime != first.validators.mtime
    assert list((tmp_path / "two").iterdir()) == []


def test_changed_content_is_downloaded(served, tmp_path):
    root, port = served
    first = fetch(spec(port), tmp_path / "one")
    (root / "exports" / "communes.csv").write_bytes(CSV + b"35047;Bruz\n")
    second = fetch(spec(port), tmp_path / "two", previous=first.validators)
    assert not second.unchanged and second.path.read_bytes().endswith(b"Bruz\n")


def test_a_wrong_password_is_a_clear_error_without_the_password(served, tmp_path):
    _, port = served
    with pytest.raises(SourceError, match="refused the user name or password") as caught:
        fetch(spec(port, password="wrong-Pa55word-42"), tmp_path)
    message = str(caught.value)
    assert caught.value.code == "credentials" and "530" in message
    assert f"ftp://127.0.0.1:{port}/exports/communes.csv" in message
    assert "wrong-Pa55word-42" not in message and PASSWORD not in message


def test_a_missing_file_gives_the_ftp_reply(served, tmp_path):
    _, port = served
    with pytest.raises(SourceError, match="550") as caught:
        fetch(spec(port, "/exports/nope.csv"), tmp_path / "out")
    assert caught.value.code == "ftp_reply"
    assert list((tmp_path / "out").iterdir()) == []


def test_the_size_cap(served, tmp_path):
    _, port = served
    with pytest.raises(SourceError, match="larger than") as caught:
        fetch(spec(port), tmp_path / "out", max_bytes=10)
    assert caught.value.code == "too_large"
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_loopback_is_refused_unless_allowed(served, tmp_path):
    _, port = served
    with pytest.raises(SourceError, match="private or reserved address") as caught:
        fetch(spec(port), tmp_path, allowed_networks=())
    assert caught.value.code == "private_address" and PASSWORD not in str(caught.value)


def test_a_url_source_with_an_ftp_address_goes_through_ftp(served, tmp_path):
    _, port = served
    source = SourceSpec("url", f"ftp://127.0.0.1:{port}/exports/communes.csv", username="alice", password=PASSWORD)
    assert fetch(source, tmp_path).path.read_bytes() == CSV
