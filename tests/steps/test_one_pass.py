"""Running the steps in one pass gives exactly what running them step by step gives: rows, fields, counts, errors.

`apply_steps` computes the chain once and checks and counts it in one aggregate pass; the
step-by-step way (a query per check) is its fallback and its reference here.
"""

from __future__ import annotations

import uuid

import duckdb
import pytest

from datapolis.engine.store import Prepared
from datapolis.steps import StepError, parse_steps
from datapolis.steps.pipeline import _apply_once, _apply_step_by_step

PIPELINES = {
    "text and rows": [
        {"kind": "trim", "options": {"fields": ["adresse"]}},
        {"kind": "case", "options": {"fields": ["commune"], "case": "upper"}},
        {"kind": "replace", "options": {"fields": ["adresse"], "find": "^RUE", "replace": "Rue", "regex": True}},
        {"kind": "filter", "options": {"where": "secteur_public_prive = 'Public'"}},
        {"kind": "map", "options": {"field": "nature", "mapping": {"ECOLE MATERNELLE": "Maternelle"}}},
        {"kind": "dedupe", "options": {"fields": ["commune"]}},
    ],
    "codes, dates and places": [
        {"kind": "pad", "options": {"field": "code_postal", "preset": "postal_code"}},
        {"kind": "date_part", "options": {"field": "date_ouverture", "part": "year", "target": "annee"}},
        {"kind": "filter", "options": {"where": "annee >= 1970"}},
        {"kind": "point_from_xy", "options": {"x": "coordonnee_x", "y": "coordonnee_y", "epsg": 2154}},
        {"kind": "compute", "options": {"field": "libelle", "expression": "upper(commune)"}},
    ],
}


def both_ways(con: duckdb.DuckDBPyConnection, prepared: Prepared, steps: list[dict]):
    parsed = parse_steps(steps)
    once, by_step = f"once_{uuid.uuid4().hex[:8]}", f"steps_{uuid.uuid4().hex[:8]}"
    done = _apply_once(con, prepared, parsed, None, once, True)
    assert done is not None, "the one-pass way ran"
    reference = _apply_step_by_step(con, prepared, parsed, None, by_step, True)
    return (once, *done), (by_step, *reference)


def table_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return con.execute(f'SELECT * EXCLUDE ("__steps_row") FROM "{table}" ORDER BY "__steps_row"').fetchall()


@pytest.mark.parametrize("name", PIPELINES)
def test_one_pass_and_step_by_step_agree(con, schools, name: str) -> None:
    (once, fields, counts), (by_step, reference_fields, reference_counts) = both_ways(con, schools, PIPELINES[name])
    assert [spec.to_dict() for spec in fields] == [spec.to_dict() for spec in reference_fields]
    assert [count.to_dict() for count in counts] == [count.to_dict() for count in reference_counts]
    assert table_rows(con, once) == table_rows(con, by_step)
    assert counts[-1].rows_out == len(table_rows(con, once)) > 0


def test_both_ways_name_the_same_failing_value(con, schools) -> None:
    steps = parse_steps([{"kind": "filter", "options": {"where": "secteur_public_prive = 'Privé'"}},
                         {"kind": "retype", "options": {"field": "commune", "type": "int"}}])  # fmt: skip
    errors = []
    for run in (_apply_once, _apply_step_by_step):
        with pytest.raises(StepError) as caught:
            run(con, schools, steps, None, f"t_{uuid.uuid4().hex[:8]}", True)
        errors.append((caught.value.step, caught.value.row, caught.value.value))
    assert errors[0] == errors[1] and errors[0][0] == 2
