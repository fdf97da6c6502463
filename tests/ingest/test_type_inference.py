"""Inference rules on French conventions, and publisher overrides."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from datapolis.ingest import IngestError

from .conftest import field_types, read_path, rows

PARIS = ZoneInfo("Europe/Paris")


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_dates_in_french_and_iso_forms(con, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "date_fr;date_iso;date_slash;date_jour;nombre\n"
        "07/01/2020;2020-01-07;2020/01/07;20200107;20200107\n"
        "31/12/2021;2021-12-31;2021/12/31;20211231;20211231\n",
    )

    prepared = read_path(con, path)

    assert field_types(prepared) == {
        "date_fr": "date",
        "date_iso": "date",
        "date_slash": "date",
        "date_jour": "date",
        "nombre": "int",  # yyyymmdd only under a header saying date
    }
    assert rows(con, prepared)[0] == (dt.date(2020, 1, 7),) * 4 + (20200107,)


def test_impossible_dates_stay_text(con, tmp_path: Path) -> None:
    prepared = read_path(con, write(tmp_path, "date\n31/02/2020\n01/01/2020\n"))
    assert field_types(prepared) == {"date": "text"}


def test_datetimes_with_offsets_and_naive_local_time(con, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mesure;releve;saisie\n"
        "2024-01-04T22:00:00+01:00;2024-07-01 12:30:00;04/01/2024 08:15\n"
        "2024-01-04T21:00:00Z;2024-07-01T12:30;05/01/2024 09:00:30\n",
    )

    prepared = read_path(con, path)

    assert field_types(prepared) == {"mesure": "datetime", "releve": "datetime", "saisie": "datetime"}
    first, second = rows(con, prepared)
    assert first[0] == dt.datetime(2024, 1, 4, 21, 0, tzinfo=dt.UTC)
    assert second[0] == dt.datetime(2024, 1, 4, 21, 0, tzinfo=dt.UTC)
    assert first[1] == dt.datetime(2024, 7, 1, 12, 30, tzinfo=PARIS)  # naive: local time of the territory
    assert first[2] == dt.datetime(2024, 1, 4, 8, 15, tzinfo=PARIS)
    assert second[2] == dt.datetime(2024, 1, 5, 9, 0, 30, tzinfo=PARIS)


def test_booleans_in_words_and_digits(con, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "accessible;gratuit;valide;est_ouvert;nb_salles\nOui;vrai;TRUE;1;1\nnon;FAUX;false;0;0\n",
    )

    prepared = read_path(con, path)

    # 0/1 is a boolean only under a header that says so: elsewhere it is usually a count or a code
    assert field_types(prepared) == {
        "accessible": "boolean",
        "gratuit": "boolean",
        "valide": "boolean",
        "est_ouvert": "boolean",
        "nb_salles": "int",
    }
    assert rows(con, prepared) == [(True, True, True, True, 1), (False, False, False, False, 0)]


def test_identifiers_stay_text(con, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "code_insee;siret;telephone;cp;numero;ean;quantite\n"
        "35238;21350238800019;0299000000;35000;0042;12345678901234567;7\n"
        "35288;21350288300019;0299111111;35400;0043;12345678901234568;8\n",
    )

    prepared = read_path(con, path)

    assert field_types(prepared) == {
        "code_insee": "text",  # header says code
        "siret": "text",
        "telephone": "text",
        "cp": "text",  # "cp" first: a postal code
        "numero": "text",  # leading zeros
        "ean": "text",  # more digits than a quantity has
        "quantite": "int",
    }
    assert rows(con, prepared, "numero")[0] == ("0042",)


def test_no_value_markers_are_null_in_typed_columns_only(con, tmp_path: Path) -> None:
    path = write(tmp_path, "population;commentaire\n1200;NC\nNC;-\n-;ok\n")

    prepared = read_path(con, path)

    assert rows(con, prepared) == [(1200, "NC"), (None, "-"), (None, "ok")]


def test_geo_point_text_geojson_and_wkt_columns(con, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Geo Point;Geo Shape;wkt;valeur\n"
        '"48.85, 2.35";"{""type"": ""LineString"", ""coordinates"": [[2.3, 48.8], [2.4, 48.9]]}";'
        'POINT (2.35 48.85);"12,5"\n'
        '"47.2,-1.55";"{""type"": ""Point"", ""coordinates"": [-1.55, 47.2, 12.0]}";'
        'POLYGON ((0 0, 1 0, 1 1, 0 0));"13,5"\n',
    )

    prepared = read_path(con, path)

    assert field_types(prepared) == {
        "geo_point": "geo_point_2d",
        "geo_shape": "geo_shape",
        "wkt": "geo_shape",
        "valeur": "double",  # "12,5" is a decimal comma, not a point
    }
    shapes = con.execute(
        f'SELECT geo_point, ST_AsText(geo_shape), ST_AsText(wkt) FROM "{prepared.relation}"'
    ).fetchall()
    assert shapes[0] == ({"lon": 2.35, "lat": 48.85}, "LINESTRING (2.3 48.8, 2.4 48.9)", "POINT (2.35 48.85)")
    assert shapes[1][:2] == ({"lon": -1.55, "lat": 47.2}, "POINT (-1.55 47.2)")  # 3-D made 2-D


def test_latitude_longitude_pair_becomes_a_geo_point(con, tmp_path: Path) -> None:
    path = write(tmp_path, "nom,Y_lat,X_long,altitude\nRennes,48.1113,-1.6800,30\nBrest,48.3904,-4.4861,52\n")

    prepared = read_path(con, path)

    assert [(s.name, s.label, s.type) for s in prepared.fields][-1] == ("geo_point_2d", "Geo Point", "geo_point_2d")
    assert rows(con, prepared, "geo_point_2d", "y_lat") == [
        ({"lon": -1.68, "lat": 48.1113}, 48.1113),
        ({"lon": -4.4861, "lat": 48.3904}, 48.3904),
    ]
    assert prepared.source["geo_point_2d"] == {"from": ["y_lat", "x_long"]}


def test_out_of_range_pair_is_not_a_point(con, tmp_path: Path) -> None:
    path = write(tmp_path, "lat,lon\n120,3\n")
    assert "geo_point_2d" not in field_types(read_path(con, path))


def test_forced_types(con, tmp_path: Path) -> None:
    path = write(tmp_path, "code;montant;quand\n0042;12;2020-01-01\n0043;13;2020-01-02\n")

    prepared = read_path(con, path, field_types={"code": "int", "montant": "double", "quand": "text"})

    assert field_types(prepared) == {"code": "int", "montant": "double", "quand": "text"}
    assert rows(con, prepared)[0] == (42, 12.0, "2020-01-01")
    assert prepared.source["field_types"] == {"code": "int", "montant": "double", "quand": "text"}


def test_forced_type_a_value_does_not_fit_names_its_line(con, tmp_path: Path) -> None:
    path = write(tmp_path, 'id;note;montant\n1;"deux\nlignes";12\n2;ok;13\n3;ok;treize\n')

    with pytest.raises(IngestError) as raised:
        read_path(con, path, field_types={"montant": "int"})

    error = raised.value
    assert (error.code, error.line, error.column, error.field) == ("bad_value", 5, 3, "montant")
    assert error.params["value"] == "treize"


def test_forced_type_for_unknown_field(con, tmp_path: Path) -> None:
    with pytest.raises(IngestError) as raised:
        read_path(con, write(tmp_path, "a;b\n1;2\n"), field_types={"c": "int"})
    assert raised.value.code == "bad_option"


def test_full_column_is_checked_not_only_a_sample(con, tmp_path: Path) -> None:
    lines = ["valeur"] + [str(i) for i in range(30000)] + ["n/d", "?"]
    prepared = read_path(con, write(tmp_path, "\n".join(lines) + "\n"))
    assert field_types(prepared) == {"valeur": "text"}
