"""FTP and SFTP sources with a user and password: stored encrypted, never shown, and refreshed like the others.

The servers are pyftpdlib and asyncssh on 127.0.0.1 (tests.fetching.conftest), with the
user alice and the password PASSWORD.
"""

from __future__ import annotations

import os

import asyncssh
import pytest
from django.db import connection

from datapolis.sources import services
from datapolis.sources.models import DatasetSource, Outcome
from tests.sources.conftest import PASSWORD, count_records, first_lines, served, version_numbers

pytestmark = pytest.mark.django_db


def stored_password_column() -> str:
    """The password column as the database holds it (not through the model)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT password FROM {DatasetSource._meta.db_table}")
        return cursor.fetchone()[0]


@pytest.fixture
def ftp(ftp_server, schools):
    root, port = ftp_server
    (root / "ecoles.csv").write_bytes(schools.read_bytes())
    return root, f"ftp://127.0.0.1:{port}/ecoles.csv"


@pytest.fixture
def sftp(sftp_server, schools):
    server = sftp_server()
    (server.root / "ecoles.csv").write_bytes(schools.read_bytes())
    return server, f"sftp://127.0.0.1:{server.port}/ecoles.csv"


def test_ftp_password_is_encrypted_and_the_source_refreshes(dataset, ftp, loopback, schools):
    root, url = ftp
    source = services.set_source(dataset, url, username="alice", password=PASSWORD)
    assert source.kind == "ftp"
    column = stored_password_column()
    assert column and PASSWORD not in column
    assert services.spec_of(source).password == PASSWORD

    assert services.refresh(dataset).changed
    assert count_records(schools) == 117 and served(dataset) == (1, 117)
    assert services.refresh(dataset).refresh.outcome == Outcome.UNCHANGED
    (root / "ecoles.csv").write_bytes(first_lines(schools, 10))
    os.utime(root / "ecoles.csv", (1_700_000_000, 1_700_000_000))  # another time than the first file's
    assert services.refresh(dataset).refresh.version == 2
    assert served(dataset) == (2, 10) and version_numbers(dataset) == [1, 2]


def test_a_wrong_ftp_password_fails_without_showing_it(dataset, ftp, loopback):
    _, url = ftp
    services.set_source(dataset, url, username="alice", password="Wrong-Pa55word")
    run = services.refresh(dataset).refresh
    assert run.outcome == Outcome.FAILED
    assert run.error.startswith(url) and "530" in run.error
    assert "Wrong-Pa55word" not in run.error
    assert served(dataset) == (None, 0)


def test_credentials_written_in_the_url_are_stored_apart(dataset, ftp, loopback):
    _, url = ftp
    with_credentials = url.replace("ftp://", f"ftp://alice:{PASSWORD}@")
    source = services.set_source(dataset, with_credentials)
    source.refresh_from_db()
    assert source.location == url and source.username == "alice"
    assert PASSWORD not in stored_password_column() and services.spec_of(source).password == PASSWORD
    assert PASSWORD not in str(services.source_summary(source))
    assert services.refresh(dataset).changed  # the credentials taken out of the URL still log in


def test_sftp_password_is_encrypted_and_the_source_refreshes(dataset, sftp, loopback, schools):
    server, url = sftp
    services.set_source(dataset, url, username="alice", password=PASSWORD)
    assert PASSWORD not in stored_password_column()

    first = services.refresh(dataset)
    assert first.changed and served(dataset) == (1, 117)
    source = DatasetSource.objects.get()
    assert source.validators["host_key"] == server.host_key.get_fingerprint("sha256")  # trusted on first use
    assert services.refresh(dataset).refresh.outcome == Outcome.UNCHANGED
    assert version_numbers(dataset) == [1]


def test_a_wrong_sftp_password_fails_without_showing_it(dataset, sftp, loopback):
    _, url = sftp
    services.set_source(dataset, url, username="alice", password="Wrong-Pa55word")
    run = services.refresh(dataset).refresh
    assert run.outcome == Outcome.FAILED and run.error.startswith(url)
    assert "Wrong-Pa55word" not in run.error
    assert served(dataset) == (None, 0)


def test_a_forced_refresh_still_refuses_a_changed_host_key(dataset, sftp, sftp_server, loopback):
    _, url = sftp
    services.set_source(dataset, url, username="alice", password=PASSWORD)
    assert services.refresh(dataset).changed
    impostor = sftp_server(asyncssh.generate_private_key("ssh-ed25519"))
    source = DatasetSource.objects.get()
    source.location = url.replace(str(sftp[0].port), str(impostor.port))  # the same server, its key changed
    source.save()
    run = services.refresh(dataset, force=True).refresh
    assert run.outcome == Outcome.FAILED and "key changed" in run.error
    assert impostor.password_attempts == [] and served(dataset) == (1, 117)
