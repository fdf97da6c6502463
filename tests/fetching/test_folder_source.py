"""A "folder" source: a file, or the newest match, only under the allowed folders."""

from __future__ import annotations

import os

import pytest

from datapolis.fetching import SourceError, SourceSpec, fetch_source

CSV = b"code;nom\n35238;Rennes\n"


@pytest.fixture
def drop(tmp_path):
    """An allowed folder holding two exports and a secret beside it."""
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "export-2024-01.csv").write_bytes(CSV)
    os.utime(folder / "export-2024-01.csv", (1_700_000_000, 1_700_000_000))
    (folder / "export-2024-02.csv").write_bytes(CSV + b"35288;Saint-Malo\n")
    os.utime(folder / "export-2024-02.csv", (1_700_100_000, 1_700_100_000))
    (folder / "notes.txt").write_text("not data")
    os.utime(folder / "notes.txt", (1_700_200_000, 1_700_200_000))
    (tmp_path / "secret.csv").write_text("password;hunter2\n")
    return folder


def fetch(location: str, allowed, out, previous=None, **options):
    source = SourceSpec("folder", location, options=options)
    return fetch_source(source, out, previous=previous, allowed_folders=allowed, max_bytes=1_000_000, timeout=5)


def test_the_newest_matching_file_is_copied(drop, tmp_path):
    result = fetch(str(drop), [drop], tmp_path / "out", pattern="*.csv")
    assert result.filename == "export-2024-02.csv" and result.path.read_bytes().endswith(b"Saint-Malo\n")
    assert result.validators.mtime == "2023-11-16T02:00:00+00:00" and result.validators.size == result.size


def test_a_file_then_unchanged_then_changed(drop, tmp_path):
    first = fetch(str(drop / "export-2024-01.csv"), [drop], tmp_path / "one")
    assert first.path.read_bytes() == CSV
    second = fetch(str(drop / "export-2024-01.csv"), [drop], tmp_path / "two", previous=first.validators)
    assert second.unchanged and second.path is None and second.sha256 == first.sha256
    os.utime(drop / "export-2024-01.csv")  # touched, same content: read, still unchanged
    third = fetch(str(drop / "export-2024-01.csv"), [drop], tmp_path / "three", previous=second.validators)
    assert third.unchanged and third.path is None and list((tmp_path / "three").iterdir()) == []
    (drop / "export-2024-01.csv").write_bytes(CSV + b"35047;Bruz\n")
    fourth = fetch(str(drop / "export-2024-01.csv"), [drop], tmp_path / "four", previous=third.validators)
    assert not fourth.unchanged and fourth.path.read_bytes().endswith(b"Bruz\n")


def test_a_path_relative_to_the_allowed_folder(drop, tmp_path):
    assert fetch("export-2024-01.csv", [drop], tmp_path / "out").path.read_bytes() == CSV


@pytest.mark.parametrize("location", ["{drop}/../secret.csv", "{tmp}/secret.csv", "../secret.csv", "/etc/passwd"])
def test_escapes_are_refused(drop, tmp_path, location):
    with pytest.raises(SourceError, match="outside the folders this server may read") as caught:
        fetch(location.format(drop=drop, tmp=tmp_path), [drop], tmp_path / "out")
    assert caught.value.code == "folder_not_allowed"


def test_a_symbolic_link_out_of_the_folder_is_refused(drop, tmp_path):
    (drop / "link.csv").symlink_to(tmp_path / "secret.csv")
    with pytest.raises(SourceError, match="outside"):
        fetch(str(drop / "link.csv"), [drop], tmp_path / "out")
    os.utime(drop / "link.csv", (1_800_000_000, 1_800_000_000))  # the newest match, through the link
    with pytest.raises(SourceError, match="outside"):
        fetch(str(drop), [drop], tmp_path / "out", pattern="*.csv")


def test_a_pattern_climbing_out_is_refused(drop, tmp_path):
    with pytest.raises(SourceError, match="outside"):
        fetch(str(drop), [drop], tmp_path / "out", pattern="../*.csv")


def test_no_allowed_folder_means_no_folder_source(drop, tmp_path):
    with pytest.raises(SourceError, match="none is allowed"):
        fetch(str(drop), [], tmp_path / "out")


def test_nothing_matches(drop, tmp_path):
    with pytest.raises(SourceError, match=r"no file in the folder matches \*\.xlsx") as caught:
        fetch(str(drop), [drop], tmp_path / "out", pattern="*.xlsx")
    assert str(drop) in str(caught.value)


def test_the_size_cap(drop, tmp_path):
    source = SourceSpec("folder", str(drop / "export-2024-01.csv"))
    with pytest.raises(SourceError, match="larger than"):
        fetch_source(source, tmp_path / "out", allowed_folders=[drop], max_bytes=5, timeout=5)
