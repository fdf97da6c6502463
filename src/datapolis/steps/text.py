"""Steps on text values: trim, case, replace, split, concatenate, map, pad."""

from __future__ import annotations

from typing import Any

import duckdb

from datapolis.ingest.errors import gettext_noop
from datapolis.schema import FieldSpec
from datapolis.steps.frame import Frame, StepSQL, as_text, distinct, ident, put

PAD_PRESETS = {"insee": 5, "postal_code": 5, "siren": 9, "siret": 14, "departement": 2}


def _text_fields(frame: Frame, options: dict[str, Any]) -> list[FieldSpec]:
    specs = frame.specs(options["fields"], "fields")
    for spec in specs:
        if spec.type != "text":
            raise frame.error(gettext_noop("field %(field)r is %(type)s; expected text (retype it first)"), "fields",
                              field=spec.name, type=spec.type)  # fmt: skip
    return specs


def _per_value(frame: Frame, specs: list[FieldSpec], transform: Any) -> StepSQL:
    """Apply `transform(sql) -> sql` to each value of each field (each element of lists)."""
    columns = frame.passthrough()
    changed = []
    for spec in specs:
        x = ident(spec.name)
        new = f"list_transform({x}, v -> {transform('v')})" if spec.annotations.get("multivalued") else transform(x)
        put(columns, spec, None, new, spec.type)
        changed.append(distinct(x, new))
    out = frame.select(columns)
    out.changed = " OR ".join(changed)
    return out


def trim(frame: Frame, options: dict[str, Any]) -> StepSQL:
    collapse = options.get("collapse", True)

    def transform(x: str) -> str:
        value = f"trim({x})"
        if collapse:
            # The regular expression only where it changes something: a run of spaces or
            # another white space (RE2's \s: tab, newline, form feed, carriage return).
            spaces = ("'  '", "chr(9)", "chr(10)", "chr(12)", "chr(13)")
            runs = " OR ".join(f"contains({value}, {s})" for s in spaces)
            collapsed = f"trim(regexp_replace({x}, '\\s+', ' ', 'g'))"
            value = f"(CASE WHEN {runs} THEN {collapsed} ELSE {value} END)"
        return f"NULLIF({value}, '')" if options.get("empty_as_null", True) else value

    return _per_value(frame, _text_fields(frame, options), transform)


def _title(x: str) -> str:
    """Each letter after a character that is not a letter, upper case; the others, lower case."""
    chars = f"string_split(lower({x}), '')"
    return (
        f"array_to_string(list_transform({chars}, (c, i) -> CASE WHEN i = 1 "
        f"OR NOT regexp_full_match({chars}[i - 1], '\\p{{L}}') THEN upper(c) ELSE c END), '')"
    )


def change_case(frame: Frame, options: dict[str, Any]) -> StepSQL:
    case = options["case"]
    transforms = {"upper": lambda x: f"upper({x})", "lower": lambda x: f"lower({x})", "title": _title}
    return _per_value(frame, _text_fields(frame, options), transforms[case])


def replace_text(frame: Frame, options: dict[str, Any]) -> StepSQL:
    find, replacement = options["find"], options.get("replace", "")
    if not find:
        raise frame.error(gettext_noop("the text to find is empty"), "find")
    if options.get("regex"):
        try:
            duckdb.execute("SELECT regexp_matches('', ?)", [find])
        except duckdb.Error as error:
            raise frame.error(
                gettext_noop("invalid regular expression: %(reason)s"), "find", reason=str(error)
            ) from None
        pattern, by = frame.param(find), frame.param(replacement)
        return _per_value(frame, _text_fields(frame, options), lambda x: f"regexp_replace({x}, {pattern}, {by}, 'g')")
    find_p, by = frame.param(find), frame.param(replacement)
    return _per_value(frame, _text_fields(frame, options), lambda x: f"replace({x}, {find_p}, {by})")


