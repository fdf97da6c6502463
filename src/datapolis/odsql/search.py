"""How full-text predicates are printed: a pluggable strategy.

The default strategies work on any relation, without an index: they fold text (lower
case, accents stripped), split it into words and compare words as `datapolis.schema.words`
defines them — French-aware in DuckDB (Snowball stemmer, then a final plural `s`/`x`
dropped), so "velo" finds "Vélos" and "velos" finds "vélo". A relation with a word index
(`Relation.index`) is searched through it (`IndexedWordSearch`), with the same matches.

Search text from the request only ever reaches SQL as bound parameters; the SQL templates
here are constants.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Protocol

import sqlglot
from sqlglot import exp

from datapolis.schema.relation import Relation, SearchIndex
from datapolis.schema.words import NORMALISE_SQL, WORDS_SQL, words


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


# Marks a condition that holds exactly for the rows whose `rowid` a query returns (in its meta).
ROW_IDS = "datapolis_row_ids"


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
    WORDS = WORDS_SQL
    NORMALISE = NORMALISE_SQL
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

    def _word_array(self, words: exp.Array) -> exp.Expression:
        """An array of query words, typed as the dialect needs it."""
        return words

    def _has_all_words(self, ctx: PrintContext, texts: list[exp.Expression], terms: list[str]) -> exp.Expression:
        wanted = exp.Array(expressions=[self._normalise(self._text_param(ctx, term)) for term in terms])
        return _fill(
            self.HAS_ALL,
            self.dialect,
            words=self._words(texts),
            normalised=self._normalise(exp.column("w")),
            wanted=self._word_array(wanted),
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


class IndexedWordSearch(FoldedWordSearch):
    """DuckDB on a relation with a word index: the same matches as FoldedWordSearch, found
    by looking words up in the index instead of splitting every row's text.

    A text the index does not cover (an expression, a technical column) falls back to the
    scan for that text only, ORed with the indexed ones per word, so results never differ.
    """

    ROW = "rowid"
    NORM = "norm = :normalised_term"
    PREFIX_WORD = "starts_with(word, :term)"

    def __init__(self, index: SearchIndex) -> None:
        self.index = index

    def _column_number(self, text: exp.Expression) -> int | None:
        if isinstance(text, exp.Anonymous) and str(text.this).lower() == "array_to_string" and text.expressions:
            text = text.expressions[0]
        if isinstance(text, exp.Column) and not text.table:
            return self.index.columns.get(text.name)
        return None

    def _split(self, texts: list[exp.Expression]) -> tuple[list[int], list[exp.Expression]]:
        numbers: list[int] = []
        others: list[exp.Expression] = []
        for text in texts:
            number = self._column_number(text)
            if number is None:
                others.append(text)
            elif number not in numbers:
                numbers.append(number)
        return numbers, others

    def _table(self, name: str) -> exp.Table:
        return exp.table_(name, db=self.index.database, quoted=True)

    def _rows(self, numbers: list[int], word_condition: exp.Expression) -> exp.Expression:
        """`rowid IN (rows where one of the columns holds a word meeting the condition)`.

        The row ids are gathered in a list and unnested: the planner then expects few of
        them and hashes them, probing the relation's scan (with a bloom filter pushed into
        it). Without the list it expects as many as the postings table holds and hashes the
        whole relation instead, ten times slower on 1M rows.
        """
        words = exp.select("word_id").from_(self._table(self.index.words), copy=False).where(word_condition)
        postings = exp.select("row_id").from_(self._table(self.index.postings), copy=False)
        postings = postings.where(exp.In(this=exp.column("word_id"), query=words.subquery()), copy=False)
        if len(numbers) < len(set(self.index.columns.values())):
            postings = postings.where(
                exp.In(this=exp.column("col"), expressions=[exp.Literal.number(n) for n in sorted(numbers)]),
                copy=False,
            )
        listed = exp.Anonymous(this="list", expressions=[exp.column("row_id")])
        rows = postings.copy().select(exp.Anonymous(this="unnest", expressions=[listed]), append=False, copy=False)
        condition = exp.In(this=exp.column(self.ROW), query=rows.subquery())
        condition.meta[ROW_IDS] = postings  # the matching row ids alone: a count needs only these
        return condition

    def _matching(
        self,
        texts: list[exp.Expression],
        word_condition: Callable[[], exp.Expression],
        scanned: Callable[[list[exp.Expression]], exp.Expression],
    ) -> exp.Expression:
        """Rows where one of the texts has a word meeting a condition: index, then scan for the rest."""
        numbers, others = self._split(texts)
        conditions = []
        if numbers:
            conditions.append(self._rows(numbers, word_condition()))
        if others:
            conditions.append(scanned(others))
        return _any(conditions)

    def _normalised_param(self, ctx: PrintContext, term: str) -> exp.Expression:
        return self._normalise(self._text_param(ctx, term))

    def _with_word(self, ctx: PrintContext, texts: list[exp.Expression], term: str) -> exp.Expression:
        """Rows where one of the texts has a word of the same normalised form as `term`."""
        return self._matching(
            texts,
            lambda: _fill(self.NORM, self.dialect, normalised_term=self._normalised_param(ctx, term)),
            lambda others: FoldedWordSearch._has_all_words(self, ctx, others, [term]),
        )

    def _with_prefix(self, ctx: PrintContext, texts: list[exp.Expression], prefix: str) -> exp.Expression:
        return self._matching(
            texts,
            lambda: _fill(self.PREFIX_WORD, self.dialect, term=self._text_param(ctx, prefix)),
            lambda others: self._any_word(others, _fill(self.PREFIX, self.dialect, term=self._text_param(ctx, prefix))),
        )

    def _has_all_words(self, ctx: PrintContext, texts: list[exp.Expression], terms: list[str]) -> exp.Expression:
        return _all([self._with_word(ctx, texts, term) for term in terms])

    def search(self, ctx: PrintContext, texts: list[exp.Expression], query: str) -> exp.Expression:
        terms = words(query)
        conditions = []
        for index, term in enumerate(terms):
            last = index == len(terms) - 1
            conditions.append(
                self._matching(
                    texts,
                    lambda term=term, last=last: self._fuzzy(ctx, term, last, exp.column("word"), exp.column("norm")),
                    lambda others, term=term, last=last: self._any_word(
                        others, self._fuzzy(ctx, term, last, exp.column("w"), self._normalise(exp.column("w")))
                    ),
                )
            )
        return _all(conditions)

    def _fuzzy(
        self, ctx: PrintContext, term: str, last: bool, word: exp.Expression, normalised: exp.Expression
    ) -> exp.Expression:
        """search()'s test of one word (§3.3): close enough, same stem, or (last term) a prefix."""
        param = self._text_param(ctx, term)
        condition = exp.or_(
            exp.LTE(
                this=exp.Anonymous(this="levenshtein", expressions=[word, param]),
                expression=exp.Literal.number(fuzziness(term)),
            ),
            exp.EQ(this=normalised, expression=self._normalise(param.copy())),
            copy=False,
        )
        if last:
            prefix = exp.Anonymous(this="starts_with", expressions=[word.copy(), param.copy()])
            condition = exp.or_(condition, prefix, copy=False)
        return condition

    def suggest(self, ctx: PrintContext, texts: list[exp.Expression], query: str) -> exp.Expression:
        return _all([self._with_prefix(ctx, texts, term) for term in words(query)])

    def like(self, ctx: PrintContext, texts: list[exp.Expression], query: str) -> exp.Expression:
        prefixes = [words(t)[-1] for t in query.split() if t.endswith("*") and words(t)]
        exact = [w for t in query.split() if not t.endswith("*") for w in words(t)]
        conditions = [self._with_word(ctx, texts, term) for term in exact]
        conditions += [self._with_prefix(ctx, texts, prefix) for prefix in prefixes]
        return _all(conditions)


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

    def _word_array(self, words: exp.Array) -> exp.Expression:
        return exp.cast(words, exp.DataType.build("text[]", dialect="postgres"))


def search_strategy(relation: Relation) -> SearchStrategy | None:
    """The strategy reading a relation's word index; None without one (the dialect's default)."""
    return None if relation.index is None else IndexedWordSearch(relation.index)
