"""Golden tests of the where predicates on real data; expectations come from the raw rows."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def ids(rows) -> set[str]:
    return {row["id"] for row in rows}


def test_comparisons(velib):
    assert ids(velib.query(where="capacity > 60")) == {r["id"] for r in velib.rows if r["capacity"] > 60}
    assert ids(velib.query(where="capacity <= 12")) == {r["id"] for r in velib.rows if r["capacity"] <= 12}
    assert ids(velib.query(where="capacity != 20 and capacity >= 19")) == {
        r["id"] for r in velib.rows if r["capacity"] != 20 and r["capacity"] >= 19
    }
    assert ids(velib.query(where='name = "Sabot - Rennes"')) == {"6032"}


def test_legacy_colon_equality(velib):
    assert ids(velib.query(where="capacity:35")) == {r["id"] for r in velib.rows if r["capacity"] == 35}
    assert ids(velib.query(where="capacity: [30..35]")) == {r["id"] for r in velib.rows if 30 <= r["capacity"] <= 35}
    assert ids(velib.query(where="id:6032")) == {"6032"}


def test_text_equality_is_exact(velib):
    assert velib.query(where='name = "sabot - rennes"') == []


def test_is_null_and_is_not_null(no2):
    assert no2.count(where="etat is null") == sum(r["etat"] is None for r in no2.rows)
    assert no2.count(where="etat IS NOT NULL") == sum(r["etat"] is not None for r in no2.rows)


def test_boolean_field_and_is_true_false(no2_yearly):
    valid = sum(r["valid"] for r in no2_yearly.rows)
    assert no2_yearly.count(where="valid") == valid
    assert no2_yearly.count(where="valid is true") == valid
    assert no2_yearly.count(where="valid is false") == len(no2_yearly.rows) - valid
    assert no2_yearly.count(where="not valid") == len(no2_yearly.rows) - valid


def test_in_ranges_inclusive_and_exclusive(velib):
    expected = {r["id"] for r in velib.rows if 20 <= r["capacity"] <= 30}
    assert ids(velib.query(where="capacity in [20..30]")) == expected
    assert ids(velib.query(where="capacity IN [20 TO 30]")) == expected
    assert ids(velib.query(where="capacity in ]20..30[")) == {r["id"] for r in velib.rows if 20 < r["capacity"] < 30}


def test_date_range(no2):
    expected = sum(1 for r in no2.rows if r["day"].year == 2020)
    assert no2.count(where="day in [date'2020-01-01'..date'2021-01-01'[") == expected
    assert no2.count(where="day >= date'2020' and day < date'2021/01/01'") == expected


def test_in_list(no2):
    stations = {"Ampère", "Blum", "Saint-Denis d'Anjou"}
    expected = sum(r["station"] in stations for r in no2.rows)
    assert no2.count(where="""station IN ("Ampère", 'Blum', "Saint-Denis d\\'Anjou")""") == expected


def test_not_keeps_rows_where_the_comparison_is_on_null(no2):
    # A comparison with null is false, so NOT of it is true (§3.2).
    assert no2.count(where='not etat = "V"') == sum(r["etat"] != "V" for r in no2.rows)


def test_and_binds_tighter_than_or(velib):
    expected = {r["id"] for r in velib.rows if r["capacity"] < 15 or (r["capacity"] > 50 and r["name"] < "M")}
    assert ids(velib.query(where='capacity < 15 or capacity > 50 and name < "M"')) == expected


def word_match(text: str, words: set[str]) -> bool:
    return bool(set(re.split(r"[\W_]+", fold(text))) & words)


def test_bare_string_is_full_text_ignoring_case_accents_and_plurals(velib):
    expected = {r["id"] for r in velib.rows if word_match(r["name"], {"gare", "gares"})}
    assert expected
    assert ids(velib.query(where='"GARES"')) == expected
    assert ids(velib.query(where='"gare"')) == expected


def test_full_text_ands_the_words(velib):
    expected = {r["id"] for r in velib.rows if word_match(r["name"], {"gare"}) and word_match(r["name"], {"nord"})}
    assert expected
    assert ids(velib.query(where='"gare nord"')) == expected
    assert (
        ids(velib.query(where='"gare" and not "nord"'))
        == {r["id"] for r in velib.rows if word_match(r["name"], {"gare", "gares"})} - expected
    )


def test_french_accents_both_ways(no2):
    assert no2.count(where='"couets"') == sum(r["station"] == "Les Couëts" for r in no2.rows)
    assert no2.count(where='"AMPERE"') == sum(r["station"] == "Ampère" for r in no2.rows)


def test_like_is_word_containment_in_one_field(velib):
    expected = {r["id"] for r in velib.rows if word_match(r["name"], {"republique"})}
    assert expected
    assert ids(velib.query(where='name like "république"')) == expected


def test_like_with_a_prefix_wildcard(velib):
    expected = {r["id"] for r in velib.rows if any(w.startswith("montp") for w in re.split(r"[\W_]+", fold(r["name"])))}
    assert expected
    assert ids(velib.query(where='name like "montp*"')) == expected


def test_search_is_fuzzy_and_the_last_word_a_prefix(velib):
    # "republqiue" is two edits from "republique"; "pla" is a prefix of "place".
    expected = {
        r["id"]
        for r in velib.rows
        if word_match(r["name"], {"republique"})
        and any(w.startswith("pla") for w in re.split(r"[\W_]+", fold(r["name"])))
    }
    assert expected
    assert ids(velib.query(where='search(name, "republqiue pla")')) >= expected
    assert ids(velib.query(where='search(*, "republqiue pla")')) == ids(
        velib.query(where='search(name, "republqiue pla")')
    )


def test_suggest_matches_word_prefixes(velib):
    expected = {
        r["id"] for r in velib.rows if any(w.startswith("bastil") for w in re.split(r"[\W_]+", fold(r["name"])))
    }
    assert expected
    assert ids(velib.query(where='suggest("Bastil")')) == expected


def test_startswith_is_case_sensitive_on_the_whole_string(velib):
    assert ids(velib.query(where='startswith(name, "Gare")')) == {
        r["id"] for r in velib.rows if r["name"].startswith("Gare")
    }
    assert velib.query(where='startswith(name, "gare de")') == [
        r for r in velib.query() if r["name"].startswith("gare de")
    ]


def test_literal_in_multivalued_field(duck):
    from datapolis.schema import FieldSpec

    from .conftest import Dataset

    duck.execute(
        "CREATE OR REPLACE TABLE keywords AS SELECT * FROM (VALUES ('1', ['eau', 'air']), ('2', ['sol']), ('3', NULL))"
        " v(_id, keyword)"
    )
    data = Dataset(
        duck, "keywords", [FieldSpec("keyword", "Mots-clés", "text", annotations={"multivalued": [","]})], []
    )
    assert data.count(where='"air" in keyword') == 1
    assert data.count(where='keyword = "sol"') == 1
    assert data.count(where='keyword in ("sol", "air")') == 2
    assert data.count(where="keyword is null") == 1
    assert data.count(where='"eaux"') == 1


def test_french_plurals_and_stems(duck):
    from datapolis.schema import FieldSpec

    from .conftest import Dataset

    duck.execute(
        "CREATE OR REPLACE TABLE words AS SELECT * FROM (VALUES ('1', 'Vélos électriques'), ('2', 'Les chevaux'),"
        " ('3', 'Un vélo'), ('4', 'Cheval blanc'), ('5', 'Bus')) v(_id, label)"
    )
    data = Dataset(duck, "words", [FieldSpec("label", "Label", "text")], [])
    assert data.column("label", where='"velo"') == ["Vélos électriques", "Un vélo"]
    assert data.column("label", where='"vélos"') == ["Vélos électriques", "Un vélo"]
    assert data.column("label", where='"cheval"') == ["Les chevaux", "Cheval blanc"]
    assert data.column("label", where='"electrique"') == ["Vélos électriques"]
    assert data.column("label", where='"bu"') == []
