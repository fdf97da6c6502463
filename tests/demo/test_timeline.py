"""Calendar facts the demo series depend on: Easter and French public holidays."""

from __future__ import annotations

import datetime as dt

from datapolis.demo.timeline import easter_sunday, public_holidays


def test_easter_matches_known_dates() -> None:
    assert easter_sunday(2019) == dt.date(2019, 4, 21)
    assert easter_sunday(2024) == dt.date(2024, 3, 31)
    assert easter_sunday(2025) == dt.date(2025, 4, 20)
    assert easter_sunday(2026) == dt.date(2026, 4, 5)


def test_public_holidays_of_2025() -> None:
    holidays = public_holidays(2025)
    assert len(holidays) == 11
    assert {dt.date(2025, 4, 21), dt.date(2025, 5, 29), dt.date(2025, 6, 9), dt.date(2025, 7, 14)} <= holidays
