"""Text steps on real rows (schools of Ille-et-Vilaine, DVF sample)."""

from __future__ import annotations

import re

import pytest

from tests.steps.conftest import column, read_path, rows, run, spec

DVF = "dvf-sample/valeursfoncieres-2020.txt"


@pytest.fixture
def dvf(con, shared_datasets):
    texts = {
        "date_mutation": "text",
        "valeur_fonciere": "text",
        "code_postal": "text",
        "code_commune": "text",
        "code_departement": "text",
    }
    return read_path(con, shared_datasets / DVF, field_types=texts)


def test_trim_and_collapse(con, schools):
    applied = run(con, schools, [{"kind": "trim", "options": {"fields": ["adresse", "appellation_officielle"]}}])
    for name in ("adresse", "appellation_officielle"):
        expected = [(" ".join(v.split()) or None) if v is not None else None for v in column(con, schools, name)]
        assert column(con, applied.prepared, name) == expected


@pytest.mark.parametrize("case", ["upper", "lower", "title"])
def test_change_case(con, schools, case):
    applied = run(con, schools, [{"kind": "case", "options": {"fields": ["commune"], "case": case}}])
    source = column(con, schools, "commune")
    got = column(con, applied.prepared, "commune")
    for before, after in zip(source, got, strict=True):
        if case == "title" and re.search(r"\d", before):
            continue
        assert after == getattr(before, case)()
    assert applied.counts[0].changed == sum(1 for b, a in zip(source, got, strict=True) if a != b)


def test_replace_plain_and_regex(con, schools):
    applied = run(
        con,
        schools,
        [
            {"kind": "replace", "options": {"fields": ["adresse"], "find": "rue", "replace": "RUE"}},
            {
                "kind": "replace",
                "options": {
                    "fields": ["appellation_officielle"],
                    "find": "^(\\S+) ",
                    "replace": "[\\1] ",
                    "regex": True,
                },
            },
        ],
    )
    assert column(con, applied.prepared, "adresse") == [
        v.replace("rue", "RUE") if v else v for v in column(con, schools, "adresse")
    ]
    expected = [re.sub(r"^(\S+) ", r"[\1] ", v) for v in column(con, schools, "appellation_officielle")]
    assert column(con, applied.prepared, "appellation_officielle") == expected


def test_replace_bad_regex_is_a_step_error(con, schools):
    from datapolis.steps import StepError

    with pytest.raises(StepError, match="invalid regular expression"):
        run(con, schools, [{"kind": "replace", "options": {"fields": ["adresse"], "find": "(", "regex": True}}])


def test_split_into_fields(con, schools):
    applied = run(
        con, schools, [{"kind": "split", "options": {"field": "adresse", "separator": " ", "into": ["numero", "voie"]}}]
    )
    names = [s.name for s in applied.prepared.fields]
    assert names.index("numero") == names.index("adresse") + 1
    for source, numero, voie in zip(
        column(con, schools, "adresse"),
        column(con, applied.prepared, "numero"),
        column(con, applied.prepared, "voie"),
        strict=True,
    ):
        parts = source.split(" ", 1) if source else [None]
        assert numero == (parts[0] or None) and voie == (parts[1].strip() or None if len(parts) > 1 else None)


def test_split_multivalued(con, schools):
    applied = run(
        con, schools, [{"kind": "split_multivalued", "options": {"field": "appellation_officielle", "separator": " "}}]
    )
    assert spec(applied.prepared, "appellation_officielle").annotations == {"multivalued": [" "]}
    expected = [[p for p in v.split(" ") if p.strip()] for v in column(con, schools, "appellation_officielle")]
    assert column(con, applied.prepared, "appellation_officielle") == expected


def test_concat(con, schools):
    applied = run(
        con,
        schools,
        [
            {
                "kind": "concat",
                "options": {
                    "fields": ["adresse", "code_postal", "commune"],
                    "target": "adresse_complete",
                    "separator": ", ",
                },
            }
        ],
    )
    expected = [
        ", ".join(v.strip() for v in values if v and v.strip())
        for values in rows(con, schools, "adresse", "code_postal", "commune")
    ]
    assert column(con, applied.prepared, "adresse_complete") == expected


@pytest.mark.parametrize("default", ["keep", "empty", "constant"])
def test_map_values(con, schools, default):
    mapping = {"Public": "PU", "Privé": "PR"}
    options = {"field": "secteur_public_prive", "mapping": {"Public": "PU"}, "default": default, "default_value": "?"}
    applied = run(con, schools, [{"kind": "map", "options": options}])
    fallback = {"keep": None, "empty": None, "constant": "?"}[default]
    expected = [
        "PU" if v == "Public" else (v if default == "keep" else fallback)
        for v in column(con, schools, "secteur_public_prive")
    ]
    assert column(con, applied.prepared, "secteur_public_prive") == expected
    assert "Privé" in column(con, schools, "secteur_public_prive") and mapping


def test_pad_postal_codes_and_insee(con, dvf):
    applied = run(
        con,
        dvf,
        [
            {"kind": "pad", "options": {"field": "code_postal", "preset": "postal_code"}},
            {"kind": "pad", "options": {"field": "code_commune", "width": 3}},
            {
                "kind": "concat",
                "options": {"fields": ["code_departement", "code_commune"], "target": "insee", "separator": ""},
            },
            {"kind": "pad", "options": {"field": "insee", "preset": "insee"}},
        ],
    )
    source = rows(con, dvf, "code_postal", "code_departement", "code_commune")
    got = rows(con, applied.prepared, "code_postal", "insee")
    assert got == [(p.zfill(5) if p else None, d + c.zfill(3)) for p, d, c in source]
    assert any(p and len(p) == 4 for p, _, _ in source)
    assert applied.counts[0].changed == sum(1 for p, _, _ in source if p and len(p) < 5)
