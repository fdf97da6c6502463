"""Quoting helpers for the few identifiers and literals the engine itself writes.

User input never reaches SQL through these: query text from requests is compiled by
datapolis.odsql. These quote names the platform controls (dataset ids, field names
produced by normalise_field_name) and configuration values.
"""

from __future__ import annotations


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"
