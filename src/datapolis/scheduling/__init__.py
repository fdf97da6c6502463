"""When something runs again: `every 30m / 6h / 1d / 2w` or a cron expression.

No Django. Harvest sources and dataset sources write their schedules the same way;
`Schedule.text` is what they store, `parse_schedule` what they read back.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from croniter import CroniterBadCronError, croniter

_EVERY = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
SHORTEST = dt.timedelta(minutes=1)


class ScheduleError(ValueError):
    """A schedule that cannot be read; the message says what is expected."""


@dataclass(frozen=True)
class Schedule:
    """Either a fixed interval (`every`) or a cron expression (`cron`), in UTC."""

    text: str
    every: dt.timedelta | None = None
    cron: str | None = None

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        """The first run strictly after `moment` (an aware datetime)."""
        if self.every is not None:
            return moment + self.every
        return croniter(self.cron, moment.astimezone(dt.UTC)).get_next(dt.datetime)

    @property
    def period(self) -> dt.timedelta:
        """The usual time between two runs (a cron's first two runs from now), for lateness."""
        if self.every is not None:
            return self.every
        runs = croniter(self.cron, dt.datetime.now(dt.UTC))
        first = runs.get_next(dt.datetime)
        return runs.get_next(dt.datetime) - first


def parse_every(text: str | None) -> dt.timedelta | None:
    """`30m`, `6h`, `1d`, `2w` as a duration; None for "" (by hand only)."""
    if not text:
        return None
    match = _EVERY.match(text.lower())
    if not match or int(match.group(1)) == 0:
        raise ScheduleError(f"{text!r}: write a number and a unit, m, h, d or w (e.g. 30m, 6h, 1d)")
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def parse_schedule(text: str | None) -> Schedule | None:
    """`6h` (every six hours) or `0 6 * * 1-5` (cron, UTC: 6:00 on weekdays); None for "" (by hand only)."""
    if not text or not text.strip():
        return None
    text = " ".join(text.split())
    if _EVERY.match(text.lower()):
        return Schedule(text=text.lower(), every=parse_every(text))
    if len(text.split()) != 5:
        raise ScheduleError(
            f"{text!r}: write an interval (30m, 6h, 1d, 2w) or a cron expression of five fields "
            "(minute hour day month weekday, e.g. '0 6 * * 1-5')"
        )
    try:
        croniter(text)
    except (CroniterBadCronError, ValueError, KeyError) as error:
        raise ScheduleError(f"{text!r} is not a valid cron expression: {error}") from error
    return Schedule(text=text, cron=text)
