"""French place, street and building names, composed from the patterns of Anjou toponymy.

Names are assembled from common elements (a root made of a Gallo-Roman stem and an
ending such as -é, -ay, -ières; Saint-…, Le/La …, -sur-Loire, -en-Anjou), so they sound
right without being copied from any real list.
"""

from __future__ import annotations

import random
import unicodedata

STEMS = [
    "Andr", "Aubr", "Avr", "Beauc", "Bouch", "Brill", "Cant", "Chal", "Chaum", "Cornill",
    "Écoufl", "Fen", "Juign", "Marc", "Montr", "Pell", "Sarr", "Sav", "Soul", "Tréb",
    "Verr", "Vill", "Orv", "Gen", "Quinc", "Ravign", "Lou", "Brain", "Chenill", "Mauv",
]  # fmt: skip
ENDINGS = ["é", "ay", "illé", "igné", "ières", "aines", "eau", "euil", "ans", "ouin", "ault", "ais", "erie", "on"]
SAINTS = [
    "Aubin", "Barthélemy", "Clément", "Georges", "Germain", "Hilaire", "Jean", "Lambert", "Laud",
    "Léger", "Martin", "Melaine", "Rémy", "Sylvain", "Sulpice", "Saturnin", "Mathurin", "Florent",
    "Lézin", "Maurille", "Étienne", "Pierre",
]  # fmt: skip
FEMALE_SAINTS = ["Gemmes", "Anne", "Christine", "Radegonde", "Catherine", "Marie"]
MASCULINE_PLACES = ["Plessis", "Mesnil", "Louroux", "Bourg", "Val", "Fresne"]
FEMININE_PLACES = ["Chapelle", "Membrolle", "Meignanne", "Pouëze", "Possonnière", "Ferrière", "Jaillière"]
PLURAL_PLACES = ["Ponts", "Rairies", "Alleuds", "Landes", "Essarts"]
COMPLEMENTS = [
    "des-Bois", "des-Landes", "du-Lac", "des-Vignes", "de-la-Forêt", "en-Vallée", "en-Anjou",
    "le-Grand", "le-Petit", "l'Évêque", "d'Anjou", "des-Ponts", "du-Bocage", "sous-le-Bois",
    "les-Vignes", "la-Rivière", "des-Prés",
]  # fmt: skip
PERSONS = [
    "Victor-Hugo", "Jean-Jaurès", "Pasteur", "Émile-Zola", "Gambetta", "Jules-Ferry", "Marie-Curie",
    "Aristide-Briand", "Jean-Moulin", "Georges-Clemenceau", "Lucie-Aubrac", "Simone-Veil",
    "Joachim-du-Bellay", "René-Cassin", "Pierre-Mendès-France", "Louise-Michel", "Olympe-de-Gouges",
]  # fmt: skip
STREET_KINDS = ["rue", "rue", "rue", "avenue", "boulevard", "place", "allée", "impasse", "chemin", "route"]
STREET_NAMES = [
    "de la Gare", "de l'Église", "des Tilleuls", "du Château", "des Écoles", "de la Mairie", "du Moulin",
    "des Peupliers", "du Stade", "de la Loire", "de Paris", "des Vignes", "de la Fontaine", "des Acacias",
    "du Commerce", "de la Poste", "des Lavandières", "du Général-de-Gaulle", "de la République",
    "du 8-Mai-1945", "de la Libération", "des Ardoisiers", "du Port", "de la Croix-Blanche", "des Forges",
]  # fmt: skip
VOWELS = "AEIOUYÀÂÉÈÊËÎÏÔÛÙ"


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def root_name(rng: random.Random) -> str:
    return rng.choice(STEMS) + rng.choice(ENDINGS)


def saint_name(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return "Sainte-" + rng.choice(FEMALE_SAINTS)
    return "Saint-" + rng.choice(SAINTS)


def article_base(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.4:
        return "Le " + rng.choice(MASCULINE_PLACES)
    if kind < 0.85:
        return "La " + rng.choice(FEMININE_PLACES)
    return "Les " + rng.choice(PLURAL_PLACES)


def article_name(rng: random.Random) -> str:
    base = article_base(rng)
    tail = rng.random()
    if tail < 0.4:
        return f"{base}-{root_name(rng)}"
    if tail < 0.7:
        return f"{base}-{saint_name(rng)}"
    return base


def commune_name(rng: random.Random, river: str | None) -> str:
    """One commune name; `river` ("Loire", "Maine") when the commune lies on its bank."""
    if river and rng.random() < 0.75:
        base = rng.choice([root_name, saint_name, article_base])(rng)
        return f"{base}-sur-{river}"
    pattern = rng.random()
    if pattern < 0.3:
        return root_name(rng)
    if pattern < 0.55:
        name = saint_name(rng)
        return f"{name}-{complement(rng, name)}" if rng.random() < 0.6 else name
    if pattern < 0.75:
        return article_name(rng)
    return f"{root_name(rng)}-{rng.choice(COMPLEMENTS)}"


def complement(rng: random.Random, name: str) -> str:
    feminine = name.startswith(("Sainte-", "La "))
    choices = [c for c in COMPLEMENTS if not (feminine and c.startswith("le-"))]
    return rng.choice(choices)


def unique_commune_names(rivers: list[str | None], rng: random.Random, reserved: tuple[str, ...] = ()) -> list[str]:
    """One distinct name per commune, whose bank (if any) is given by `rivers`."""
    names: list[str] = []
    taken = {strip_accents(name).lower() for name in reserved}
    families = [name_family(name) for name in reserved]
    for river in rivers:
        name = commune_name(rng, river)
        while strip_accents(name).lower() in taken or families.count(name_family(name)) >= 2:
            name = commune_name(rng, river)
        taken.add(strip_accents(name).lower())
        families.append(name_family(name))
        names.append(name)
    return names


def name_family(name: str) -> str:
    """What a name is known by: "Le Fresne" for Le Fresne-sur-Loire, "Saint-Aubin" for Saint-Aubin-des-Bois."""
    parts = name.split("-")
    return "-".join(parts[:2]) if parts[0] in ("Saint", "Sainte") else parts[0]


def of(name: str) -> str:
    """French 'de' + name with its contractions: du Plessis, des Ponts, d'Orvigné."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name.startswith("La "):
        return "de la " + name[3:]
    if name[0].upper() in VOWELS:
        return "d'" + name
    return "de " + name


def street_name(rng: random.Random) -> str:
    return f"{rng.choice(STREET_KINDS)} {rng.choice(STREET_NAMES + PERSONS)}"


def street_address(rng: random.Random) -> str:
    street = street_name(rng)
    if street.startswith(("place", "impasse")):
        return f"{rng.randrange(1, 20)} {street}"
    number = rng.randrange(1, 180)
    suffix = " bis" if rng.random() < 0.04 else ""
    return f"{number}{suffix} {street}"
