"""The validation report stored with each version: errors, totals, the schema validated against.

`errors` holds at most `max_errors` errors (the first ones, in row order); `error_count`,
`by_rule` and `by_field` count every error. Warnings (extra data fields) do not make the
data invalid. The report is plain JSON through `to_dict` / `from_dict`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT_VERSION = 1


@dataclass
class ValidationIssue:
    """One error or warning: where (data row, dataset field, schema field), which rule, which value."""

    row: int | None  # 1-based data row of the relation; None for a structural error
    field: str | None  # the dataset field's name
    schema_field: str | None  # the schema field's name
    rule: str  # type, required, pattern, enum, minimum, maximum, unique, missing-field, extra-field...
    value: str | None
    message: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationIssue:
        return cls(
            row=data.get("row"),
            field=data.get("field"),
            schema_field=data.get("schema_field"),
            rule=data["rule"],
            value=data.get("value"),
            message=data.get("message", ""),
        )


# The name the first design gave it.
ValidationError_ = ValidationIssue


@dataclass
class ValidationReport:
    """The result of validating one relation against one Table Schema."""

    valid: bool
    rows: int
    error_count: int
    errors: list[ValidationIssue] = field(default_factory=list)
    by_rule: dict[str, int] = field(default_factory=dict)
    by_field: dict[str, int] = field(default_factory=dict)
    missing_fields: list[str] = field(default_factory=list)
    extra_fields: list[str] = field(default_factory=list)
    warnings: list[ValidationIssue] = field(default_factory=list)
    schema: dict[str, str | None] = field(default_factory=dict)
    truncated: bool = False  # more errors than `errors` holds
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["format"] = FORMAT_VERSION
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationReport:
        return cls(
            valid=bool(data["valid"]),
            rows=int(data["rows"]),
            error_count=int(data["error_count"]),
            errors=[ValidationIssue.from_dict(item) for item in data.get("errors", [])],
            by_rule=dict(data.get("by_rule", {})),
            by_field=dict(data.get("by_field", {})),
            missing_fields=list(data.get("missing_fields", [])),
            extra_fields=list(data.get("extra_fields", [])),
            warnings=[ValidationIssue.from_dict(item) for item in data.get("warnings", [])],
            schema=dict(data.get("schema", {})),
            truncated=bool(data.get("truncated", False)),
            seconds=float(data.get("seconds", 0.0)),
        )


class Collector:
    """Counts every error and keeps the first `limit`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.errors: list[ValidationIssue] = []
        self.count = 0
        self.by_rule: dict[str, int] = {}
        self.by_field: dict[str, int] = {}

    def add(self, issue: ValidationIssue) -> None:
        self.count += 1
        self.by_rule[issue.rule] = self.by_rule.get(issue.rule, 0) + 1
        key = issue.field or issue.schema_field
        if key is not None:
            self.by_field[key] = self.by_field.get(key, 0) + 1
        if len(self.errors) < self.limit:
            self.errors.append(issue)
