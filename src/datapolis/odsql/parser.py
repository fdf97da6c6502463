"""Parse the text of ODSQL clauses into the syntax tree of `datapolis.odsql.ast`.

The grammar (grammar.lark) is LALR(1), so parsing is linear in the text; the tree is
built without recursion, and trees nested deeper than MAX_DEPTH are refused so no later
stage can exhaust the stack.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from datapolis.odsql import ast
from datapolis.odsql.errors import ODSQLError, Position

MAX_LENGTH = 1_000_000  # geometry literals can be long; anything beyond is not a query
MAX_DEPTH = 64
MAX_NODES = 5_000  # per clause: an OR of 100,000 comparisons fits in MAX_LENGTH, and its plan does not fit anywhere

_CLAUSE_RULES = {
    "select": "select_clause",
    "where": "where_clause",
    "group_by": "group_by_clause",
    "order_by": "order_by_clause",
}

_READABLE_TERMINALS = {
    "NAME": "a field name",
    "BACKQUOTED": "a back-quoted field name",
    "STRING": "a string",
    "NUMBER": "a number",
    "DATE": "a date literal",
    "GEOMETRY": "a geometry literal",
    "TRUE": "TRUE",
    "FALSE": "FALSE",
    "NULL": "NULL",
    "IS_VALUE": "NULL, TRUE or FALSE",
    "COMPARATOR": "a comparison operator",
    "ADDITIVE": '"+" or "-"',
    "SIGN": '"+" or "-"',
    "MULTIPLICATIVE": '"*" or "/"',
    "STAR": '"*"',
    "DIRECTION": "ASC or DESC",
    "DISTINCT": "DISTINCT",
    "RANGE_OPEN": '"[" or "]"',
    "RANGE_CLOSE": '"[" or "]"',
    "RANGE_SEPARATOR": '".." or TO',
    "PATTERN_FUNCTION": "include() or exclude()",
    "_AS": "AS",
    "_OR": "OR",
    "_AND": "AND",
    "_NOT": "NOT",
    "NOT": "NOT",
    "_IS": "IS",
    "_LIKE": "LIKE",
    "_IN": "IN",
    "LPAR": '"("',
    "RPAR": '")"',
    "COMMA": '","',
    "COLON": '":"',
    "$END": "the end of the clause",
}


@cache
def _lark() -> Lark:
    grammar = resources.files("datapolis.odsql").joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        start=list(_CLAUSE_RULES.values()),
        propagate_positions=True,
        maybe_placeholders=True,
    )


def parse_select(text: str) -> ast.SelectClause:
    return ast.SelectClause(text=text, items=_parse(text, "select"))


def parse_where(text: str) -> ast.WhereClause:
    return ast.WhereClause(text=text, expr=_parse(text, "where"))


def parse_group_by(text: str) -> ast.GroupByClause:
    return ast.GroupByClause(text=text, items=_parse(text, "group_by"))


def parse_order_by(text: str) -> ast.OrderByClause:
    return ast.OrderByClause(text=text, items=_parse(text, "order_by"))


def _parse(text: str, clause: str):
    if not isinstance(text, str):
        raise ODSQLError("the clause must be text", clause)
    if len(text) > MAX_LENGTH:
        raise ODSQLError(f"the clause is longer than {MAX_LENGTH} characters", clause)
    if not text.strip():
        raise ODSQLError("the clause is empty", clause, Position.at(text, 0))
    try:
        tree = _lark().parse(text, start=_CLAUSE_RULES[clause])
        result = _ToAst().transform(tree)
    except UnexpectedInput as error:
        raise _syntax_error(error, text, clause) from None
    except VisitError as error:
        if isinstance(error.orig_exc, ODSQLError):
            raise error.orig_exc.in_clause(clause) from None
        raise
    _check_size(result if isinstance(result, list) else [result], text, clause)
    return result


def _syntax_error(error: UnexpectedInput, text: str, clause: str) -> ODSQLError:
    offset = getattr(error, "pos_in_stream", None) or 0
    if isinstance(error, UnexpectedCharacters):
        found = repr(text[offset]) if offset < len(text) else "end of the clause"
        expected = _readable(error.allowed)
    elif isinstance(error, UnexpectedEOF):
        offset = len(text)
        found = "end of the clause"
        expected = _readable(error.expected)
    elif isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "$END":
            offset, found = len(text), "end of the clause"
        else:
            offset, found = token.start_pos or 0, repr(str(token))
        expected = _readable(error.accepts or error.expected)
    else:  # pragma: no cover - lark has no other kind
        found, expected = "input", []
    message = f"unexpected {found}"
    if expected:
        message += f", expected one of: {', '.join(expected)}"
    return ODSQLError(message, clause, Position.at(text, offset))


def _readable(terminals) -> list[str]:
    return sorted({_READABLE_TERMINALS.get(name, name.lower()) for name in terminals or ()})


def _check_size(roots: list[ast.Node], text: str, clause: str) -> None:
    stack = [(root, 1) for root in roots]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise ODSQLError(f"the clause has more than {MAX_NODES} terms", clause, _position(text, node))
        if depth > MAX_DEPTH:
            raise ODSQLError(
                f"the expression is nested more than {MAX_DEPTH} levels deep", clause, _position(text, node)
            )
        if isinstance(node, ast.SelectExpr | ast.GroupItem | ast.OrderItem):
            stack.append((node.expr, depth))
        else:
            stack.extend((child, depth + 1) for child in ast.children(node))


def _position(text: str, node: ast.Node) -> Position:
    return Position.at(text, node.start)


_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


def unescape(body: str) -> str:
    """Resolve backslash escapes: `\\'` is a quote, `\\n` a newline, `\\x` is x."""
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


def _name(token: Token) -> str:
    text = str(token)
    if token.type == "BACKQUOTED":
        return unescape(text[1:-1])
    return text


def _quoted_body(text: str) -> str:
    """The text between the quotes of `date'...'` or `geom"..."`."""
    return text[text.index(text[-1]) + 1 : -1]


def _span(meta) -> dict[str, int]:
    if getattr(meta, "empty", True):
        return {"start": 0, "end": 0}
    return {"start": meta.start_pos, "end": meta.end_pos}


def _token_span(token: Token) -> dict[str, int]:
    return {"start": token.start_pos or 0, "end": token.end_pos or 0}


@v_args(meta=True, inline=True)
class _ToAst(Transformer_NonRecursive):
    # clauses
    def select_clause(self, meta, *items):
        return list(items)

    def star_item(self, meta, token):
        return ast.SelectAll(**_token_span(token))

    def pattern_item(self, meta, function, *patterns):
        return ast.SelectPattern(include=str(function).lower() == "include", patterns=list(patterns), **_span(meta))

    def pattern(self, meta, name, star=None):  # a lone STAR alternative has no optional slot
        if name.type == "STAR":
            return "*"
        return _name(name) + ("*" if star is not None else "")

    def expr_item(self, meta, expr, alias):
        return ast.SelectExpr(expr=expr, alias=alias, **_span(meta))

    def alias(self, meta, token):
        return _name(token)

    def where_clause(self, meta, expr):
        return expr

    def group_by_clause(self, meta, *items):
        return list(items)

    def group_item(self, meta, expr, alias):
        return ast.GroupItem(expr=expr, alias=alias, **_span(meta))

    def order_by_clause(self, meta, *items):
        return list(items)

    def order_item(self, meta, expr, direction):
        descending = direction is not None and str(direction).lower() == "desc"
        if direction is None and isinstance(expr, ast.Signed) and expr.sign == "-":
            # Legacy `order_by=-population`: a leading minus means descending.
            expr, descending = expr.operand, True
        return ast.OrderItem(expr=expr, descending=descending, **_span(meta))

    # boolean logic
    def or_(self, meta, left, right):
        operands = [*(left.operands if isinstance(left, ast.Or) else [left]), right]
        return ast.Or(operands=operands, **_span(meta))

    def and_(self, meta, left, right):
        operands = [*(left.operands if isinstance(left, ast.And) else [left]), right]
        return ast.And(operands=operands, **_span(meta))

    def not_(self, meta, operand):
        return ast.Not(operand=operand, **_span(meta))

    # predicates
    def comparison(self, meta, left, operator, right):
        op = "!=" if str(operator) == "<>" else str(operator)
        return ast.Comparison(operator=op, left=left, right=right, **_span(meta))

    def legacy_equal(self, meta, left, right):
        return ast.Comparison(operator="=", left=left, right=right, legacy=True, **_span(meta))

    def in_range(self, meta, operand, bounds):
        low_inclusive, low, high, high_inclusive = bounds
        return ast.InRange(
            operand=operand,
            low=low,
            high=high,
            low_inclusive=low_inclusive,
            high_inclusive=high_inclusive,
            **_span(meta),
        )

    def range(self, meta, opening, low, separator, high, closing):
        return (str(opening) == "[", low, high, str(closing) == "]")

    def is_test(self, meta, operand, negation, value):
        return ast.IsTest(operand=operand, negated=negation is not None, what=str(value).lower(), **_span(meta))

    def like(self, meta, operand, pattern):
        return ast.Like(operand=operand, pattern=pattern, **_span(meta))

    def in_list(self, meta, operand, *items):
        return ast.InList(operand=operand, items=list(items), **_span(meta))

    def in_field(self, meta, value, field):
        return ast.InField(value=value, field=field, **_span(meta))

    # arithmetic
    def arithmetic(self, meta, left, operator, right):
        return ast.Arithmetic(operator=str(operator), left=left, right=right, **_span(meta))

    def signed(self, meta, sign, operand):
        if isinstance(operand, ast.Number):
            negative = str(sign) == "-"
            value = -operand.value if negative else operand.value
            return ast.Number(value=value, text=("-" if negative else "") + operand.text, **_span(meta))
        return ast.Signed(sign=str(sign), operand=operand, **_span(meta))

    # calls
    def call(self, meta, name, *args):
        return ast.Call(name=str(name).lower(), args=[a for a in args if a is not None], **_span(meta))

    def star_argument(self, meta, token):
        return ast.Star(**_token_span(token))

    def distinct_argument(self, meta, keyword, expr):
        return ast.Distinct(expr=expr, **_span(meta))

    def named_argument(self, meta, name, operator, value):
        return ast.NamedArgument(name=str(name).lower(), operator=str(operator), value=value, **_span(meta))

    def quantity(self, meta, number, unit):
        return ast.Quantity(amount=self.number(None, number), unit=str(unit), **_span(meta))

    def field(self, meta, token):
        return ast.Field(name=_name(token), **_token_span(token))

    # literals
    def string(self, meta, token):
        return ast.String(value=unescape(str(token)[1:-1]), **_token_span(token))

    def number(self, meta, token):
        text = str(token)
        value: int | float = float(text) if any(c in text for c in ".eE") else int(text)
        return ast.Number(value=value, text=text, **_token_span(token))

    def date(self, meta, token):
        return ast.DateLiteral(text=_quoted_body(str(token)).strip(), **_token_span(token))

    def geometry(self, meta, token):
        return ast.GeometryLiteral(text=_quoted_body(str(token)).strip(), **_token_span(token))

    def true(self, meta, token):
        return ast.Boolean(value=True, **_token_span(token))

    def false(self, meta, token):
        return ast.Boolean(value=False, **_token_span(token))

    def null(self, meta, token):
        return ast.Null(**_token_span(token))
