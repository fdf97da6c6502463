"""Hourly and daily calendars of the demo year in Europe/Paris time, and the weather over them.

Measurements are taken every UTC hour, so local time skips 02:00 on the last Sunday of
March and shows 02:00 twice (+02:00 then +01:00) on the last Sunday of October.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import numpy as np
import pytz

from datapolis.demo.randomness import numpy_rng

DATA_YEAR = 2025
PARIS = pytz.timezone("Europe/Paris")


@dataclass(frozen=True)
class HourlyTimeline:
    labels: list[str]  # ISO 8601 local time with its UTC offset
    local_hour: np.ndarray
    weekday: np.ndarray  # 0 = Monday
    day_index: np.ndarray  # day of the year, 0-based, local calendar
    day_off: np.ndarray  # Sunday or public holiday
    school_holiday: np.ndarray


@cache
def hourly_timeline(year: int = DATA_YEAR) -> HourlyTimeline:
    first = PARIS.localize(dt.datetime(year, 1, 1)).astimezone(pytz.utc)
    last = PARIS.localize(dt.datetime(year + 1, 1, 1)).astimezone(pytz.utc)
    hours = int((last - first).total_seconds() // 3600)
    local = [(first + dt.timedelta(hours=hour)).astimezone(PARIS) for hour in range(hours)]
    holidays = public_holidays(year)
    school = school_holidays(year)
    return HourlyTimeline(
        labels=[moment.isoformat() for moment in local],
        local_hour=np.array([moment.hour for moment in local]),
        weekday=np.array([moment.weekday() for moment in local]),
        day_index=np.array([moment.timetuple().tm_yday - 1 for moment in local]),
        day_off=np.array([moment.weekday() == 6 or moment.date() in holidays for moment in local]),
        school_holiday=np.array([moment.date() in school for moment in local]),
    )


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def public_holidays(year: int) -> set[dt.date]:
    easter = easter_sunday(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [easter + dt.timedelta(days=offset) for offset in (1, 39, 50)]
    return {dt.date(year, month, day) for month, day in fixed} | set(movable)


def school_holidays(year: int) -> set[dt.date]:
    """Approximate school holidays of zone B: two weeks in February and April, summer, autumn, Christmas."""
    periods = [((1, 1), (1, 5)), ((2, 8), (2, 23)), ((4, 5), (4, 21)), ((7, 5), (8, 31)), ((10, 18), (11, 2))]
    periods.append(((12, 20), (12, 31)))
    days: set[dt.date] = set()
    for (start_month, start_day), (end_month, end_day) in periods:
        day = dt.date(year, start_month, start_day)
        while day <= dt.date(year, end_month, end_day):
            days.add(day)
            day += dt.timedelta(days=1)
    return days


@dataclass(frozen=True)
class DailyWeather:
    first_day: dt.date
    temperature: np.ndarray  # daily mean, °C
    rain_mm: np.ndarray  # daily total

    def month_means(self) -> dict[tuple[int, int], float]:
        months: dict[tuple[int, int], list[float]] = {}
        for offset, temperature in enumerate(self.temperature):
            day = self.first_day + dt.timedelta(days=offset)
            months.setdefault((day.year, day.month), []).append(float(temperature))
        return {month: sum(values) / len(values) for month, values in months.items()}

    def for_year(self, year: int) -> DailyWeather:
        start = (dt.date(year, 1, 1) - self.first_day).days
        end = (dt.date(year + 1, 1, 1) - self.first_day).days
        return DailyWeather(dt.date(year, 1, 1), self.temperature[start:end], self.rain_mm[start:end])


@cache
def daily_weather(seed: int, first_year: int = DATA_YEAR - 1, last_year: int = DATA_YEAR) -> DailyWeather:
    """An oceanic climate: mild seasonal temperatures with persistent anomalies, rain in spells."""
    rng = numpy_rng(seed, "weather")
    first_day = dt.date(first_year, 1, 1)
    days = (dt.date(last_year + 1, 1, 1) - first_day).days
    day_of_year = np.array([(first_day + dt.timedelta(days=d)).timetuple().tm_yday for d in range(days)])
    seasonal = 12.5 - 7.5 * np.cos(2 * np.pi * (day_of_year - 20) / 365.25)
    anomaly = autoregressive(rng, days, persistence=0.8, spread=2.6)
    wet_season = 0.5 + 0.5 * np.cos(2 * np.pi * (day_of_year - 330) / 365.25)  # wetter in late autumn
    rain = np.zeros(days)
    wet = False
    for day in range(days):
        chance = (0.55 if wet else 0.18) + 0.12 * wet_season[day]
        wet = bool(rng.random() < chance)
        if wet:
            rain[day] = round(float(rng.exponential(4.5)), 1)
    return DailyWeather(first_day, np.round(seasonal + anomaly, 1), rain)


def autoregressive(rng: np.random.Generator, length: int, persistence: float, spread: float) -> np.ndarray:
    """An AR(1) series with the given lag-1 correlation and stationary standard deviation."""
    shocks = rng.normal(0, spread * np.sqrt(1 - persistence**2), length)
    series = np.empty(length)
    value = rng.normal(0, spread)
    for index in range(length):
        value = persistence * value + shocks[index]
        series[index] = value
    return series
