"""Multivalued text fields: a CSV column split on the separator the publisher names, and the
lists of typed formats (Parquet, JSON arrays of strings) kept as lists, stored as `VARCHAR[]`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from datapolis.ingest import IngestError, ReadOptions
from datapolis.ingest.isolation import isolated

from .conftest import field_types, read_path, rows

# The ODS exports of georef-france-departement: the CSV column (label) of each multivalued field of the JSON.
GEOREF_MULTIVALUED = {
    "code_officiel_region": "reg_code",
    "nom_officiel_region": "reg_name",
    "code_officiel_departement": "dep_code",
    "code_officiel_courant_departement": "dep_current_code",
    "nom_officiel_departement": "dep_name",
    "statut_departement": "dep_status",
}


@pytest.fixture
def communes(shared_datasets: Path) -> list[dict]:
    return json.loads((shared_datasets / "decoupage-administratif" / "communes.json").read_text())


@pytest.fixture
def communes_csv(tmp_path: Path, communes: list[dict]) -> Path:
    """The communes as a `;` CSV whose postal codes are joined by `, ` (empty when a commune has none)."""
    path = tmp_path / "communes.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, delimiter=";")
        writer.writerow(["code", "type", "nom", "Codes postaux", "population"])
        for commune in communes:
            codes = ", ".join(commune.get("codesPostaux") or [])
            writer.writerow([commune["code"], commune["type"], commune["nom"], codes, commune.get("population", "")])
    return path


def stored_type(con: duckdb.DuckDBPyConnection, relation: str, name: str) -> str:
    described = con.execute(f'DESCRIBE SELECT "{name}" FROM "{relation}"').fetchall()
    return str(described[0][1])


def test_a_semicolon_csv_column_is_split_on_commas(con, communes_csv: Path, communes: list[dict]) -> None:
    prepared = read_path(con, communes_csv, multivalued={"codes_postaux": ","})

    assert prepared.source["delimiter"] == ";"
    spec = {s.name: s for s in prepared.fields}["codes_postaux"]
    assert (spec.label, spec.type, spec.annotations) == ("Codes postaux", "text", {"multivalued": [","]})
    assert stored_type(con, prepared.relation, "codes_postaux") == "VARCHAR[]"
    read = {(code, kind): codes for code, kind, codes in rows(con, prepared, "code", "type", "codes_postaux")}
    assert read == {(c["code"], c["type"]): c.get("codesPostaux") for c in communes}  # values trimmed
    assert len(read[("13055", "commune-actuelle")]) == 16  # Marseille
    assert prepared.source["multivalued"] == {"codes_postaux": ","}


def test_a_multivalued_column_is_not_inferred(con, communes_csv: Path) -> None:
    plain = read_path(con, communes_csv)
    listed = read_path(con, communes_csv, multivalued={"population": ","})

    assert field_types(plain)["population"] == "int"
    assert field_types(listed)["population"] == "text"
    populations = {code: values for code, values in rows(con, listed, "code", "population")}
    assert populations["13055"] == ["886040"]  # Marseille


def test_the_ods_csv_export_gives_the_lists_of_the_json_export(con, shared_data: Path) -> None:
    """ODS joins a multivalued field's values with `,` in its CSV export, and writes a list in its JSON export."""
    exports = shared_data / "ods-reference"
    from_csv = read_path(
        con, exports / "georef-france-departement.csv", multivalued=dict.fromkeys(GEOREF_MULTIVALUED, ",")
    )
    from_json = read_path(con, exports / "georef-france-departement.json")

    for csv_name, json_name in GEOREF_MULTIVALUED.items():
        assert {s.name: s.annotations for s in from_csv.fields}[csv_name] == {"multivalued": [","]}
        assert {s.name: s.annotations for s in from_json.fields}[json_name] == {"multivalued": [","]}
    csv_rows = sorted(rows(con, from_csv, *GEOREF_MULTIVALUED), key=str)
    json_rows = sorted(rows(con, from_json, *GEOREF_MULTIVALUED.values()), key=str)
    assert csv_rows == json_rows and len(csv_rows) == 109
    clipperton = [row for row in json_rows if row[4] == ["Île de Clipperton"]]
    assert clipperton == [(["989"], ["Île de Clipperton"], ["989"], ["989"], ["Île de Clipperton"], None)]


def test_empty_values_are_dropped_and_a_record_without_values_is_null(con, tmp_path: Path) -> None:
    path = tmp_path / "tags.csv"
    path.write_text("n;tags\n1;vélo, gare\n2;vélo,,gare,\n3;\n4; , \n5;  Écoles  \n", encoding="utf-8")

    prepared = read_path(con, path, multivalued={"tags": ","})

    assert rows(con, prepared, "n", "tags", order="n") == [
        (1, ["vélo", "gare"]),
        (2, ["vélo", "gare"]),
        (3, None),
        (4, None),
        (5, ["Écoles"]),
    ]


def test_the_separator_can_be_any_short_text(con, tmp_path: Path) -> None:
    path = tmp_path / "horaires.csv"
    path.write_text("id,jours\n1,lundi|mardi\n2,samedi\n", encoding="utf-8")

    prepared = read_path(con, path, multivalued={"jours": "|"})

    assert {s.name: s.annotations for s in prepared.fields}["jours"] == {"multivalued": ["|"]}
    assert rows(con, prepared, "jours", order="id") == [(["lundi", "mardi"],), (["samedi"],)]


