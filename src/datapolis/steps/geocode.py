"""Offline geocoding of French addresses against a Base Adresse Nationale extract.

The reference is another dataset with the BAN's columns (numero, nom_voie, code_postal,
nom_commune, lon, lat — other names can be given). Addresses on both sides are
normalised the same way in SQL: lower case, accents folded, punctuation removed, common
abbreviations spelt out (bd → boulevard, av → avenue, st → saint, ...), articles (de, la,
du...) dropped, "cedex" removed from cities. An address's street is then matched among
the reference's streets of the same postcode (or city, without a postcode) by Jaro-
Winkler similarity; the house number, when present there, gives the address's point,
else the street's centre is used.

Adds a point, a score (similarity, x0.8 when only the street matched) and a quality:
`housenumber`, `street` or `not_found`. This is the DuckDB fallback of addok (which needs
Redis), meant for a département-sized extract.
"""

from __future__ import annotations

from typing import Any

from datapolis.ingest.errors import gettext_noop
from datapolis.schema import FieldSpec
from datapolis.steps.convert import point
from datapolis.steps.frame import CARRIED, ROW_SQL, Frame, StepSQL, as_text, ident

ABBREVIATIONS = (
    ("bd|bld|boul|blvd", "boulevard"),
    ("av|ave|aven", "avenue"),
    ("st", "saint"),
    ("ste", "sainte"),
    ("pl", "place"),
    ("r", "rue"),
    ("ch|che|chem", "chemin"),
    ("rte", "route"),
    ("imp", "impasse"),
    ("all", "allee"),
    ("fbg|faub", "faubourg"),
    ("sq", "square"),
    ("res|resid", "residence"),
    ("qu|qua", "quai"),
    ("lot", "lotissement"),
    ("gal|gen", "general"),
    ("mal|mar", "marechal"),
    ("pdt|pres", "president"),
    ("prom", "promenade"),
    ("crs", "cours"),
    ("za", "zone artisanale"),
    ("zi", "zone industrielle"),
    ("zac", "zone amenagement concerte"),
)
ARTICLES = "de|du|des|la|le|les|l|d|et|a|au|aux|en"


def normalise(expr: str) -> str:
    """SQL: `expr` folded (case, accents, punctuation, abbreviations, articles), words single-spaced."""
    value = f"regexp_replace(strip_accents(lower(CAST({expr} AS VARCHAR))), '[^a-z0-9]+', ' ', 'g')"
    for short, long in ABBREVIATIONS:
        value = f"regexp_replace({value}, '\\b({short})\\b', '{long}', 'g')"
    value = f"regexp_replace({value}, '\\b({ARTICLES})\\b', ' ', 'g')"
    return f"NULLIF(trim(regexp_replace({value}, '\\s+', ' ', 'g')), '')"


def normalise_city(expr: str) -> str:
    return normalise(f"regexp_replace(CAST({expr} AS VARCHAR), '(?i)\\s*cedex(\\s*\\d+)?\\s*$', '')")


def postcode(expr: str) -> str:
    return f"NULLIF(lpad(trim(CAST({expr} AS VARCHAR)), 5, '0'), '00000')"


def _input(frame: Frame, options: dict[str, Any]) -> tuple[str, str, str]:
    """(number, normalised street, key: postcode or 'c:' + city) of the input rows, as SQL."""
    if options.get("address"):
        line = as_text(frame.typed(options["address"], ("text",), "address"))
        number = f"NULLIF(regexp_extract({line}, '^\\s*(\\d+)', 1), '')"
        street = f"regexp_replace({line}, '^\\s*\\d+\\s*(bis|ter|quater|[abc])?\\b[\\s,]*', '', 'i')"
        street = f"regexp_replace({street}, '\\s*,?\\s*\\b\\d{{5}}\\b.*$', '')"
        line_postcode = f"NULLIF(regexp_extract({line}, '\\b(\\d{{5}})\\b', 1), '')"
    elif options.get("street"):
        street = as_text(frame.typed(options["street"], ("text",), "street"))
        number = "NULL"
        if options.get("number"):
            num = frame.typed(options["number"], ("text", "int"), "number")
            number = f"NULLIF(regexp_extract(CAST({ident(num.name)} AS VARCHAR), '(\\d+)', 1), '')"
        line_postcode = "NULL"
    else:
        raise frame.error(gettext_noop("give an 'address' field, or a 'street' field (and a 'number')"), "address")
    code = line_postcode
    if options.get("postcode"):
        given = frame.typed(options["postcode"], ("text", "int"), "postcode")
        code = f"coalesce({postcode(ident(given.name))}, {line_postcode})"
    city = "NULL"
    if options.get("city"):
        city = normalise_city(ident(frame.typed(options["city"], ("text",), "city").name))
    if code == "NULL" and city == "NULL":
        raise frame.error(gettext_noop("give a 'postcode' or a 'city' field"), "postcode")
    return number, normalise(street), f"coalesce({code}, 'c:' || {city})"


