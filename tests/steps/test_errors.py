"""Step definitions and their errors: options checked, missing fields named, format of errors."""

from __future__ import annotations

import pytest

from datapolis.steps import PROCESSORS, StepError, parse_steps
from tests.steps.conftest import run


def test_at_least_25_processors_each_with_a_valid_example():
    assert len(PROCESSORS) >= 25
    examples = [processor.example for processor in PROCESSORS.values()]
    assert [step.kind for step in parse_steps(examples)] == list(PROCESSORS)


@pytest.mark.parametrize(
    ("data", "message", "option"),
    [
        ([{"kind": "nope"}], "unknown kind", None),
        ([{"kind": "pad", "options": {"field": "x", "width": "5"}}], "option 'width' must be an integer", "width"),
        ([{"kind": "pad", "options": {"width": 5}}], "option 'field' is required", "field"),
        (
            [{"kind": "case", "options": {"fields": ["a"], "case": "camel"}}],
            "must be one of upper, lower, title",
            "case",
        ),
        ([{"kind": "drop", "options": {"fields": ["Bad Name"]}}], "field names", "fields"),
        ([{"kind": "drop", "options": {"fields": ["a"], "extra": 1}}], "unknown option 'extra'", "extra"),
    ],
)
def test_parse_errors_name_step_and_option(data, message, option):
    with pytest.raises(StepError) as caught:
        parse_steps([{"kind": "trim", "options": {"fields": ["a"]}}, *data])
    assert caught.value.step == 2 and message in caught.value.message and caught.value.option == option
    assert caught.value.to_dict()["step"] == 2


def test_defaults_are_filled():
    (step,) = parse_steps([{"kind": "parse_date", "options": {"field": "d"}}])
    assert step.options["format"] == "%d/%m/%Y" and step.options["timezone"] == "Europe/Paris"
    assert step.to_dict() == {"kind": "parse_date", "options": dict(step.options)}


def test_missing_field_is_named_with_the_fields_of_the_previous_step(con, schools):
    with pytest.raises(StepError) as caught:
        run(
            con,
            schools,
            [
                {"kind": "keep", "options": {"fields": ["commune", "adresse"]}},
                {"kind": "rename", "options": {"fields": {"commune": "ville"}}},
                {"kind": "case", "options": {"fields": ["commune"], "case": "upper"}},
            ],
        )
    assert str(caught.value) == "step 3 (case): no field named 'commune'; fields are adresse, ville"


def test_run_time_error_format(con, schools):
    with pytest.raises(StepError) as caught:
        run(
            con,
            schools,
            [
                {"kind": "filter", "options": {"where": "code_etablissement != '0350017D'"}},
                {"kind": "retype", "options": {"field": "adresse", "type": "int"}},
            ],
        )
    from tests.steps.conftest import rows

    source = rows(con, schools, "code_etablissement", "adresse")
    first = next(i for i, (nature, _) in enumerate(source, start=1) if nature != "0350017D")
    data = caught.value.to_dict()
    # Rows are numbered in the pipeline's input, before the filter.
    assert data["step"] == 2 and data["kind"] == "retype" and data["row"] == first > 1
    assert data["value"] == source[first - 1][1]
    assert "(row " in data["text"]


def test_wrong_type_and_name_clash(con, schools):
    with pytest.raises(StepError, match="expected text"):
        run(con, schools, [{"kind": "trim", "options": {"fields": ["latitude"]}}])
    with pytest.raises(StepError, match="two fields would be named 'commune'"):
        run(con, schools, [{"kind": "rename", "options": {"fields": {"adresse": "commune"}}}])
    with pytest.raises(StepError, match="no other dataset"):
        run(con, schools, [{"kind": "join", "options": {"dataset": "x", "key": "commune"}}])
    with pytest.raises(StepError, match="secret"):
        run(con, schools, [{"kind": "anonymise", "options": {"fields": ["commune"], "method": "hash"}}])


def test_hash_with_secret(con, schools, lookup):
    import hashlib

    from tests.steps.conftest import column

    applied = run(
        con, schools, [{"kind": "anonymise", "options": {"fields": ["commune"], "method": "hash"}}], lookup({})
    )
    expected = [hashlib.sha256(f"s3cret\x1f{v}".encode()).hexdigest() for v in column(con, schools, "commune")]
    assert column(con, applied.prepared, "commune") == expected
