"""date_format() patterns: split into date components and literal text, names from CLDR.

Symbols (§3.4): yy yyyy YY YYYY xx xxxx w ww e E EEEE D DDD M MM MMMM d dd H HH m mm s ss.
Text between single quotes is literal, `''` is a quote, and separators (`? , . : / -`,
spaces and any other non-letter) are kept as they are. A run of one letter is read the
way Joda/CLDR patterns read it (`MMM` is the abbreviated month name, `EEE` the
abbreviated day name), so patterns copied from Opendatasoft apps keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from babel.dates import get_day_names, get_month_names

LANGUAGES = ("en", "fr", "nl", "pt", "it", "ar", "de", "es", "ca", "eu", "sv")
DEFAULT_LANGUAGE = "fr"


@dataclass(frozen=True)
class Component:
    """One date part: `unit` (year, isoyear, week, isodow, doy, month, day, hour, minute, second,
    month_name, day_name), `width` (digits for numbers: 0 = unpadded, 2 = last two digits or
    padded, 3 = padded to 3), or `style` (wide, abbreviated) for names."""

    unit: str
    width: int = 0
    style: str = ""


@dataclass(frozen=True)
class Text:
    value: str


Segment = Component | Text


def _component(letter: str, count: int) -> Component:
    if letter in "yY":
        return Component("year", 2 if count == 2 else 4)
    if letter == "x":
        return Component("isoyear", 2 if count == 2 else 4)
    if letter == "w":
        return Component("week", 2 if count >= 2 else 0)
    if letter == "e":
        return Component("isodow")
    if letter == "E":
        return Component("day_name", style="wide" if count >= 4 else "abbreviated")
    if letter == "D":
        return Component("doy", 3 if count >= 3 else 0)
    if letter == "M":
        if count >= 4:
            return Component("month_name", style="wide")
        if count == 3:
            return Component("month_name", style="abbreviated")
        return Component("month", 2 if count == 2 else 0)
    units = {"d": "day", "H": "hour", "m": "minute", "s": "second"}
    if letter in units:
        return Component(units[letter], 2 if count >= 2 else 0)
    raise ValueError(f"unsupported date_format symbol {letter * count!r}")


def parse_pattern(pattern: str) -> list[Segment]:
    """Split a date_format pattern; raise ValueError on an unknown letter or an open quote."""
    segments: list[Segment] = []
    text: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            if pattern.startswith("''", i):
                text.append("'")
                i += 2
                continue
            closing = i + 1
            while True:
                closing = pattern.find("'", closing)
                if closing == -1:
                    raise ValueError("unterminated quoted text in date_format pattern")
                if pattern.startswith("''", closing):
                    closing += 2
                    continue
                break
            text.append(pattern[i + 1 : closing].replace("''", "'"))
            i = closing + 1
        elif char.isascii() and char.isalpha():
            run = i
            while run < len(pattern) and pattern[run] == char:
                run += 1
            if text:
                segments.append(Text("".join(text)))
                text = []
            segments.append(_component(char, run - i))
            i = run
        else:
            text.append(char)
            i += 1
    if text:
        segments.append(Text("".join(text)))
    return segments


@cache
def month_names(language: str, style: str) -> tuple[str, ...]:
    """Names of months 1..12 (CLDR, formatting context)."""
    names = get_month_names(style, locale=language)
    return tuple(names[month] for month in range(1, 13))


@cache
def day_names(language: str, style: str) -> tuple[str, ...]:
    """Names of ISO days 1 (Monday) .. 7 (Sunday)."""
    names = get_day_names(style, locale=language)
    return tuple(names[day] for day in range(7))
