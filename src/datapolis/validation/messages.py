"""From a frictionless error to a report issue: data row, dataset field, rule, value, message.

frictionless numbers rows by their line in the CSV, the header being line 1: data row
n is line n + 1. Constraint errors name their constraint in the note
(`constraint "pattern" is "..."`), which becomes the rule.
"""

from __future__ import annotations

import re
from typing import Any

from frictionless.error import Error

from datapolis.validation.report import ValidationIssue
from datapolis.validation.schemas import TableSchema

HEADER_LINES = 1
MAX_VALUE_LENGTH = 200
_CONSTRAINT = re.compile(r'constraint "(\w+)"')
_POSITION = re.compile(r"row at position (\d+)")

_RULES = {"type-error": "type", "unique-error": "unique", "primary-key-error": "primary-key"}

_TEMPLATES = {
    "type": 'The value "{value}" is not a valid {type}{format}.',
    "required": "A value is required.",
    "pattern": 'The value "{value}" does not match the pattern {constraint}.',
    "enum": 'The value "{value}" is not one of the allowed values: {constraint}.',
    "minimum": "The value {value} is less than the minimum {constraint}.",
    "maximum": "The value {value} is greater than the maximum {constraint}.",
    "exclusiveMinimum": "The value {value} is not greater than {constraint}.",
    "exclusiveMaximum": "The value {value} is not less than {constraint}.",
    "minLength": 'The value "{value}" is shorter than {constraint} characters.',
    "maxLength": 'The value "{value}" is longer than {constraint} characters.',
    "unique": 'The value "{value}" is already in row {other}: values must be unique.',
    "primary-key": "The primary key of this row is empty or already in row {other}.",
}


def issue_from_error(
    error: Error, dataset_names: dict[str, str], descriptors: dict[str, dict[str, Any]]
) -> ValidationIssue:
    """The report's issue for one frictionless error on the exported CSV."""
    schema_field = getattr(error, "field_name", None)
    rule = _rule(error)
    value = None if rule == "required" else _value(error)
    descriptor = descriptors.get(schema_field or "", {})
    return ValidationIssue(
        row=_data_row(getattr(error, "row_number", None)),
        field=dataset_names.get(schema_field or ""),
        schema_field=schema_field,
        rule=rule,
        value=value,
        message=_message(rule, value, descriptor, error),
    )


def missing_field_issue(schema: TableSchema, name: str) -> ValidationIssue:
    required = (schema.field_descriptor(name).get("constraints") or {}).get("required")
    kind = "required field" if required else "field"
    message = f'The schema\'s {kind} "{name}" is not in the data (no field of that name or label).'
    return ValidationIssue(row=None, field=None, schema_field=name, rule="missing-field", value=None, message=message)


def extra_field_issue(name: str) -> ValidationIssue:
    message = f'The field "{name}" is not in the schema.'
    return ValidationIssue(row=None, field=name, schema_field=None, rule="extra-field", value=None, message=message)


def _rule(error: Error) -> str:
    if error.type == "constraint-error":
        found = _CONSTRAINT.search(error.note or "")
        return found.group(1) if found else "constraint"
    return _RULES.get(error.type, error.type)


def _value(error: Error) -> str | None:
    cell = getattr(error, "cell", None)
    if cell is None:
        return None
    return cell if len(cell) <= MAX_VALUE_LENGTH else cell[:MAX_VALUE_LENGTH] + "…"


def _data_row(line: int | None) -> int | None:
    return None if line is None else line - HEADER_LINES


def _message(rule: str, value: str | None, descriptor: dict[str, Any], error: Error) -> str:
    template = _TEMPLATES.get(rule)
    if template is None:
        return error.message
    fmt = descriptor.get("format")
    return template.format(
        value=value if value is not None else "",
        type=descriptor.get("type", "string"),
        format=f" (format {fmt})" if fmt and fmt != "default" else "",
        constraint=_constraint_text((descriptor.get("constraints") or {}).get(rule)),
        other=_other_row(error.note or ""),
    )


def _constraint_text(constraint: Any) -> str:
    if isinstance(constraint, list):
        return ", ".join(f'"{item}"' for item in constraint)
    return str(constraint)


def _other_row(note: str) -> str:
    found = _POSITION.search(note)
    return str(_data_row(int(found.group(1)))) if found else "?"
