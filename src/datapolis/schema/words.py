"""What a word of a text is, for full-text search.

Text is folded (lower case, accents stripped) and split on anything but letters and
digits; a word's normalised form is its Snowball French stem without a final plural s/x,
so "velo" finds "Vélos" and "velos" finds "vélo". The query side (`odsql.search`) and the
word index of the serving copies (`engine.search_index`) both read these definitions, so
an indexed search finds exactly what a scan finds.
"""

from __future__ import annotations

import re
import unicodedata

# DuckDB SQL of the words of a text (`:text`) and of a word's normalised form (`:word`).
WORDS_SQL = r"regexp_split_to_array(strip_accents(lower(:text)), '[^\p{L}\p{N}]+')"
# Snowball French keeps "velos" (an s after o stays): drop a plural s/x after stemming.
NORMALISE_SQL = r"regexp_replace(stem(:word, 'french'), '(.{3,})[sx]$', '\1')"

_NON_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lower case without accents, as the SQL side folds stored text."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The words of a text, folded."""
    return [w for w in _NON_WORD.split(fold(text)) if w]
