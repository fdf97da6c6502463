"""How full-text predicates are printed: a pluggable strategy.

The default strategies work on any relation, without an index: they fold text (lower
case, accents stripped), split it into words and compare words — French-aware in DuckDB
(DuckDB's Snowball stemmer `stem(word, 'french')`, then a final plural `s`/`x` dropped), so
"velo" finds "Vélos" and "velos" finds "vélo". The engine may provide another strategy
(e.g. an indexed one for large tables) with the same five methods.

Search text from the request only ever reaches SQL as bound parameters; the SQL templates
here are constants.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Protocol

import sqlglot
from sqlglot import exp


class PrintContext(Protocol):
    """What a strategy gets from the printer."""

    dialect: str

    def param(self, value: object) -> exp.Expression: ...


class SearchStrategy(Protocol):
    """Prints ODSQL's text predicates; `texts` are SQL expressions of text values."""

    def full_text(self, ctx: PrintContext, texts: list[exp.Expression], query: str) -> exp.Expression:
        """A bare string in where: every word of `query` is in one of the texts."""

    def like(self, ctx: PrintContext, texts: list[exp.Expression], query: str) -> exp.Expression:
        """`field LIKE "query"`: the words of `query` are in the field; `word*` is a prefix."""

    def search(self, ctx: PrintContext, texts: list[exp.Expression], query: str) -> exp.Expression:
        """search(): fuzzy words, the last one a prefix (§3.3)."""

    def suggest(self, ctx: PrintContext, texts: list[exp.Expression], query: str) -> exp.Expression:
        """suggest(): every word of `query` starts a word of the texts."""

    def startswith(self, ctx: PrintContext, texts: list[exp.Expression], query: str) -> exp.Expression:
        """startswith(): one of the whole texts starts with `query`, case-sensitive."""


_NON_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lower case without accents, as the SQL side folds stored text."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return [w for w in _NON_WORD.split(fold(text)) if w]


def fuzziness(term: str) -> int:
    """Levenshtein distance search() allows for a term (§3.3)."""
    return 2 if len(term) > 5 else 1 if len(term) > 2 else 0


@cache
def _template(sql: str, dialect: str) -> exp.Expression:
    return sqlglot.parse_one(sql, read=dialect)


def _fill(sql: str, dialect: str, **values: exp.Expression) -> exp.Expression:
    return exp.replace_placeholders(_template(sql, dialect).copy(), **values)


def _all(conditions: list[exp.Expression]) -> exp.Expression:
    return exp.and_(*conditions, copy=False) if conditions else exp.true()


def _any(conditions: list[exp.Expression]) -> exp.Expression:
    return exp.or_(*conditions, copy=False) if conditions else exp.false()


