"""Steps on dates: parse a text with a format, extract a part, coarsen."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from datapolis.ingest.errors import gettext_noop
from datapolis.steps.frame import Check, Frame, StepSQL, ident, put

# Friendly tokens, replaced when the format has no '%' directive: "dd/mm/yyyy".
_TOKENS = (("yyyy", "%Y"), ("yy", "%y"), ("mm", "%m"), ("dd", "%d"), ("hh", "%H"), ("mi", "%M"), ("ss", "%S"))
_TIME_DIRECTIVES = re.compile(r"%[HIMSfpXcT]")
DATE_PARTS = {
    "year": "year",
    "month": "month",
    "day": "day",
    "weekday": "isodow",
    "quarter": "quarter",
    "week": "week",
    "hour": "hour",
}


def strptime_format(text: str) -> str:
    """A strptime format from `text`: as is when it has directives, else dd/mm/yyyy tokens translated."""
    if "%" in text:
        return text
    result = text
    for token, directive in _TOKENS:
        result = re.sub(token, directive, result, flags=re.IGNORECASE)
    return result


def check_timezone(frame: Frame, name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise frame.error(
            gettext_noop("unknown timezone %(timezone)r (expected an IANA name such as Europe/Paris)"),
            "timezone",
            timezone=name,
        ) from None
    return name


def parse_date(frame: Frame, options: dict[str, Any]) -> StepSQL:
    spec = frame.typed(options["field"], ("text",), "field")
    fmt = strptime_format(options.get("format") or "%d/%m/%Y")
    if "%" not in fmt:
        raise frame.error(
            gettext_noop("format %(format)r has no directive such as %%d, %%m or %%Y"), "format", format=fmt
        )
    has_time = bool(_TIME_DIRECTIVES.search(fmt))
    target_type = options.get("type") or ("datetime" if has_time else "date")
    timezone = check_timezone(frame, options.get("timezone") or "Europe/Paris")
    x = ident(spec.name)
    text = f"NULLIF(trim({x}), '')"
    parsed = f"try_strptime({text}, {frame.param(fmt)})"
    if target_type == "date":
        value = f"CAST({parsed} AS DATE)"
    elif "%z" in fmt or "%Z" in fmt:
        value = f"CAST({parsed} AS TIMESTAMPTZ)"
    else:
        value = f"timezone({frame.param(timezone)}, CAST({parsed} AS TIMESTAMP))"
    columns = frame.passthrough()
    target = options.get("target")
    if target:
        frame.new_name(target, "target", replacing=spec.name)
    put(columns, spec, target, value, target_type)
    out = frame.select(columns)
    out.checks.append(
        Check(
            f"{text} IS NOT NULL AND {parsed} IS NULL",
            x,
            gettext_noop("field %(field)r: value does not match the format %(format)r"),
            {"field": spec.name, "format": fmt},
        )
    )
    return out


def _local(frame: Frame, spec_type: str, x: str, options: dict[str, Any]) -> str:
    if spec_type == "datetime":
        return f"timezone({frame.param(check_timezone(frame, options.get('timezone') or 'Europe/Paris'))}, {x})"
    return x


def date_part(frame: Frame, options: dict[str, Any]) -> StepSQL:
    spec = frame.typed(options["field"], ("date", "datetime"), "field")
    part = options["part"]
    if part == "hour" and spec.type == "date":
        raise frame.error(gettext_noop("a date has no hour"), "part")
    target = options.get("target") or f"{spec.name}_{part}"
    frame.new_name(target, "target")
    x = _local(frame, spec.type, ident(spec.name), options)
    value = f"CAST(date_part('{DATE_PARTS[part]}', {x}) AS BIGINT)"
    columns = frame.passthrough()
    put(columns, spec, target, value, "int", label=options.get("label"))
    return frame.select(columns)


def truncate_date(spec_type: str, x: str, unit: str) -> str:
    """The first day of the month or year of a date (a datetime keeps its type)."""
    return f"CAST(date_trunc('{unit}', {x}) AS {'DATE' if spec_type == 'date' else 'TIMESTAMPTZ'})"