def _reference(frame: Frame, options: dict[str, Any]) -> str:
    relation, fields = frame.lookup(options["dataset"])
    names = {spec.name for spec in fields}

    def col(option: str) -> str:
        name = options[option]
        if name not in names:
            raise frame.error(
                gettext_noop("the reference has no field named %(field)r; fields are %(fields)s"),
                option,
                field=name,
                fields=", ".join(sorted(names)),
            )
        return ident(name)

    if options.get("ref_point"):
        p = col("ref_point")
        lon, lat = f"{p}.lon", f"{p}.lat"
    else:
        lon, lat = f"CAST({col('ref_lon')} AS DOUBLE)", f"CAST({col('ref_lat')} AS DOUBLE)"
    return (
        f"SELECT NULLIF(regexp_extract(CAST({col('ref_number')} AS VARCHAR), '(\\d+)', 1), '') AS n, "
        f"{normalise(col('ref_street'))} AS s, {postcode(col('ref_postcode'))} AS pc, "
        f"{normalise_city(col('ref_city'))} AS c, {lon} AS lon, {lat} AS lat FROM {relation}"
    )


def geocode(frame: Frame, options: dict[str, Any]) -> StepSQL:
    number, street, key = _input(frame, options)
    ref = _reference(frame, options)
    keyed = f"SELECT pc AS k, s, n, lon, lat FROM ({ref}) UNION ALL SELECT 'c:' || c, s, n, lon, lat FROM ({ref})"
    streets = (
        f"SELECT k, s, avg(lon) AS lon, avg(lat) AS lat FROM ({keyed}) "
        f"WHERE k IS NOT NULL AND s IS NOT NULL GROUP BY k, s"
    )
    houses = f"SELECT k, s, n, avg(lon) AS lon, avg(lat) AS lat FROM ({keyed}) WHERE n IS NOT NULL GROUP BY k, s, n"
    rows = f"SELECT {ROW_SQL} AS r, {number} AS n, {street} AS s, {key} AS k FROM {frame.source}"
    minimum = frame.param(float(options.get("min_score", 0.85)))
    best = (
        f"SELECT q.r, q.n, q.k, st.s, st.lon, st.lat, jaro_winkler_similarity(q.s, st.s) AS sim "
        f"FROM ({rows}) AS q JOIN ({streets}) AS st ON q.k = st.k "
        f"WHERE jaro_winkler_similarity(q.s, st.s) >= {minimum} "
        f"QUALIFY row_number() OVER (PARTITION BY q.r ORDER BY sim DESC, st.s) = 1"
    )
    matches = (
        f"SELECT b.r, coalesce(h.lon, b.lon) AS lon, coalesce(h.lat, b.lat) AS lat, "
        f"CASE WHEN h.n IS NOT NULL THEN 'housenumber' ELSE 'street' END AS quality, "
        f"round(b.sim * CASE WHEN h.n IS NOT NULL THEN 1 ELSE 0.8 END, 3) AS score "
        f"FROM ({best}) AS b LEFT JOIN ({houses}) AS h ON h.k = b.k AND h.s = b.s AND h.n = b.n"
    )
    target = frame.new_name(options.get("target") or "geo_point_2d", "target")
    score = frame.new_name(options.get("score_field") or "geocode_score", "score_field")
    quality = frame.new_name(options.get("quality_field") or "geocode_quality", "quality_field")
    local = [f"i.{ident(spec.name)}" for spec in frame.fields]
    added = [
        f"{point('m.lon', 'm.lat')} AS {ident(target)}",
        f"m.score AS {ident(score)}",
        f"coalesce(m.quality, 'not_found') AS {ident(quality)}",
    ]
    if frame.carry:  # only the input has carried columns
        added.append(CARRIED)
    sql = (
        f"SELECT i.{ROW_SQL}, {', '.join(local + added)} FROM {frame.source} AS i "
        f"LEFT JOIN ({matches}) AS m ON m.r = i.{ROW_SQL}"
    )
    fields = [
        *frame.fields,
        FieldSpec(target, "Position (geocoded)", "geo_point_2d"),
        FieldSpec(score, "Geocoding score", "double"),
        FieldSpec(quality, "Geocoding quality", "text"),
    ]
    return StepSQL(sql, fields)
