"""Reading a Table Schema: from a path, a dict or a URL fetched by the caller's fetcher.

Real national schemas deviate from the strict Table Schema specification in ways that
carry no meaning for validation (examples that do not parse, `required` at the field's
top level, a schema `name` with capitals). Those are tolerated: examples are dropped and
`required` is moved into the constraints before frictionless reads the schema. Anything
else frictionless refuses, or a pattern that is not a regular expression, raises
SchemaError with every reason in its message.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frictionless import FrictionlessException, Schema

# Schema keys frictionless is given; the rest is documentation for people.
_VALIDATED_KEYS = ("fields", "missingValues", "primaryKey", "uniqueKeys")
_URL = re.compile(r"^https?://", re.IGNORECASE)


class SchemaError(ValueError):
    """The schema cannot be read or is not a valid Table Schema."""


@dataclass
class TableSchema:
    """A checked Table Schema and what the report says of it."""

    descriptor: dict[str, Any]
    name: str | None = None
    title: str | None = None
    version: str | None = None
    url: str | None = None
    fields: list[str] = field(default_factory=list)

    def info(self) -> dict[str, str | None]:
        """The schema as a validation report names it."""
        return {"name": self.name, "title": self.title, "version": self.version, "url": self.url}

    def field_descriptor(self, name: str) -> dict[str, Any]:
        return next(item for item in self.descriptor["fields"] if item["name"] == name)

    def frictionless_schema(self, names: list[str]) -> Schema:
        """The frictionless Schema restricted to the fields `names`, in that order."""
        return Schema.from_descriptor(validated_descriptor(self.descriptor, names))


def load_schema(source: str | Path | dict[str, Any], *, fetch: Callable[[str], bytes] | None = None) -> TableSchema:
    """Read a Table Schema from a dict, a file path or a URL (through `fetch`), and check it."""
    url = None
    if isinstance(source, dict):
        descriptor = copy.deepcopy(source)
    elif isinstance(source, str) and _URL.match(source):
        if fetch is None:
            raise SchemaError(f"Cannot fetch the schema {source}: no fetcher was given.")
        url = source
        descriptor = _parse(_fetched(fetch, source), source)
    else:
        descriptor = _parse(_read(Path(source)), str(source))
    return _checked(descriptor, url)


def validated_descriptor(descriptor: dict[str, Any], names: list[str] | None = None) -> dict[str, Any]:
    """What frictionless validates: the fields (tolerant fixes applied) and the keys that check data."""
    fields = [_tolerant_field(item) for item in descriptor.get("fields", []) if isinstance(item, dict)]
    if names is not None:
        by_name = {item.get("name"): item for item in fields}
        fields = [by_name[name] for name in names]
    result: dict[str, Any] = {"fields": fields}
    for key in _VALIDATED_KEYS[1:]:
        if key in descriptor:
            result[key] = copy.deepcopy(descriptor[key])
    if names is not None:
        _restrict_keys(result, set(names))
    return result


def _restrict_keys(result: dict[str, Any], names: set[str]) -> None:
    """Drop the primary and unique keys naming fields absent from the data (reported as missing)."""
    primary = result.get("primaryKey")
    if primary is not None and not set([primary] if isinstance(primary, str) else primary) <= names:
        del result["primaryKey"]
    if "uniqueKeys" in result:
        result["uniqueKeys"] = [key for key in result["uniqueKeys"] if set(key) <= names]


def _tolerant_field(item: dict[str, Any]) -> dict[str, Any]:
    item = {key: value for key, value in item.items() if key not in ("example", "examples")}
    if "required" in item:
        constraints = dict(item.get("constraints") or {})
        constraints.setdefault("required", bool(item.pop("required")))
        item["constraints"] = constraints
    return copy.deepcopy(item)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise SchemaError(f"Cannot read the schema file {path}: {error.strerror or error}.") from error


def _fetched(fetch: Callable[[str], bytes], url: str) -> bytes:
    try:
        return fetch(url)
    except Exception as error:  # the fetcher's own errors (network, SSRF refusal, size)
        raise SchemaError(f"Cannot fetch the schema {url}: {error}") from error


def _parse(content: bytes, where: str) -> dict[str, Any]:
    try:
        descriptor = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SchemaError(f"The schema {where} is not JSON: {error}.") from error
    if not isinstance(descriptor, dict):
        raise SchemaError(f"The schema {where} is not a JSON object.")
    return descriptor


def _checked(descriptor: dict[str, Any], url: str | None) -> TableSchema:
    fields = descriptor.get("fields")
    if not isinstance(fields, list) or not fields:
        raise SchemaError("The schema has no list of fields: it is not a Table Schema.")
    try:
        Schema.from_descriptor(validated_descriptor(descriptor))
    except FrictionlessException as error:
        reasons = [reason.message for reason in error.reasons] or [error.error.message]
        raise SchemaError("The schema is not a valid Table Schema: " + "; ".join(reasons)) from error
    _check_patterns(fields)
    return TableSchema(
        descriptor=descriptor,
        name=_text(descriptor.get("name")),
        title=_text(descriptor.get("title")),
        version=_text(descriptor.get("version")),
        url=url or _text(descriptor.get("path") or descriptor.get("uri")),
        fields=[item["name"] for item in fields],
    )


def _check_patterns(fields: list[dict[str, Any]]) -> None:
    for item in fields:
        pattern = (item.get("constraints") or {}).get("pattern")
        if pattern is None:
            continue
        try:
            re.compile(pattern)
        except (re.error, TypeError) as error:
            raise SchemaError(
                f'The pattern of the field "{item["name"]}" is not a regular expression: {error}.'
            ) from error


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
