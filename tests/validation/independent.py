"""An independent check of a CSV file against a Table Schema, written for the tests only.

It reads the raw file with Python's csv module and applies the schema's rules with `re`
and `decimal`, without frictionless or DuckDB, so the report's counts can be compared
with counts computed another way.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

TRUE_VALUES = ["true", "True", "TRUE", "1"]
FALSE_VALUES = ["false", "False", "FALSE", "0"]


def read_rows(path: Path, delimiter: str = ",", encoding: str = "utf-8-sig") -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        return list(reader.fieldnames or []), list(reader)


def violations(
    rows: list[dict[str, str]], schema: dict[str, Any], decimal_comma: bool = False
) -> list[tuple[int, str, str]]:
    """(1-based data row, schema field, rule) of every violation, for schema fields in the file's header."""
    found = []
    header = set(rows[0]) if rows else set()
    for number, row in enumerate(rows, start=1):
        for spec in schema["fields"]:
            if spec["name"] in header:
                rule = violated_rule(row[spec["name"]], spec, decimal_comma)
                if rule:
                    found.append((number, spec["name"], rule))
    return found


def count_by(found: list[tuple[int, str, str]], index: int) -> Counter:
    return Counter(item[index] for item in found)


def violated_rule(value: str | None, spec: dict[str, Any], decimal_comma: bool = False) -> str | None:
    constraints = spec.get("constraints") or {}
    if value is None or value == "":
        return "required" if constraints.get("required") or spec.get("required") else None
    kind = spec.get("type", "string")
    parsed = _parse(value.replace(",", ".") if decimal_comma and kind == "number" else value, spec)
    if parsed is None:
        return "type"
    return _constraint(parsed, value, constraints)


def _constraint(parsed: Any, value: str, constraints: dict[str, Any]) -> str | None:
    if "pattern" in constraints and not re.fullmatch(constraints["pattern"], value):
        return "pattern"
    if "enum" in constraints and value not in constraints["enum"]:
        return "enum"
    if "minLength" in constraints and len(value) < constraints["minLength"]:
        return "minLength"
    if "maxLength" in constraints and len(value) > constraints["maxLength"]:
        return "maxLength"
    if "minimum" in constraints and parsed < Decimal(str(constraints["minimum"])):
        return "minimum"
    if "maximum" in constraints and parsed > Decimal(str(constraints["maximum"])):
        return "maximum"
    return None


def _parse(value: str, spec: dict[str, Any]) -> Any:
    kind = spec.get("type", "string")
    if kind == "integer":
        return Decimal(value) if re.fullmatch(r"[+-]?\d+", value) else None
    if kind == "number":
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    if kind == "boolean":
        return value in (spec.get("trueValues") or TRUE_VALUES) + (spec.get("falseValues") or FALSE_VALUES) or None
    if kind == "date":
        fmt = spec.get("format", "default")
        try:
            return dt.datetime.strptime(value, "%Y-%m-%d" if fmt == "default" else fmt)
        except ValueError:
            return None
    return value
