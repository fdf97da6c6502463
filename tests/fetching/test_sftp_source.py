"""An "sftp" source, read from a real asyncssh server: host keys (pinned, trusted on first use), auth, SSRF."""

from __future__ import annotations

import os

import asyncssh
import pytest

from datapolis.fetching import SourceError, SourceSpec, fetch_source
from tests.fetching.conftest import LOOPBACK, PASSWORD

CSV = b"code;nom\n35238;Rennes\n35288;Saint-Malo\n"


def spec(port: int, password: str = PASSWORD, **options) -> SourceSpec:
    location = f"sftp://127.0.0.1:{port}/exports/communes.csv"
    return SourceSpec("sftp", location, username="alice", password=password, options=options)


def fetch(source: SourceSpec, folder, previous=None, **options):
    arguments = {"allowed_networks": LOOPBACK, "max_bytes": 1_000_000, "timeout": 20, **options}
    return fetch_source(source, folder, previous=previous, **arguments)


@pytest.fixture
def server(sftp_server):
    started = sftp_server()
    (started.root / "exports").mkdir()
    (started.root / "exports" / "communes.csv").write_bytes(CSV)
    os.utime(started.root / "exports" / "communes.csv", (1_700_000_000, 1_700_000_000))
    return started


def test_the_file_is_downloaded_and_the_host_key_recorded(server, tmp_path):
    result = fetch(spec(server.port), tmp_path)
    assert result.path == tmp_path / "communes.csv" and result.path.read_bytes() == CSV
    assert result.validators.size == len(CSV) and result.validators.mtime == "2023-11-14T22:13:20+00:00"
    assert result.validators.host_key == server.host_key.get_fingerprint("sha256")


def test_unchanged_by_stat_then_changed(server, tmp_path):
    first = fetch(spec(server.port), tmp_path / "one")
    second = fetch(spec(server.port), tmp_path / "two", previous=first.validators)
    assert second.unchanged and second.path is None and second.sha256 == first.sha256
    assert second.validators.host_key == first.validators.host_key
    (server.root / "exports" / "communes.csv").write_bytes(CSV + b"35047;Bruz\n")
    third = fetch(spec(server.port), tmp_path / "three", previous=second.validators)
    assert not third.unchanged and third.path.read_bytes().endswith(b"Bruz\n")


def test_a_changed_host_key_is_refused_before_the_password_is_sent(server, sftp_server, tmp_path):
    first = fetch(spec(server.port), tmp_path / "one")
    impostor = sftp_server(asyncssh.generate_private_key("ssh-ed25519"))
    with pytest.raises(SourceError, match="key changed") as caught:
        fetch(spec(impostor.port), tmp_path / "two", previous=first.validators)
    assert caught.value.code == "host_key_changed"
    assert first.validators.host_key in str(caught.value)
    assert impostor.password_attempts == []


def test_a_pinned_host_key(server, tmp_path):
    pinned = server.host_key.export_public_key().decode()
    assert fetch(spec(server.port, host_key=pinned), tmp_path / "one").path.read_bytes() == CSV
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    with pytest.raises(SourceError, match="not the pinned one") as caught:
        fetch(spec(server.port, host_key=other), tmp_path / "two")
    assert caught.value.code == "host_key_changed"


def test_a_private_key(server, sftp_keys, tmp_path):
    private_key = sftp_keys[1].export_private_key().decode()
    source = SourceSpec("sftp", spec(server.port).location, username="alice", options={"private_key": private_key})
    assert fetch(source, tmp_path).path.read_bytes() == CSV


def test_a_wrong_password_is_a_clear_error_without_the_password(server, tmp_path):
    with pytest.raises(SourceError, match="refused the user name, password or key") as caught:
        fetch(spec(server.port, password="wrong-Pa55word-42"), tmp_path)
    assert caught.value.code == "credentials" and f"sftp://127.0.0.1:{server.port}/" in str(caught.value)
    assert "wrong-Pa55word-42" not in str(caught.value)


def test_a_missing_file(server, tmp_path):
    source = SourceSpec("sftp", f"sftp://127.0.0.1:{server.port}/nope.csv", username="alice", password=PASSWORD)
    with pytest.raises(SourceError, match="refused the download") as caught:
        fetch(source, tmp_path / "out")
    assert caught.value.code == "sftp_reply"


def test_the_size_cap(server, tmp_path):
    with pytest.raises(SourceError, match="larger than") as caught:
        fetch(spec(server.port), tmp_path / "out", max_bytes=10)
    assert caught.value.code == "too_large"


def test_loopback_is_refused_unless_allowed(server, tmp_path):
    with pytest.raises(SourceError, match="private or reserved address") as caught:
        fetch(spec(server.port), tmp_path, allowed_networks=())
    assert caught.value.code == "private_address"
    assert server.password_attempts == []
