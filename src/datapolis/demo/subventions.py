"""Subsidies granted to associations (SCDL "subventions" columns), as an XLSX workbook.

Like files published by local authorities, the workbook opens on a "Notice" sheet, and
its "Subventions" sheet has a title line above the header. Identifiers are text cells
(SIRET numbers keep their 14 digits and pass the Luhn check), dates are date cells,
amounts are numbers with cents. The métropole and its largest communes fund their local
associations through council decisions held a few times a year.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from datapolis.demo.dataset import DemoDataset, dataset_metadata
from datapolis.demo.files import write_atomically
from datapolis.demo.identifiers import association_siren, siret
from datapolis.demo.randomness import python_rng
from datapolis.demo.territory import TERRITORY_NAME, Commune, Territory
from datapolis.demo.toponymy import of

DATASET_ID = "subventions-associations"
FILE_NAME = "subventions-associations.xlsx"
SHEET = "Subventions"
ROW_COUNT = 1_500
YEARS = tuple(range(2021, 2026))
CREATED = dt.datetime(2026, 1, 12, 9, 30)  # fixed, so that the workbook is byte-identical for a seed
HEADER = [
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "rnaBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
]
LOCAL_ASSOCIATIONS = [  # name pattern, typical amount in euros, purposes
    ("Association sportive {of}", 1_800, ["Fonctionnement de la saison {season}", "Achat d'équipements sportifs"]),
    ("Comité des fêtes {of}", 1_200, ["Fête communale {year}", "Marché de Noël {year}", "Feu d'artifice"]),
    ("Amicale laïque {of}", 900, ["Fonctionnement {year}", "Sorties éducatives {year}"]),
    ("Union musicale {of}", 1_500, ["Fonctionnement de l'école de musique", "Concert de printemps {year}"]),
    ("Club des aînés {of}", 500, ["Fonctionnement {year}", "Repas annuel des aînés"]),
    ("Football club {of}", 2_500, ["Fonctionnement de la saison {season}", "Tournoi de jeunes {year}"]),
    ("Tennis club {of}", 1_200, ["Fonctionnement de la saison {season}", "Réfection des courts"]),
    ("Les Amis du patrimoine {of}", 800, ["Restauration du lavoir", "Journées européennes du patrimoine {year}"]),
    ("Association des parents d'élèves {of}", 700, ["Classe découverte {year}", "Kermesse de l'école"]),
    ("Bibliothèque pour tous {of}", 600, ["Achat de livres {year}", "Animations lecture"]),
    ("Judo club {of}", 1_100, ["Fonctionnement de la saison {season}", "Achat de tatamis"]),
    ("Compagnie théâtrale {of}", 900, ["Création du spectacle {year}", "Festival de théâtre amateur"]),
]  # fmt: skip
TERRITORY_ASSOCIATIONS = [
    ("Banque alimentaire de Loire-et-Maine", 18_000, ["Aide alimentaire {year}", "Achat d'un camion frigorifique"]),
    ("Mission locale de Loire-et-Maine", 65_000, ["Accompagnement des jeunes vers l'emploi {year}"]),
    ("Office de tourisme de Loire-et-Maine Métropole", 120_000, ["Fonctionnement {year}", "Promotion estivale"]),
    ("Festival des Rives de Loire", 35_000, ["Édition {year} du festival"]),
    ("Agence locale de l'énergie et du climat", 40_000, ["Conseil aux particuliers {year}", "Défi énergie {year}"]),
    ("Association Vélo Loire-et-Maine", 6_000, ["Ateliers de réparation {year}", "Fête du vélo {year}"]),
    ("Comité départemental handisport de Maine-et-Loire", 8_000, ["Sport adapté {year}"]),
    ("Orchestre d'harmonie de Loire-et-Maine", 12_000, ["Saison musicale {season}"]),
    ("Maison de l'emploi et de la formation", 45_000, ["Fonctionnement {year}", "Forum de l'emploi {year}"]),
    ("Ligue de l'enseignement - fédération de Maine-et-Loire", 15_000, ["Accueils de loisirs {year}"]),
]  # fmt: skip
QUARTERS = ["des Tilleuls", "Saint-Jean", "de la Gare", "des Hauts-de-Loire", "du Lac", "des Rives", "du Centre"]


@dataclass(frozen=True)
class Beneficiary:
    name: str
    siret: str
    rna: str
    typical_amount: float
    purposes: tuple[str, ...]
    commune: Commune | None  # None for associations working across the territory


@dataclass(frozen=True)
class Grantor:
    name: str
    siret: str
    commune: Commune | None  # None for the métropole
    reference_prefix: str
    weight: float


@dataclass(frozen=True)
class Grant:
    grantor: Grantor
    beneficiary: Beneficiary
    signed_on: dt.date
    decision: str
    purpose: str
    amount: float
    nature: str
    payment_terms: str
    payment_period: str
    share: float


def write_subventions(folder: Path, territory: Territory, *, seed: int, scale: float) -> DemoDataset:
    rng = python_rng(seed, "subventions")
    grants = subsidy_grants(territory, max(10, round(ROW_COUNT * scale)), rng)
    path = folder / FILE_NAME
    write_atomically(path, lambda temporary: write_workbook(temporary, grants))
    return DemoDataset(
        dataset_id=DATASET_ID,
        path=path,
        metadata=subventions_metadata(),
        read_options={"sheet": SHEET},
        facets=["nature", "conditionsVersement", "dateConvention"],
    )


def beneficiaries(territory: Territory, rng: random.Random) -> list[Beneficiary]:
    pool = [association(name, amount, purposes, None, rng) for name, amount, purposes in TERRITORY_ASSOCIATIONS]
    for commune in territory.communes:
        count = min(len(LOCAL_ASSOCIATIONS), max(3, round(3 + commune.population / 2_500)))
        for pattern, amount, purposes in rng.sample(LOCAL_ASSOCIATIONS, count):
            pool.append(association(pattern.format(of=of(commune.name)), amount, purposes, commune, rng))
        if commune is territory.central_city:
            for quarter in QUARTERS:
                purposes = ["Animation du quartier {year}", "Fête de quartier {year}"]
                pool.append(association(f"Comité de quartier {quarter}", 1_500, purposes, commune, rng))
    return pool


def association(
    name: str, amount: float, purposes: list[str], commune: Commune | None, rng: random.Random
) -> Beneficiary:
    identifier = "" if rng.random() < 0.03 else siret(association_siren(rng), rng.randrange(1, 4))
    rna = "" if rng.random() < 0.15 else f"W49{rng.randrange(10**7):07d}"
    return Beneficiary(name, identifier, rna, amount, tuple(purposes), commune)


def grantors(territory: Territory) -> list[Grantor]:
    metropole = Grantor(TERRITORY_NAME, siret(territory.siren, 11), None, "DEL", 0.45)
    largest = sorted(territory.communes, key=lambda commune: -commune.population)[:6]
    communes = [
        Grantor(
            ("Ville " if commune is territory.central_city else "Commune ") + of(commune.name),
            siret(commune.siren, 1),
            commune,
            "DCM",
            0.25 if commune is territory.central_city else 0.06,
        )
        for commune in largest
    ]
    return [metropole, *communes]


def council_sessions(grantor: Grantor, year: int, rng: random.Random) -> list[tuple[dt.date, str]]:
    """A handful of council meetings a year, each voting numbered decisions."""
    months = sorted(rng.sample(range(1, 13), 6 if grantor.commune is None else 5))
    sessions = []
    for number, month in enumerate(months, start=1):
        day = dt.date(year, month, rng.randrange(2, 27))
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        sessions.append((day, f"{grantor.reference_prefix}-{year}-{number * 17 + rng.randrange(15):03d}"))
    return sessions


def subsidy_grants(territory: Territory, count: int, rng: random.Random) -> list[Grant]:
    pool = beneficiaries(territory, rng)
    funders = grantors(territory)
    sessions = {(funder.name, year): council_sessions(funder, year, rng) for funder in funders for year in YEARS}
    grants = []
    for _ in range(count):
        funder = rng.choices(funders, weights=[funder.weight for funder in funders])[0]
        year = rng.choices(YEARS, weights=[1.0 + 0.08 * index for index in range(len(YEARS))])[0]
        beneficiary = choose_beneficiary(funder, pool, rng)
        decided_on, decision = rng.choice(sessions[(funder.name, year)])
        grants.append(grant(funder, beneficiary, decided_on, decision, rng))
    return sorted(grants, key=lambda grant: (grant.grantor.name, grant.signed_on, grant.beneficiary.name))


def choose_beneficiary(funder: Grantor, pool: list[Beneficiary], rng: random.Random) -> Beneficiary:
    if funder.commune is None:
        territorial = [beneficiary for beneficiary in pool if beneficiary.commune is None]
        return rng.choice(territorial) if rng.random() < 0.35 else rng.choice(pool)
    local = [beneficiary for beneficiary in pool if beneficiary.commune is funder.commune]
    return rng.choice(local) if rng.random() < 0.9 else rng.choice(pool)


def grant(funder: Grantor, beneficiary: Beneficiary, decided_on: dt.date, decision: str, rng: random.Random) -> Grant:
    signed_on = decided_on + dt.timedelta(days=rng.randrange(0, 22))
    while signed_on.weekday() >= 5:
        signed_on += dt.timedelta(days=1)
    year = decided_on.year
    scale = 2.5 if funder.commune is None and beneficiary.commune is not None else 1.0
    amount = round_like_a_clerk(beneficiary.typical_amount * scale * rng.lognormvariate(0, 0.8), rng)
    staggered = amount > 23_000 or rng.random() < 0.1
    first_payment = signed_on + dt.timedelta(days=rng.randrange(15, 60))
    if staggered:
        period = (
            f"{first_payment.isoformat()}/{(first_payment + dt.timedelta(days=rng.randrange(120, 330))).isoformat()}"
        )
    else:
        period = first_payment.isoformat()
    purpose = rng.choice(beneficiary.purposes).format(year=year, season=f"{year}-{year + 1}")
    return Grant(
        grantor=funder,
        beneficiary=beneficiary,
        signed_on=signed_on,
        decision=decision,
        purpose=purpose,
        amount=amount,
        nature=rng.choices(
            ["aide en numéraire", "aide en nature", "aide en numéraire;aide en nature"], weights=[92, 6, 2]
        )[0],
        payment_terms="échelonné" if staggered else "unique",
        payment_period=period,
        share=1.0 if rng.random() < 0.8 else round(rng.uniform(0.1, 0.9), 2),
    )


def round_like_a_clerk(amount: float, rng: random.Random) -> float:
    """Most amounts are round figures; a fifth keep their cents (computed from a budget)."""
    amount = max(amount, 100.0)
    draw = rng.random()
    if draw < 0.55:
        return float(round(amount, -2))
    if draw < 0.8:
        return float(round(amount, -1))
    return round(amount, 2)


def write_workbook(path: Path, grants: list[Grant]) -> None:
    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
    workbook.set_properties({"title": "Subventions aux associations", "author": TERRITORY_NAME, "created": CREATED})
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 14})
    date = workbook.add_format({"num_format": "dd/mm/yyyy"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    write_notice(workbook.add_worksheet("Notice"), title, bold)
    sheet = workbook.add_worksheet(SHEET)
    sheet.write_string(
        0, 0, f"Subventions attribuées aux associations - {TERRITORY_NAME} ({YEARS[0]}-{YEARS[-1]})", title
    )
    for column, name in enumerate(HEADER):
        sheet.write_string(1, column, name, bold)
    for row, item in enumerate(grants, start=2):
        write_grant(sheet, row, item, date, money)
    sheet.freeze_panes(2, 0)
    sheet.set_column(0, 0, 28)
    sheet.set_column(4, 4, 48)
    sheet.set_column(7, 7, 44)
    workbook.close()


def write_grant(sheet: Worksheet, row: int, grant: Grant, date: Format, money: Format) -> None:
    texts = {
        0: grant.grantor.name,
        1: grant.grantor.siret,
        3: grant.decision,
        4: grant.beneficiary.name,
        5: grant.beneficiary.siret,
        6: grant.beneficiary.rna,
        7: grant.purpose,
        9: grant.nature,
        10: grant.payment_terms,
        11: grant.payment_period,
        13: "non",
    }
    for column, text in texts.items():
        if text:
            sheet.write_string(row, column, text)
    sheet.write_datetime(row, 2, dt.datetime.combine(grant.signed_on, dt.time()), date)
    sheet.write_number(row, 8, grant.amount, money)
    sheet.write_number(row, 14, grant.share)


def write_notice(sheet: Worksheet, title: Format, bold: Format) -> None:
    lines = [
        ("Subventions aux associations", title),
        (f"Producteur : {TERRITORY_NAME}, direction des finances", None),
        ("Format : Socle commun des données locales (SCDL) - subventions", None),
        ("Licence : Licence Ouverte 2.0 (Etalab)", None),
        ("", None),
        ("Les données sont dans l'onglet « Subventions ». Les montants sont en euros.", bold),
    ]
    for row, (text, style) in enumerate(lines):
        sheet.write_string(row, 0, text, style)


def subventions_metadata() -> dict:
    return dataset_metadata(
        title="Subventions attribuées aux associations",
        paragraphs=[
            "Subventions versées aux associations par la métropole et ses principales communes depuis "
            f"{YEARS[0]}, publiées au format du Socle commun des données locales (SCDL).",
            "Chaque ligne correspond à une convention : attribuant, bénéficiaire (SIRET, numéro RNA), objet, "
            "montant en euros, nature de l'aide et conditions de versement.",
        ],
        themes=["Économie", "Société"],
        keywords=["subventions", "associations", "SCDL", "finances publiques", "vie associative"],
        license="etalab-2.0",
        producer=f"{TERRITORY_NAME} - direction des finances",
        contact_name="Direction des finances",
        contact_mailbox="finances",
        update_frequency="annual",
        temporal=(f"{YEARS[0]}-01-01", f"{YEARS[-1]}-12-31"),
    )
