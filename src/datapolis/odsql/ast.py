"""The typed syntax tree of ODSQL clauses.

Every node keeps `start`/`end`, character offsets into its clause's text, so errors can
point at it and output columns can be named by the text as written (`count(*)`).
The checker fills in `value_type` (and `spec` on fields, `alias_of` on alias references);
the printer reads only checked trees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datapolis.odsql.types import ValueType
    from datapolis.schema import FieldSpec


@dataclass(eq=False)
class Node:
    start: int = field(default=0, kw_only=True)
    end: int = field(default=0, kw_only=True)

    def source(self, text: str) -> str:
        return text[self.start : self.end].strip()


@dataclass(eq=False)
class Expr(Node):
    value_type: ValueType | None = field(default=None, kw_only=True, repr=False)


# Literals -------------------------------------------------------------------


@dataclass(eq=False)
class Literal(Expr):
    # The Python value the checker read from the literal, in the type it was given
    # (a number for a numeric field, a ParsedDate for a date, a geometry...).
    resolved: Any = field(default=None, kw_only=True, repr=False)


@dataclass(eq=False)
class String(Literal):
    value: str


@dataclass(eq=False)
class Number(Literal):
    value: int | float
    text: str


@dataclass(eq=False)
class DateLiteral(Literal):
    """`date'...'`: the text between the quotes, parsed by the checker (it needs the timezone)."""

    text: str


@dataclass(eq=False)
class GeometryLiteral(Literal):
    """`geom'...'`: WKT or GeoJSON text, parsed and validated by the checker."""

    text: str
    geometry: Any = field(default=None, repr=False)


@dataclass(eq=False)
class Boolean(Literal):
    value: bool


@dataclass(eq=False)
class Null(Literal):
    pass


# References and operations --------------------------------------------------


@dataclass(eq=False)
class Field(Expr):
    """A field name (dotted names such as `default.modified` are kept whole) or an alias."""

    name: str
    spec: FieldSpec | None = field(default=None, kw_only=True, repr=False)
    alias_of: Expr | None = field(default=None, kw_only=True, repr=False)


@dataclass(eq=False)
class Star(Node):
    """`*` as a function argument: `count(*)`, `search(*, "x")`, `range(f, *, 10, *)`."""


@dataclass(eq=False)
class Distinct(Node):
    """`distinct expr` as the argument of count()."""

    expr: Expr


@dataclass(eq=False)
class NamedArgument(Node):
    """`name=value`, as in `now(years=-1)`."""

    name: str
    operator: str
    value: Expr


@dataclass(eq=False)
class Quantity(Node):
    """A number followed by a unit: `10km`, `1 day`, `3 M`."""

    amount: Number
    unit: str


Argument = Expr | Star | Distinct | NamedArgument | Quantity


@dataclass(eq=False)
class Call(Expr):
    name: str  # lower-cased
    args: list[Argument]
    # What the checker worked out for the printer (fields searched, distances in metres...).
    resolved: dict[str, Any] = field(default_factory=dict, kw_only=True, repr=False)


@dataclass(eq=False)
class FullText(Expr):
    """A bare string in a where clause: every token must appear in one of `fields`."""

    text: str
    fields: list[FieldSpec]


@dataclass(eq=False)
class Signed(Expr):
    sign: str
    operand: Expr


@dataclass(eq=False)
class Arithmetic(Expr):
    operator: str  # + - * /
    left: Expr
    right: Expr


@dataclass(eq=False)
class Comparison(Expr):
    operator: str  # = != > < >= <= (`<>` becomes `!=`, legacy `:` becomes `=`)
    left: Expr
    right: Expr
    legacy: bool = False


@dataclass(eq=False)
class IsTest(Expr):
    operand: Expr
    negated: bool
    what: str  # null, true, false


@dataclass(eq=False)
class Like(Expr):
    operand: Expr
    pattern: Expr


@dataclass(eq=False)
class InRange(Expr):
    operand: Expr
    low: Expr
    high: Expr
    low_inclusive: bool
    high_inclusive: bool


@dataclass(eq=False)
class InList(Expr):
    operand: Expr
    items: list[Expr]


@dataclass(eq=False)
class InField(Expr):
    """`literal IN multivalued_field`."""

    value: Expr
    field: Field


@dataclass(eq=False)
class Not(Expr):
    operand: Expr


@dataclass(eq=False)
class And(Expr):
    operands: list[Expr]


@dataclass(eq=False)
class Or(Expr):
    operands: list[Expr]


# Clauses --------------------------------------------------------------------


@dataclass(eq=False)
class SelectAll(Node):
    pass


@dataclass(eq=False)
class SelectPattern(Node):
    """`include(a, pop*)` or `exclude(...)`: field names, a trailing `*` matching prefixes."""

    include: bool
    patterns: list[str]


@dataclass(eq=False)
class SelectExpr(Node):
    expr: Expr
    alias: str | None = None


SelectItem = SelectAll | SelectPattern | SelectExpr


@dataclass(eq=False)
class GroupItem(Node):
    expr: Expr
    alias: str | None = None


@dataclass(eq=False)
class OrderItem(Node):
    expr: Expr
    descending: bool = False


@dataclass(eq=False)
class Clause:
    """The parsed text of one clause; `text` is kept to locate errors and name outputs."""

    text: str


@dataclass(eq=False)
class SelectClause(Clause):
    items: list[SelectItem]


@dataclass(eq=False)
class WhereClause(Clause):
    expr: Expr


@dataclass(eq=False)
class GroupByClause(Clause):
    items: list[GroupItem]


@dataclass(eq=False)
class OrderByClause(Clause):
    items: list[OrderItem]


def children(node: Node) -> list[Node]:
    """The direct sub-nodes of a node, in source order."""
    if isinstance(node, Call):
        return list(node.args)
    if isinstance(node, Distinct):
        return [node.expr]
    if isinstance(node, NamedArgument):
        return [node.value]
    if isinstance(node, Quantity):
        return [node.amount]
    if isinstance(node, Signed | Not):
        return [node.operand]
    if isinstance(node, Arithmetic | Comparison):
        return [node.left, node.right]
    if isinstance(node, IsTest):
        return [node.operand]
    if isinstance(node, Like):
        return [node.operand, node.pattern]
    if isinstance(node, InRange):
        return [node.operand, node.low, node.high]
    if isinstance(node, InList):
        return [node.operand, *node.items]
    if isinstance(node, InField):
        return [node.value, node.field]
    if isinstance(node, And | Or):
        return list(node.operands)
    return []


_NOT_STRUCTURE = {"start", "end", "value_type", "spec", "alias_of", "resolved"}


def fingerprint(node: Any) -> Any:
    """A hashable description of a tree's structure, ignoring positions and checker notes,
    so `year(d)` in select matches `YEAR( d )` in group_by."""
    if isinstance(node, list):
        return tuple(fingerprint(item) for item in node)
    if not isinstance(node, Node):
        return getattr(node, "name", node)
    if isinstance(node, Field) and node.spec is not None:
        return ("Field", node.spec.name)
    from dataclasses import fields as dataclass_fields

    parts = [type(node).__name__]
    for item in dataclass_fields(node):
        if item.name not in _NOT_STRUCTURE:
            parts.append(fingerprint(getattr(node, item.name)))
    return tuple(parts)


def walk(node: Node):
    """Every node of a tree, depth first, parents before children."""
    yield node
    for child in children(node):
        yield from walk(child)