def split_fields(frame: Frame, options: dict[str, Any]) -> StepSQL:
    spec = frame.spec(options["field"], "field")
    into: list[str] = options["into"]
    if not options.get("separator"):
        raise frame.error(gettext_noop("the separator is empty"), "separator")
    separator = frame.param(options["separator"])
    columns = frame.passthrough()
    parts = f"string_split({as_text(spec)}, {separator})"
    anchor = spec
    for position, name in enumerate(into, start=1):
        frame.new_name(name, "into", replacing=spec.name)
        if position == len(into) and options.get("rest_in_last", True):
            value = f"array_to_string({parts}[{position}:], {separator})"
        else:
            value = f"{parts}[{position}]"
        anchor = put(columns, anchor, name, f"NULLIF(trim({value}), '')", "text")
    if not options.get("keep", True) and spec.name not in into:
        columns = [c for c in columns if c[0].name != spec.name]
    return frame.select(columns)


def split_multivalued(frame: Frame, options: dict[str, Any]) -> StepSQL:
    spec = frame.spec(options["field"], "field")
    if spec.type != "text" or spec.annotations.get("multivalued"):
        raise frame.error(gettext_noop("field %(field)r is not a single text"), "field", field=spec.name)
    separator = options["separator"]
    if not separator:
        raise frame.error(gettext_noop("the separator is empty"), "separator")
    parts = f"string_split({ident(spec.name)}, {frame.param(separator)})"
    values = f"list_filter(list_transform({parts}, v -> trim(v)), v -> v <> '')"
    columns = frame.passthrough()
    target = options.get("target")
    if target:
        frame.new_name(target, "target", replacing=spec.name)
    put(columns, spec, target, values, "text", annotations={"multivalued": [separator]})
    return frame.select(columns)


def concat(frame: Frame, options: dict[str, Any]) -> StepSQL:
    specs = frame.specs(options["fields"], "fields")
    target = options["target"]
    separator = frame.param(options.get("separator", " "))
    values = [f"NULLIF(trim({as_text(s)}), '')" for s in specs]
    value = f"NULLIF(concat_ws({separator}, {', '.join(values)}), '')"
    columns = frame.passthrough()
    put(columns, specs[-1], target, value, "text", label=options.get("label"))
    return frame.select(columns)


def map_values(frame: Frame, options: dict[str, Any]) -> StepSQL:
    spec = frame.spec(options["field"], "field")
    mapping: dict[str, Any] = options["mapping"]
    default = options.get("default", "keep")
    x = as_text(spec)
    whens = " ".join(
        f"WHEN {frame.param(str(k))} THEN {'NULL' if v is None else frame.param(str(v))}" for k, v in mapping.items()
    )
    otherwise = {"keep": x, "empty": "NULL"}.get(default)
    if default == "constant":
        if options.get("default_value") is None:
            raise frame.error(gettext_noop("a constant default needs 'default_value'"), "default_value")
        otherwise = frame.param(str(options["default_value"]))
    value = f"(CASE {x} {whens} ELSE {otherwise} END)"
    columns = frame.passthrough()
    target = options.get("target")
    put(columns, spec, target, value, "text")
    out = frame.select(columns)
    out.changed = distinct(x, value)
    return out


def pad(frame: Frame, options: dict[str, Any]) -> StepSQL:
    spec = frame.spec(options["field"], "field")
    if spec.type not in ("text", "int"):
        raise frame.error(gettext_noop("field %(field)r is %(type)s; expected text or int"), "field", field=spec.name,
                          type=spec.type)  # fmt: skip
    width = options.get("width") or PAD_PRESETS.get(options.get("preset", ""))
    if not width:
        raise frame.error(gettext_noop("give a 'width' or a 'preset'"), "width")
    char = options.get("char", "0")
    if len(char) != 1:
        raise frame.error(gettext_noop("the padding character must be one character"), "char")
    t = f"trim({as_text(spec)})"
    value = f"(CASE WHEN length({t}) < {int(width)} THEN lpad({t}, {int(width)}, {frame.param(char)}) ELSE {t} END)"
    columns = frame.passthrough()
    put(columns, spec, options.get("target"), value, "text")
    out = frame.select(columns)
    out.changed = f"length({t}) < {int(width)}"
    return out
