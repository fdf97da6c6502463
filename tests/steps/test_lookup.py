"""Steps reading another dataset: join, polygon containing a point, offline geocoding."""

from __future__ import annotations

import csv
import unicodedata

import pytest
from shapely import wkt
from shapely.geometry import Point

from datapolis.steps import StepError
from tests.steps.conftest import column, read_path, rows, run

COG = "cog-insee/v_commune_2024.csv"
COMMUNES = "france-geojson/communes-35-ille-et-vilaine.geojson"


@pytest.fixture
def cog(con, shared_datasets):
    return read_path(con, shared_datasets / COG)


def test_join_on_insee_code_takes_the_first_match(con, schools, cog, shared_datasets, lookup):
    context = lookup({"cog": cog})
    applied = run(
        con,
        schools,
        [
            {
                "kind": "join",
                "options": {
                    "dataset": "cog",
                    "key": "code_commune",
                    "remote_key": "com",
                    "fields": ["libelle", "typecom"],
                    "prefix": "cog_",
                },
            }
        ],
        context,
    )
    first: dict[str, tuple[str, str]] = {}
    with open(shared_datasets / COG, encoding="utf-8") as file:
        for record in csv.DictReader(file):
            first.setdefault(record["COM"], (record["LIBELLE"], record["TYPECOM"]))
    expected = [first.get(code, (None, None)) for code in column(con, schools, "code_commune")]
    assert rows(con, applied.prepared, "cog_libelle", "cog_typecom") == expected
    assert len(rows(con, applied.prepared)) == 117
    assert applied.counts[0].changed == sum(1 for e in expected if e[0])


def test_join_refusing_duplicate_keys(con, schools, cog, lookup):
    with pytest.raises(StepError) as caught:
        run(
            con,
            schools,
            [
                {
                    "kind": "join",
                    "options": {"dataset": "cog", "key": "code_commune", "remote_key": "com", "duplicates": "error"},
                }
            ],
            lookup({"cog": cog}),
        )
    assert "several rows" in caught.value.message and caught.value.row >= 1


def test_point_in_commune_matches_shapely(con, schools, shared_datasets, lookup):
    communes = read_path(con, shared_datasets / COMMUNES)
    applied = run(
        con,
        schools,
        [
            {
                "kind": "point_in_polygon",
                "options": {
                    "point": "position",
                    "dataset": "communes",
                    "fields": ["code", "nom"],
                    "prefix": "commune_",
                },
            }
        ],
        lookup({"communes": communes}),
    )
    polygons = [
        (code, wkt.loads(text))
        for code, text in con.execute(f'SELECT code, ST_AsText(geo_shape) FROM "{communes.relation}"').fetchall()
    ]
    got = column(con, applied.prepared, "commune_code")
    matched = 0
    for point, code in zip(column(con, schools, "position"), got, strict=True):
        inside = [c for c, polygon in polygons if polygon.contains(Point(point["lon"], point["lat"]))]
        assert code == (inside[0] if inside else None)
        matched += bool(inside)
    assert matched > 100
    # The schools file names its commune's INSEE code: most points fall inside it.
    agree = sum(1 for a, b in zip(got, column(con, schools, "code_commune"), strict=True) if a == b)
    assert agree >= 0.9 * len(got)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def test_geocode_addresses_written_differently(con, schools, lookup):
    # A BAN-like reference from the schools' own geolocated addresses ("12 avenue DES ACACIAS").
    con.execute(f"""CREATE TEMP TABLE ban AS
        SELECT regexp_extract(adresse, '^(\\d+) ', 1) AS numero, regexp_replace(adresse, '^\\d+ ', '') AS nom_voie,
               code_postal, commune AS nom_commune, longitude AS lon, latitude AS lat
        FROM "{schools.relation}" WHERE regexp_matches(adresse, '^\\d+ ') AND qualite_d_appariement = 'Parfaite'""")
    from datapolis.engine.store import Prepared
    from datapolis.schema import FieldSpec

    ban = Prepared(
        "ban",
        [
            FieldSpec(n, n, t)
            for n, t in (
                ("numero", "text"),
                ("nom_voie", "text"),
                ("code_postal", "text"),
                ("nom_commune", "text"),
                ("lon", "double"),
                ("lat", "double"),
            )
        ],
    )
    reference = con.execute("SELECT numero, nom_voie, code_postal, nom_commune, lon, lat FROM ban").fetchall()
    assert len(reference) > 20
    abbreviations = {"avenue": "av.", "boulevard": "bd", "saint": "st", "place": "pl", "rue": "r."}

    def rewrite(number: str, street: str) -> str:
        words = [abbreviations.get(_fold(w), w) for w in street.split()]
        return f"{number}, {' '.join(words).title()}"

    rewritten = [(rewrite(n, s), p, c.upper(), lon, lat) for n, s, p, c, lon, lat in reference]
    con.execute("CREATE TEMP TABLE queries (adresse VARCHAR, code_postal VARCHAR, commune VARCHAR)")
    con.executemany(
        "INSERT INTO queries VALUES (?, ?, ?)",
        [r[:3] for r in rewritten] + [("3 rue qui n'existe pas", "35000", "RENNES")],
    )
    queries = Prepared(
        "queries",
        [
            FieldSpec("adresse", "Adresse", "text"),
            FieldSpec("code_postal", "CP", "text"),
            FieldSpec("commune", "Commune", "text"),
        ],
    )
    applied = run(
        con,
        queries,
        [
            {
                "kind": "geocode",
                "options": {"dataset": "ban", "address": "adresse", "postcode": "code_postal", "city": "commune"},
            }
        ],
        lookup({"ban": ban}),
    )
    got = rows(con, applied.prepared, "geo_point_2d", "geocode_score", "geocode_quality")
    for (point, score, quality), (_, _, _, lon, lat) in zip(got, rewritten, strict=False):
        assert quality == "housenumber" and score >= 0.85
        assert point["lon"] == pytest.approx(lon) and point["lat"] == pytest.approx(lat)
    assert got[-1] == (None, None, "not_found")
    assert any("bd " in r[0] or "Av. " in r[0] or "St " in r[0] for r in rewritten)
