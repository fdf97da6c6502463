"""What a processing step is: its definition, its options, its errors and its results.

A step is a `kind` and its `options` (plain JSON); `check_option` says whether a value
suits an option's spec. This module is the bottom of the package: it imports nothing
from it (frame, the processors, registry and pipeline import it, in that order).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from datapolis.schema import FIELD_TYPES, FieldSpec

if TYPE_CHECKING:
    from datapolis.engine import Prepared

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class StepError(Exception):
    """A step that cannot be compiled or that fails on a value.

    `step` is the 1-based position of the step (0 for a list that is not a list of steps),
    `row` the 1-based row of the pipeline's input where a value failed, `value` that value.
    `template` is an English sentence marked with gettext_noop, with %(name)s placeholders
    filled from `params`: the Django layers translate it (`_(template) % params`);
    `message` is it filled in, in English.
    """

    def __init__(
        self,
        step: int,
        kind: str,
        template: str,
        *,
        params: dict[str, Any] | None = None,
        option: str | None = None,
        row: int | None = None,
        value: Any = None,
    ) -> None:
        self.step = step
        self.kind = kind
        self.template = template
        self.params = dict(params or {})
        self.message = template % self.params if self.params else template
        self.option = option
        self.row = row
        self.value = value
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"step {self.step} ({self.kind})" if self.kind else f"step {self.step}"
        text = f"{where}: {self.message}"
        if self.row is not None:
            text += f" (row {self.row}, value {self.value!r})"
        return text

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"step": self.step, "kind": self.kind, "message": self.message, "text": str(self),
                                "template": self.template, "params": self.params}  # fmt: skip
        if self.option is not None:
            data["option"] = self.option
        if self.row is not None:
            data["row"] = self.row
            data["value"] = self.value
        return data


@dataclass(frozen=True)
class Step:
    kind: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "options": dict(self.options)}


@dataclass(frozen=True)
class Option:
    """One option of a processor: its name, its type, and whether it must be given.

    Types: field, fields (list), name (a new field name), names, text, int, number, bool,
    choice (`choices`), field_type, dataset, mapping (text -> text), renames (field -> name),
    json (any JSON value).
    """

    name: str
    type: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    help: str = ""
    minimum: float | None = None


@dataclass
class StepCount:
    step: int
    kind: str
    rows_in: int
    rows_out: int
    changed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "kind": self.kind,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "changed": self.changed,
        }


@dataclass
class Applied:
    prepared: Prepared
    counts: list[StepCount]


@dataclass
class Preview:
    fields: list[FieldSpec]
    rows: list[dict[str, Any]]
    counts: list[StepCount]

    def to_dict(self) -> dict[str, Any]:
        return {
            "fields": [spec.to_dict() for spec in self.fields],
            "rows": self.rows,
            "counts": [count.to_dict() for count in self.counts],
        }


Lookup = Callable[[str], tuple[str, list[FieldSpec]]]


@dataclass
class StepContext:
    """What steps may need from outside: the salt of hashes, and other datasets.

    `lookup(dataset_id)` returns the SQL of a relation holding another dataset's current
    version (engine-produced, written as is in a FROM clause) and its fields.
    """

    secret: str = ""
    lookup: Lookup | None = None


# -- checking options --------------------------------------------------------------


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and bool(FIELD_NAME.match(value))


def check_option(option: Option, value: Any) -> str | None:
    """None when `value` suits `option`, else what is wrong with it."""
    kind = option.type
    if kind in ("field", "name"):
        return (
            None if _is_name(value) else "must be a field name (lowercase letters, digits, _; starting with a letter)"
        )
    if kind in ("fields", "names"):
        if not isinstance(value, list) or not value or not all(_is_name(v) for v in value):
            return "must be a non-empty list of field names"
        return None if len(set(value)) == len(value) else "must not name a field twice"
    if kind in ("text", "dataset"):
        if not isinstance(value, str):
            return "must be a text"
        return "must not be empty" if kind == "dataset" and not value.strip() else None
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be an integer"
        return _below(option, value)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be a number"
        return _below(option, value)
    if kind == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if kind in ("choice", "field_type"):
        choices = option.choices or FIELD_TYPES
        return None if value in choices else f"must be one of {', '.join(choices)}"
    if kind == "mapping":
        ok = isinstance(value, dict) and all(isinstance(v, str | int | float) or v is None for v in value.values())
        return None if ok and value else "must be a non-empty object of values"
    if kind == "renames":
        ok = isinstance(value, dict) and value and all(_is_name(k) and _is_name(v) for k, v in value.items())
        return None if ok else "must be a non-empty object mapping field names to new field names"
    return None


def _below(option: Option, value: float) -> str | None:
    if option.minimum is not None and value < option.minimum:
        return f"must be at least {option.minimum:g}"
    return None
