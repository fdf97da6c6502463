"""Types of ODSQL expressions: the API field types, plus `null` for the NULL literal."""

from __future__ import annotations

from dataclasses import dataclass

NUMERIC = frozenset({"int", "double"})
TEMPORAL = frozenset({"date", "datetime"})
GEO = frozenset({"geo_point_2d", "geo_shape"})


@dataclass(frozen=True)
class ValueType:
    kind: str  # text int double boolean date datetime geo_point_2d geo_shape null
    multivalued: bool = False

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC and not self.multivalued

    @property
    def is_temporal(self) -> bool:
        return self.kind in TEMPORAL and not self.multivalued

    @property
    def is_text(self) -> bool:
        return self.kind == "text" and not self.multivalued

    @property
    def is_geo(self) -> bool:
        return self.kind in GEO

    @property
    def is_null(self) -> bool:
        return self.kind == "null"

    @property
    def element(self) -> ValueType:
        """The type of one value of a multivalued field."""
        return ValueType(self.kind)

    def describe(self) -> str:
        return f"multivalued {self.kind}" if self.multivalued else self.kind


TEXT = ValueType("text")
INT = ValueType("int")
DOUBLE = ValueType("double")
BOOLEAN = ValueType("boolean")
DATE = ValueType("date")
DATETIME = ValueType("datetime")
GEO_POINT = ValueType("geo_point_2d")
GEO_SHAPE = ValueType("geo_shape")
NULL = ValueType("null")


def numeric_result(left: ValueType, right: ValueType) -> ValueType:
    return INT if left.kind == "int" and right.kind == "int" else DOUBLE


def comparable(left: ValueType, right: ValueType) -> bool:
    """Whether two (single) values can be compared with = < > ..."""
    if left.is_null or right.is_null:
        return True
    if left.multivalued or right.multivalued:
        return False
    if left.kind in NUMERIC and right.kind in NUMERIC:
        return True
    if left.kind in TEMPORAL and right.kind in TEMPORAL:
        return True
    return left.kind == right.kind and not left.is_geo
