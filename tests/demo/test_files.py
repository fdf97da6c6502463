"""Demo files are replaced atomically: a failed write leaves the previous file and no temporary file."""

from __future__ import annotations

from pathlib import Path

import pytest

from datapolis.demo.files import write_atomically, write_csv


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "data.csv"
    target.write_text("previous")

    def failing_write(temporary: Path) -> None:
        temporary.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_atomically(target, failing_write)
    assert target.read_text() == "previous"
    assert [path.name for path in tmp_path.iterdir()] == ["data.csv"]


def test_csv_is_written_with_the_requested_dialect(tmp_path: Path) -> None:
    target = tmp_path / "data.csv"
    count = write_csv(target, ["nom", "valeur"], [["Écluse", "1,5"]], delimiter=";", encoding="cp1252", line_end="\r\n")
    assert count == 1
    assert target.read_bytes() == "nom;valeur\r\nÉcluse;1,5\r\n".encode("cp1252")
