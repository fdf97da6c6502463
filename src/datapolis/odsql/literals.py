"""Values written in queries: dates, geometries, distances, now(), timezones, refine values.

Everything here turns request text into Python values (never into SQL); the printer
writes those values as typed literals or bound parameters.
"""

from __future__ import annotations

import calendar
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import shapely
from shapely.geometry import shape as geojson_shape
from shapely.geometry.base import BaseGeometry

DISTANCE_UNITS_IN_METRES = {
    "mi": 1609.344,
    "yd": 0.9144,
    "ft": 0.3048,
    "m": 1.0,
    "cm": 0.01,
    "km": 1000.0,
    "mm": 0.001,
}

_DATE = re.compile(
    r"""^(?P<year>\d{4})
    (?:[-/](?P<month>\d{1,2})
      (?:[-/](?P<day>\d{1,2})
        (?:[T\s](?P<hour>\d{1,2})
          (?::(?P<minute>\d{2})
            (?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?
          )?
          \s*(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?
        )?
      )?
    )?$""",
    re.VERBOSE | re.IGNORECASE,
)


@dataclass(frozen=True)
class ParsedDate:
    """A date literal: a calendar date (`date'2017-04'`) or an instant (`date'2017-04-03T08:02'`).

    `precision` is the last component written (year, month, day, hour, minute, second),
    which is what date refines select: `2019/05` is the whole month.
    """

    value: date | datetime
    precision: str

    @property
    def is_instant(self) -> bool:
        return isinstance(self.value, datetime)

    def start(self, zone: ZoneInfo) -> datetime:
        """The first instant of the literal, in `zone` when the text had no offset."""
        if isinstance(self.value, datetime):
            return self.value
        return datetime.combine(self.value, time(), tzinfo=zone)

    def end(self, zone: ZoneInfo) -> datetime:
        """The first instant after the period the literal names (`2019/05` ends on 2019-06-01)."""
        start = self.start(zone).replace(tzinfo=None)
        if self.precision == "year":
            following = start.replace(year=start.year + 1)
        elif self.precision == "month":
            following = add_months(start, 1)
        else:
            step = {"day": timedelta(days=1), "hour": timedelta(hours=1), "minute": timedelta(minutes=1)}
            following = start + step.get(self.precision, timedelta(seconds=1))
        return following.replace(tzinfo=self.start(zone).tzinfo)


def parse_date(text: str, zone: ZoneInfo) -> ParsedDate:
    """Parse the ISO 8601 or YYYY/MM/DD forms ODSQL accepts; raise ValueError otherwise."""
    match = _DATE.match(text.strip())
    if not match:
        raise ValueError(f"invalid date {text!r}: expected an ISO 8601 date or YYYY/MM/DD")
    parts = match.groupdict()
    year, month, day = int(parts["year"]), int(parts["month"] or 1), int(parts["day"] or 1)
    calendar_date = date(year, month, day)  # raises ValueError on impossible dates
    if parts["hour"] is None:
        precision = "day" if parts["day"] else "month" if parts["month"] else "year"
        return ParsedDate(calendar_date, precision)
    fraction = (parts["fraction"] or "").ljust(6, "0")[:6]
    clock = time(int(parts["hour"]), int(parts["minute"] or 0), int(parts["second"] or 0), int(fraction or 0))
    zone_of_text = _offset(parts["offset"]) if parts["offset"] else zone
    precision = "second" if parts["second"] else "minute" if parts["minute"] else "hour"
    return ParsedDate(datetime.combine(calendar_date, clock, tzinfo=zone_of_text), precision)


def _offset(text: str):
    from datetime import timezone as fixed

    if text.upper() == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"invalid UTC offset {text!r}")
    return fixed(sign * timedelta(hours=hours, minutes=minutes))


