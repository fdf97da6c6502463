"""Which dataset field holds which schema field.

National schemas name fields as the source file's headers (`nom_amenageur`,
`nomAttribuant`); Datapolis normalises names to [a-z0-9_] and keeps the header as the
field's label. A schema field matches, in this order of preference, the dataset field
of the same name, then the one whose label is the schema name, then the one whose name
is the schema name normalised. Each dataset field matches at most one schema field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from datapolis.schema import FieldSpec, normalise_field_name


@dataclass
class Matching:
    """Matched pairs in the schema's order, and what is left on each side."""

    pairs: list[tuple[str, FieldSpec]] = field(default_factory=list)  # (schema field, dataset field)
    missing: list[str] = field(default_factory=list)  # schema fields absent from the data
    extra: list[str] = field(default_factory=list)  # dataset fields the schema does not name


def match_fields(schema_fields: list[str], fields: list[FieldSpec]) -> Matching:
    """Match schema fields to dataset fields by name, then label, then normalised name."""
    chosen: dict[str, FieldSpec] = {}
    used: set[str] = set()
    rules: list[Callable[[str, FieldSpec], bool]] = [
        lambda name, spec: spec.name == name,
        lambda name, spec: spec.label == name,
        lambda name, spec: spec.name == normalise_field_name(name),
    ]
    for rule in rules:
        for name in schema_fields:
            if name in chosen:
                continue
            spec = next((spec for spec in fields if spec.name not in used and rule(name, spec)), None)
            if spec is not None:
                chosen[name] = spec
                used.add(spec.name)
    return Matching(
        pairs=[(name, chosen[name]) for name in schema_fields if name in chosen],
        missing=[name for name in schema_fields if name not in chosen],
        extra=[spec.name for spec in fields if spec.name not in used],
    )
