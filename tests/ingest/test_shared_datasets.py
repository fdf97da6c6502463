"""Every real file of shared/data/datasets reads with the right types and row counts.

Expected types were written by reading the files (see shared/data/README.md); row
counts are the README's, with the few differences explained next to them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from datapolis.ingest import IngestError

from .conftest import count, field_types, read_path, rows

# file -> (options, row count, {field: type})
EXPECTED: dict[str, tuple[dict, int, dict[str, str]]] = {
    "cnaf/txcouv_pe_dep_hist.csv": (
        {},
        610,
        {"date_reference": "int", "numero_departement": "text", "taux_de_couv_global": "double"},
    ),
    "cog-insee/v_commune_2024.csv": (
        {},
        37544,
        {"typecom": "text", "com": "text", "reg": "text", "dep": "text", "libelle": "text", "comparent": "text"},
    ),
    "comptages-routiers-paris/comptages-routiers-permanents-washington.csv": (
        {},
        8412,
        {
            "identifiant_arc": "text",
            "date_et_heure_de_comptage": "datetime",
            "debit_horaire": "double",
            "taux_d_occupation": "double",
            "date_debut_dispo_data": "date",
            "geo_point_2d": "geo_point_2d",
            "geo_shape": "geo_shape",
        },
    ),
    "data-fair-cases/Demarches_PCAET_V1_enr.csv": (
        {},
        196,
        {
            "id": "text",
            "date_creation": "date",
            "population_couverte": "int",
            "siren_collectivites_coporteuses": "text",
            "enr_1_1_production": "double",
        },
    ),
    "data-fair-cases/Fibre optique_ noeuds de la montée en débit dans le département des Côtes d'Armor.csv": (
        {},
        732,
        # yyyymmdd under a "date" header; DATE_LT stays int: it holds "20142111", no date
        {"id_noeud": "text", "id_insee": "text", "no_x": "double", "date_chbre": "date", "geometry": "geo_shape"},
    ),
    "data-fair-cases/Les aides financières ADEME.xlsx": (
        {},
        11985,
        {"idbeneficiaire": "text", "dateconvention": "date", "montant": "double", "notificationue": "boolean"},
    ),
    "data-fair-cases/ouverture.csv": (
        {},
        9999,
        {"id": "text", "date": "date", "heco": "text", "pl1": "text"},
    ),
    "data-fair-cases/rge-null-chars.csv": (
        {},
        7,
        {
            "siret": "text",
            "code_postal": "text",
            "telephone": "text",
            "latitude": "double",
            "longitude": "double",
            "date_debut": "date",
            "geo_point_2d": "geo_point_2d",
        },
    ),
    # README says 8 rows: its last line holds nothing but a stray byte order mark
    "data-fair-cases/salles-sur-yffiniac-6.csv": ({}, 7, {"salle": "text", "capacite": "text"}),
    "decoupage-administratif/communes.json": (
        {},
        37590,
        {"code": "text", "nom": "text", "population": "int", "siren": "text", "codespostaux": "text"},
    ),
    "decoupage-administratif/departements.json": ({}, 109, {"code": "text", "cheflieu": "text", "nom": "text"}),
    "decoupage-administratif/epci.json": ({}, 1255, {"code": "text", "populationtotale": "int", "membres": "text"}),
    "decoupage-administratif/regions.json": ({}, 26, {"code": "text", "typeliaison": "int"}),
    "delinquance-ssmsi/donnee-dep-data.gouv-2023-geographie2024-produit-le2024-07-05.csv": (
        {},
        12928,
        {"annee": "int", "code_departement": "text", "faits": "int", "log": "double", "tauxpourmille": "double"},
    ),
    "dvf-sample/valeursfoncieres-2020.txt": (
        {},
        172,
        {
            "date_mutation": "date",
            "valeur_fonciere": "double",
            "code_postal": "text",
            "code_departement": "text",
            "code_commune": "text",
            "surface_terrain": "int",
        },
    ),
    "education-35/fr-en-adresse-et-geolocalisation-etablissements-premier-et-second-degre.csv": (
        {},
        117,
        {
            "code_etablissement": "text",
            "code_postal": "text",
            "coordonnee_x": "double",
            "latitude": "double",
            "position": "geo_point_2d",
            "date_ouverture": "date",
        },
    ),
    "education-35/fr-en-annuaire-education.csv": (
        {},
        996,
        {
            "code_postal": "text",
            "telephone": "text",
            "siren_siret": "text",
            "nombre_d_eleves": "int",
            "position": "geo_point_2d",
            "date_ouverture": "date",
        },
    ),
    "education-35/fr-en-ecoles-effectifs-nb_classes.csv": (
        {},
        2704,
        {
            "rentree_scolaire": "int",
            "numero_de_l_ecole": "text",
            "nombre_total_d_eleves": "int",
            "nombre_d_eleves_en_cp_hors_ulis": "int",
            "code_postal": "text",
        },
    ),
    "france-geojson/communes-35-ille-et-vilaine.geojson": ({}, 345, {"code": "text", "geo_shape": "geo_shape"}),
    "france-geojson/communes-49-maine-et-loire.geojson": ({}, 183, {"code": "text", "geo_shape": "geo_shape"}),
    "france-geojson/departements-version-simplifiee.geojson": ({}, 96, {"code": "text", "geo_shape": "geo_shape"}),
    "gtfs-dijon-divia/agency.txt": ({}, 1, {"agency_id": "text", "agency_url": "text"}),
    # GTFS day flags are 0/1 counts-like integers, not booleans; yyyymmdd under a date header is a date
    "gtfs-dijon-divia/calendar.txt": ({}, 28, {"monday": "int", "start_date": "date", "end_date": "date"}),
    "gtfs-dijon-divia/calendar_dates.txt": ({}, 387, {"date": "date", "exception_type": "int"}),
    "gtfs-dijon-divia/routes.txt": ({}, 57, {"route_id": "text", "route_type": "int"}),
    "gtfs-dijon-divia/shapes.txt": (
        {},
        14013,
        {"shape_pt_lat": "double", "shape_pt_sequence": "int", "geo_point_2d": "geo_point_2d"},
    ),
    "gtfs-dijon-divia/stops.txt": (
        {},
        1080,
        {"stop_code": "text", "stop_lat": "double", "stop_lon": "double", "geo_point_2d": "geo_point_2d"},
    ),
    "gtfs-dijon-divia/trips.txt": ({}, 10968, {"trip_id": "text", "direction_id": "text"}),
    "idf/principaux-sites-touristiques-.geojson": (
        {},
        672,
        {"geo_point_2d": "geo_point_2d", "insee": "text", "dep": "text", "nom_carto": "text"},
    ),
    "idfm/emplacement-des-gares-idf.csv": (
        {},
        1182,
        {"geo_point": "geo_point_2d", "geo_shape": "geo_shape", "nom": "text", "x": "double", "y": "double"},
    ),
    # INSEE: 7 title lines and the header above the data; the first sheet is Régions (17 in the census)
    "insee-populations-legales/ensemble-2026.xlsx": (
        {},
        17,
        {"code_region": "text", "nom_de_la_region": "text", "population_municipale": "int"},
    ),
    # IRVE 2019: puiss_max holds "22 kW", "3,7kW" and a misplaced "T2-ChaDeMo-Combo"; Xlongitude holds typos
    # such as "-0.I2414381": neither is a number column, and no value is dropped to pretend it is.
    "irve/bornes-IRVE-2019.csv": (
        {},
        10030,
        {
            "code_insee": "text",
            "ylatitude": "double",
            "xlongitude": "text",
            "puiss_max": "text",
            "date_maj": "date",
            "id_station": "text",
        },
    ),
    "joconde/joconde.csv": (
        {},
        100,
        {"reference": "text", "presence_image": "boolean", "date_de_mise_a_jour": "date", "titre": "text"},
    ),
    "laposte/laposte_hexasmal.csv": (
        {},
        39192,
        {
            "code_commune_insee": "text",
            "code_postal": "text",
            "libelle_d_acheminement": "text",
            "coordonnees_gps": "geo_point_2d",
        },
    ),
    "paris/arrondissements.geojson": (
        {},
        20,
        {"l_ar": "text", "surface": "double", "geom_x_y": "geo_point_2d", "geo_shape": "geo_shape"},
    ),
    "qualite-air-pays-de-la-loire/mesures_NO2.csv": (
        {},
        19122,
        {"code_station": "text", "niveau": "int", "date": "date", "nom_station": "text"},
    ),
    "qualite-air-pays-de-la-loire/mesures_NO2_annuelle.csv": (
        {},
        46,
        {
            "code_insee_com": "text",
            "valeur": "double",
            "date_debut": "datetime",
            "date_fin": "datetime",
            "statut_valid": "boolean",
            "x_reglementaire": "double",
        },
    ),
    "subventions-castelmaurou/subventions-commune-de-castelmaurou.csv": (
        {},
        95,
        {"idattribuant": "text", "dateconvention": "date", "montant": "double", "notificationue": "boolean"},
    ),
    "velib/velib-emplacement-des-stations.csv": (
        {},
        1468,
        {"identifiant_station": "text", "capacite_de_la_station": "int", "coordonnees_geographiques": "geo_point_2d"},
    ),
    "velib/velib-emplacement-des-stations.geojson": (
        {},
        1471,
        {"stationcode": "text", "capacity": "int", "geo_point_2d": "geo_point_2d"},
    ),
}
# Files that are rightly refused, with the error they get.
REFUSED = {"data-fair-cases/jep-2019.csv": ("truncated", 396, 14)}


def test_every_shared_dataset_is_covered(shared_datasets: Path) -> None:
    files = {str(path.relative_to(shared_datasets)) for path in shared_datasets.rglob("*") if path.is_file()}
    assert files == set(EXPECTED) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_types_and_row_count(con, shared_datasets: Path, name: str) -> None:
    options, expected_rows, expected_types = EXPECTED[name]
    prepared = read_path(con, shared_datasets / name, **options)

    assert count(con, prepared) == expected_rows
    assert prepared.source["rows"] == expected_rows
    types = field_types(prepared)
    assert {field: types.get(field) for field in expected_types} == expected_types


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_file(con, shared_datasets: Path, name: str) -> None:
    code, line, column = REFUSED[name]
    with pytest.raises(IngestError) as raised:
        read_path(con, shared_datasets / name)
    assert (raised.value.code, raised.value.line, raised.value.column) == (code, line, column)


def test_values_of_french_conventions(con, shared_datasets: Path) -> None:
    dvf = read_path(con, shared_datasets / "dvf-sample/valeursfoncieres-2020.txt")
    assert rows(con, dvf, "date_mutation", "valeur_fonciere", "code_departement")[0] == (
        dt.date(2020, 1, 7),
        8000.0,
        "01",
    )
    crimes = read_path(
        con, shared_datasets / "delinquance-ssmsi/donnee-dep-data.gouv-2023-geographie2024-produit-le2024-07-05.csv"
    )
    first = rows(con, crimes, "log", "tauxpourmille", "code_departement")[0]
    assert first == (pytest.approx(308491.1600513844), pytest.approx(7.83177350511023e-03), "01")


def test_codes_keep_their_leading_zeros(con, shared_datasets: Path) -> None:
    laposte = read_path(con, shared_datasets / "laposte/laposte_hexasmal.csv")
    codes = {code for (code,) in rows(con, laposte, "code_postal")}
    assert "01400" in codes
    assert all(len(code) == 5 for code in codes)
    communes = read_path(con, shared_datasets / "insee-populations-legales/ensemble-2026.xlsx", sheet="Communes")
    assert count(con, communes) == 34904
    first = rows(con, communes, "code_departement", "code_commune", "nom_de_la_commune", "population_municipale")[0]
    assert first == ("01", "001", "L' Abergement-Clémenciat", 860)
    assert communes.source["header_row"] == 8


def test_geo_points_from_text_and_from_geojson_agree(con, shared_datasets: Path) -> None:
    velib = read_path(con, shared_datasets / "velib/velib-emplacement-des-stations.csv")
    point = rows(con, velib, "coordonnees_geographiques", order="identifiant_station")[0][0]
    assert set(point) == {"lon", "lat"}
    assert 2.0 < point["lon"] < 2.7 and 48.6 < point["lat"] < 49.1
    sites = read_path(con, shared_datasets / "velib/velib-emplacement-des-stations.geojson")
    by_code = dict(rows(con, sites, "stationcode", "geo_point_2d"))
    csv_by_code = dict(rows(con, velib, "identifiant_station", "coordonnees_geographiques"))
    common = sorted(set(by_code) & set(csv_by_code))
    assert len(common) > 1000
    assert all(abs(by_code[c]["lon"] - csv_by_code[c]["lon"]) < 1e-4 for c in common[:200])


def test_shapes_are_wgs84_geometries(con, shared_datasets: Path) -> None:
    paris = read_path(con, shared_datasets / "paris/arrondissements.geojson")
    box = con.execute(
        f"SELECT min(ST_XMin(geo_shape)), max(ST_XMax(geo_shape)), min(ST_YMin(geo_shape)), "
        f'max(ST_YMax(geo_shape)), min(ST_Area(geo_shape)) FROM "{paris.relation}"'
    ).fetchone()
    assert 2.2 < box[0] < box[1] < 2.5 and 48.8 < box[2] < box[3] < 48.91
    assert box[4] > 0


def test_nul_characters_are_removed(con, shared_datasets: Path) -> None:
    prepared = read_path(con, shared_datasets / "data-fair-cases/rge-null-chars.csv")
    text_fields = [spec.name for spec in prepared.fields if spec.type == "text"]
    values = [value for row in rows(con, prepared, *text_fields) for value in row if value]
    assert values and not any("\x00" in value for value in values)
    assert prepared.source["nul_characters_removed"] is True


def test_labels_keep_the_original_headers(con, shared_datasets: Path) -> None:
    laposte = read_path(con, shared_datasets / "laposte/laposte_hexasmal.csv")
    assert [(s.name, s.label) for s in laposte.fields][4] == ("libelle_d_acheminement", "Libellé_d_acheminement")
    salles = read_path(con, shared_datasets / "data-fair-cases/salles-sur-yffiniac-6.csv")
    assert [s.label for s in salles.fields][:3] == ["SALLE", "LOCALISATION", "CAPACITE"]
    fibre = read_path(
        con,
        shared_datasets
        / "data-fair-cases/Fibre optique_ noeuds de la montée en débit dans le département des Côtes d'Armor.csv",
    )
    assert fibre.fields[0].label == "ID_NOEUD" and fibre.source["bom"] == 2