def add_months(moment: datetime, months: int) -> datetime:
    """Add calendar months, clamping the day to the length of the target month."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise ValueError("date out of range")
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


# now() --------------------------------------------------------------------------

NOW_ABSOLUTE = {
    "year": (1, 9999),
    "month": (1, 12),
    "day": (1, 31),
    "hour": (0, 23),
    "minute": (0, 59),
    "second": (0, 59),
    "microsecond": (0, 999_999),
    "weekday": (0, 6),
}
NOW_RELATIVE = ("years", "months", "days", "hours", "minutes", "seconds", "microseconds")
WEEKDAY_NAMES = ("mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays")
NOW_PARAMETERS = frozenset(NOW_ABSOLUTE) | frozenset(NOW_RELATIVE) | frozenset(WEEKDAY_NAMES)


def shift_now(now: datetime, arguments: dict[str, int]) -> datetime:
    """Apply now()'s named arguments: singular names set a component, plural names add to it.

    Components are set first (day clamped to the month), then amounts added, then the
    weekday moves forward (`weekday=0`: today if Monday, else next Monday) or by `n`
    occurrences (`mondays=-1`: today if Monday, else the previous Monday).
    """
    moment = now
    for name in ("year", "month", "hour", "minute", "second", "microsecond"):
        if name in arguments:
            if name == "year" or name == "month":
                moment = _set_year_month(moment, **{name: arguments[name]})
            else:
                moment = moment.replace(**{name: arguments[name]})
    if "day" in arguments:
        moment = moment.replace(day=min(arguments["day"], calendar.monthrange(moment.year, moment.month)[1]))
    months = arguments.get("years", 0) * 12 + arguments.get("months", 0)
    if months:
        moment = add_months(moment, months)
    moment += timedelta(
        days=arguments.get("days", 0),
        hours=arguments.get("hours", 0),
        minutes=arguments.get("minutes", 0),
        seconds=arguments.get("seconds", 0),
        microseconds=arguments.get("microseconds", 0),
    )
    weekday_moves = [(WEEKDAY_NAMES.index(n), arguments[n]) for n in WEEKDAY_NAMES if n in arguments]
    if "weekday" in arguments:
        weekday_moves.append((arguments["weekday"], 1))
    for weekday, count in weekday_moves[-1:]:
        moment = _move_to_weekday(moment, weekday, count)
    return moment


def _set_year_month(moment: datetime, year: int | None = None, month: int | None = None) -> datetime:
    year = moment.year if year is None else year
    month = moment.month if month is None else month
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _move_to_weekday(moment: datetime, weekday: int, count: int) -> datetime:
    if count == 0:
        count = 1
    if count > 0:
        ahead = (weekday - moment.weekday()) % 7
        return moment + timedelta(days=ahead + 7 * (count - 1))
    behind = (moment.weekday() - weekday) % 7
    return moment - timedelta(days=behind + 7 * (-count - 1))


# Geometries ---------------------------------------------------------------------


def parse_geometry(text: str) -> BaseGeometry:
    """A geometry from WKT, hex WKB or GeoJSON (a geometry or a Feature), lon/lat order."""
    body = text.strip()
    try:
        if body.startswith("{"):
            document = json.loads(body)
            if isinstance(document, dict) and document.get("type") == "Feature":
                document = document.get("geometry")
            if not isinstance(document, dict):
                raise ValueError("not a GeoJSON geometry")
            geometry = geojson_shape(document)
        elif re.fullmatch(r"[0-9a-fA-F]+", body):
            geometry = shapely.from_wkb(bytes.fromhex(body))
        else:
            geometry = shapely.from_wkt(body)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, shapely.errors.ShapelyError) as error:
        raise ValueError(f"invalid geometry: {error}") from None
    if geometry is None or geometry.is_empty:
        raise ValueError("the geometry is empty")
    if not all(math.isfinite(value) for value in geometry.bounds):
        raise ValueError("the geometry has non-finite coordinates")
    return geometry


# Timezones ----------------------------------------------------------------------


@cache
def _timezone_names() -> dict[str, str]:
    names = {name.lower(): name for name in available_timezones()}
    names["utc"] = "UTC"
    return names


def resolve_timezone(name: str | None) -> tuple[str, ZoneInfo]:
    """The canonical IANA name and zone for a request's `timezone` (default UTC)."""
    if not name:
        return "UTC", ZoneInfo("UTC")
    canonical = _timezone_names().get(name.strip().lower())
    if canonical is None:
        raise ValueError(f"unknown timezone {name!r}")
    try:
        return canonical, ZoneInfo(canonical)
    except ZoneInfoNotFoundError:  # pragma: no cover - listed names always load
        raise ValueError(f"unknown timezone {name!r}") from None


# Refine / exclude ---------------------------------------------------------------


def parse_refine(text: str) -> tuple[str, str]:
    """Split a `refine`/`exclude` parameter, `field:value`, unquoting a quoted value."""
    name, separator, value = text.partition(":")
    if not separator or not name.strip():
        raise ValueError(f"expected FIELD:VALUE, got {text!r}")
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        from datapolis.odsql.parser import unescape

        value = unescape(value[1:-1])
    return name.strip(), value


def odsql_string(value: str) -> str:
    """The ODSQL string literal of `value`, exactly (backslash escapes, see odsql.parser).

    For the faces that write ODSQL for a user's words (a page's search box, an old link's
    `q`): the text becomes a literal, which the checker reads as one value.
    """
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def odsql_field(name: str) -> str:
    """The ODSQL reference of a field named `name` (backquoted)."""
    return "`" + name.replace("`", "") + "`"