class FoldedWordSearch:
    """DuckDB default: words of the folded texts, French plural folding and stemming."""

    dialect = "duckdb"
    WORDS = r"regexp_split_to_array(strip_accents(lower(:text)), '[^\p{L}\p{N}]+')"
    # Snowball French keeps "velos" (an s after o stays): drop a plural s/x after stemming.
    NORMALISE = r"regexp_replace(stem(:word, 'french'), '(.{3,})[sx]$', '\1')"
    HAS_ALL = "list_has_all(list_transform(:words, w -> :normalised), :wanted)"
    ANY_WORD = "list_bool_or(list_transform(:words, w -> :condition))"
    FUZZY = "levenshtein(w, :term) <= :distance OR :normalised_w = :normalised_term"
    PREFIX = "starts_with(w, :term)"

    def _joined(self, texts: list[exp.Expression]) -> exp.Expression:
        if len(texts) == 1:
            return texts[0]
        return exp.Anonymous(this="concat_ws", expressions=[exp.Literal.string(" "), *texts])

    def _words(self, texts: list[exp.Expression]) -> exp.Expression:
        return _fill(self.WORDS, self.dialect, text=self._joined(texts))

    def _normalise(self, word: exp.Expression) -> exp.Expression:
        return _fill(self.NORMALISE, self.dialect, word=word)

    def _text_param(self, ctx: PrintContext, value: str) -> exp.Expression:
        return exp.cast(ctx.param(value), exp.DataType.build("varchar"))

    def _has_all_words(self, ctx: PrintContext, texts: list[exp.Expression], terms: list[str]) -> exp.Expression:
        wanted = exp.Array(expressions=[self._normalise(self._text_param(ctx, term)) for term in terms])
        return _fill(
            self.HAS_ALL,
            self.dialect,
            words=self._words(texts),
            normalised=self._normalise(exp.column("w")),
            wanted=wanted,
        )

    def _any_word(self, texts: list[exp.Expression], condition: exp.Expression) -> exp.Expression:
        return _fill(self.ANY_WORD, self.dialect, words=self._words(texts), condition=condition)

    def full_text(self, ctx: PrintContext, texts: list[exp.Expression], query: str) -> exp.Expression:
        terms = words(query)
        if not terms:
            return exp.true()
        if not texts:
            return exp.false()
        return self._has_all_words(ctx, texts, terms)

    def like(self, ctx: PrintContext, texts: list[exp.Expression], query: str) -> exp.Expression:
        prefixes = [words(t)[-1] for t in query.split() if t.endswith("*") and words(t)]
        exact = [w for t in query.split() if not t.endswith("*") for w in words(t)]
        conditions = [self._has_all_words(ctx, texts, exact)] if exact else []
        for prefix in prefixes:
            condition = _fill(self.PREFIX, self.dialect, term=self._text_param(ctx, prefix))
            conditions.append(self._any_word(texts, condition))
        return _all(conditions)

    def search(self, ctx: PrintContext, texts: list[exp.Expression], query: str) -> exp.Expression:
        terms = words(query)
        conditions = []
        for index, term in enumerate(terms):
            param = self._text_param(ctx, term)
            condition = _fill(
                self.FUZZY,
                self.dialect,
                term=param,
                distance=exp.Literal.number(fuzziness(term)),
                normalised_w=self._normalise(exp.column("w")),
                normalised_term=self._normalise(param.copy()),
            )
            if index == len(terms) - 1:
                condition = exp.or_(condition, _fill(self.PREFIX, self.dialect, term=param.copy()), copy=False)
            conditions.append(self._any_word(texts, condition))
        return _all(conditions)

    def suggest(self, ctx: PrintContext, texts: list[exp.Expression], query: str) -> exp.Expression:
        conditions = [
            self._any_word(texts, _fill(self.PREFIX, self.dialect, term=self._text_param(ctx, term)))
            for term in words(query)
        ]
        return _all(conditions)

    def startswith(self, ctx: PrintContext, texts: list[exp.Expression], query: str) -> exp.Expression:
        return _any([exp.StartsWith(this=text, expression=self._text_param(ctx, query)) for text in texts])


class PostgresWordSearch(FoldedWordSearch):
    """PostgreSQL without extensions: same word model, accents folded with translate(),
    plural folding but no stemming."""

    dialect = "postgres"
    _ACCENTED = "àâäáãåéèêëíìîïóòôöõúùûüýÿçñ"
    _PLAIN = "aaaaaaeeeeiiiiooooouuuuyycn"
    WORDS = f"regexp_split_to_array(translate(lower(:text), '{_ACCENTED}', '{_PLAIN}'), '[^[:alnum:]]+')"
    NORMALISE = r"regexp_replace(:word, '(.{3,})[sx]$', '\1')"
    HAS_ALL = "ARRAY(SELECT :normalised FROM unnest(:words) AS words(w)) @> :wanted"
    ANY_WORD = "EXISTS(SELECT 1 FROM unnest(:words) AS words(w) WHERE :condition)"
    FUZZY = "levenshtein_less_equal(w, :term, :distance) <= :distance OR :normalised_w = :normalised_term"
    PREFIX = "starts_with(w, :term)"

    def _has_all_words(self, ctx: PrintContext, texts: list[exp.Expression], terms: list[str]) -> exp.Expression:
        wanted = exp.Array(expressions=[self._normalise(self._text_param(ctx, term)) for term in terms])
        return _fill(
            self.HAS_ALL,
            self.dialect,
            words=self._words(texts),
            normalised=self._normalise(exp.column("w")),
            wanted=exp.cast(wanted, exp.DataType.build("text[]", dialect="postgres")),
        )


def default_search(dialect: str) -> SearchStrategy:
    return PostgresWordSearch() if dialect == "postgres" else FoldedWordSearch()