@pytest.fixture
def communes_parquet(con: duckdb.DuckDBPyConnection, tmp_path: Path, shared_datasets: Path) -> Path:
    """Communes in Parquet: postal codes as `VARCHAR[]`, numbers as `BIGINT[]`, a list of objects."""
    source = shared_datasets / "decoupage-administratif" / "communes.json"
    path = tmp_path / "communes.parquet"
    con.execute(
        f"""
        COPY (
            SELECT code, type, codesPostaux, [population, rangChefLieu] AS chiffres,
                   [{{'code': code, 'nom': nom}}] AS membres
            FROM read_json(?, format = 'array')
        ) TO '{path}' (FORMAT parquet)
        """,
        [str(source)],
    )
    return path


def test_parquet_lists_of_scalars_are_multivalued_text(con, communes_parquet: Path, communes: list[dict]) -> None:
    prepared = read_path(con, communes_parquet)

    specs = {s.name: s for s in prepared.fields}
    assert (specs["codespostaux"].type, specs["codespostaux"].annotations) == ("text", {"multivalued": [","]})
    assert (specs["chiffres"].type, specs["chiffres"].annotations) == ("text", {"multivalued": [","]})
    assert stored_type(con, prepared.relation, "codespostaux") == "VARCHAR[]"
    assert stored_type(con, prepared.relation, "chiffres") == "VARCHAR[]"
    read = {(code, kind): codes for code, kind, codes in rows(con, prepared, "code", "type", "codespostaux")}
    assert read == {(c["code"], c["type"]): c.get("codesPostaux") for c in communes}
    marseille = rows(con, prepared, "chiffres", "membres", order="code = '13055' DESC, type")[0]
    assert marseille[0] == ["886040", "0"]
    # lists of objects stay JSON text
    assert (specs["membres"].type, specs["membres"].annotations) == ("text", {})
    assert json.loads(marseille[1]) == [{"code": "13055", "nom": "Marseille"}]


def test_a_list_without_values_is_null(con, tmp_path: Path) -> None:
    path = tmp_path / "tags.parquet"
    values = "(1, ['vélo', NULL, '']), (2, []), (3, NULL)"
    con.execute(f"COPY (SELECT * FROM (VALUES {values}) t(n, tags)) TO '{path}' (FORMAT parquet)")

    prepared = read_path(con, path)

    assert rows(con, prepared, "n", "tags", order="n") == [(1, ["vélo"]), (2, None), (3, None)]


def test_the_separator_of_a_list_is_the_one_given(con, communes_parquet: Path) -> None:
    prepared = read_path(con, communes_parquet, multivalued={"codespostaux": ";"})

    assert {s.name: s.annotations for s in prepared.fields}["codespostaux"] == {"multivalued": [";"]}


def test_json_arrays_of_strings_are_lists(con, shared_datasets: Path) -> None:
    prepared = read_path(con, shared_datasets / "decoupage-administratif" / "communes.json")

    specs = {s.name: s for s in prepared.fields}
    assert specs["codespostaux"].annotations == {"multivalued": [","]}
    assert stored_type(con, prepared.relation, "codespostaux") == "VARCHAR[]"
    (codes,) = rows(con, prepared, "codespostaux", order="code, type")[0]
    assert codes == ["01400"]  # not the JSON text '["01400"]'


def test_an_unknown_field_is_an_error_listing_the_fields(con, communes_csv: Path) -> None:
    with pytest.raises(IngestError) as raised:
        read_path(con, communes_csv, multivalued={"codes": ","})

    error = raised.value
    assert (error.code, error.field) == ("bad_option", "codes")
    assert error.params["fields"] == "code, type, nom, codes_postaux, population"
    assert "codes" in error.message and "codes_postaux" in error.message


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"multivalued": {"nom": ""}}, "nom"),
        ({"multivalued": {"nom": ", , , "}}, "nom"),
        ({"multivalued": {"population": ","}, "field_types": {"population": "int"}}, "population"),
    ],
)
def test_bad_multivalued_options_are_errors(con, communes_csv: Path, options: dict, field: str) -> None:
    with pytest.raises(IngestError) as raised:
        read_path(con, communes_csv, **options)
    assert (raised.value.code, raised.value.field) == ("bad_option", field)


def test_a_geometry_cannot_be_multivalued(con, shared_data: Path) -> None:
    """A typed format's geometry; a CSV's Geo Shape is text, which a publisher may split."""
    with pytest.raises(IngestError) as raised:
        read_path(con, shared_data / "ods-reference/georef-france-departement.json", multivalued={"geo_shape": ","})
    assert (raised.value.code, raised.value.field) == ("bad_option", "geo_shape")


def test_the_option_is_kept_in_a_dict_and_read_back() -> None:
    options = ReadOptions(delimiter=";", multivalued={"codes_postaux": ","})

    assert options.to_dict() == {"delimiter": ";", "multivalued": {"codes_postaux": ","}}
    assert ReadOptions(**options.to_dict()) == options
    assert "multivalued" not in ReadOptions().to_dict()


@pytest.mark.once
def test_the_isolated_reader_keeps_the_lists(con, communes_csv: Path, communes: list[dict]) -> None:
    with isolated(communes_csv, ReadOptions(multivalued={"codes_postaux": ","})) as staged:
        prepared = staged.prepare(con)
        assert {s.name: s.annotations for s in prepared.fields}["codes_postaux"] == {"multivalued": [","]}
        assert stored_type(con, prepared.relation, "codes_postaux") == "VARCHAR[]"
        read = {(code, kind): codes for code, kind, codes in rows(con, prepared, "code", "type", "codes_postaux")}
    assert read == {(c["code"], c["type"]): c.get("codesPostaux") for c in communes}
