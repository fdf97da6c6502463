"""Template helpers of the pages: colours, numbers, query strings."""

from __future__ import annotations

from django import template
from django.utils.formats import get_format, number_format
from django.utils.translation import get_language, gettext, to_locale
from django.utils.translation import gettext_lazy as _

from datapolis.catalog.field_types import type_label
from datapolis.frontoffice.theme import contrast_text

register = template.Library()
register.filter(contrast_text)  # the portal's colours (theme.py) and the templates share it


@register.filter
def number(value) -> str:
    """A number with the language's grouping and decimal separators."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        return number_format(value, decimal_pos=None, use_l10n=True, force_grouping=True)
    try:
        return number_format(int(value), use_l10n=True, force_grouping=True)
    except (TypeError, ValueError):
        return str(value)


@register.filter
def field_type(name: str) -> str:
    """A field type in words, in the page's language, with its Explore API name: "whole number (int)"."""
    return type_label(name)


@register.simple_tag
def chart_locale() -> dict:
    """The page language's number and date formats, as d3 locale definitions for Vega's axes and tooltips."""
    from babel import Locale, dates

    locale = Locale.parse(to_locale(get_language() or "en"))

    def names(mapping, first: int = 0) -> list[str]:
        keys = sorted(mapping)
        return [str(mapping[key]) for key in keys[first:] + keys[:first]]

    periods = locale.day_periods["format"]["abbreviated"]
    sunday = 6  # d3 starts the week on Sunday; CLDR day names start on Monday (0)
    return {
        "number": {
            "decimal": get_format("DECIMAL_SEPARATOR"),
            "thousands": get_format("THOUSAND_SEPARATOR"),
            "grouping": [get_format("NUMBER_GROUPING") or 3],
        },
        "time": {
            "dateTime": get_format("DATETIME_INPUT_FORMATS")[0],
            "date": get_format("DATE_INPUT_FORMATS")[0],
            "time": get_format("TIME_INPUT_FORMATS")[0],
            "periods": [str(periods["am"]), str(periods["pm"])],
            "days": names(dates.get_day_names("wide", locale=locale), sunday),
            "shortDays": names(dates.get_day_names("abbreviated", locale=locale), sunday),
            "months": names(dates.get_month_names("wide", locale=locale)),
            "shortMonths": names(dates.get_month_names("abbreviated", locale=locale)),
        },
    }


@register.simple_tag
def page_query(state, **changes) -> str:
    """The page state's query string with some parameters changed."""
    return state.querystring(**changes)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def catalog_without(state, value: str) -> str:
    return state.params(refine=[item for item in state.refine if item != value], page=1)


@register.filter
def catalog_page(state, step: int) -> str:
    return state.params(page=state.page + int(step))


@register.filter
def active_filters(state, labels):
    return state.active_filters(labels)


@register.filter
def plain_text(html: str) -> str:
    """Publisher descriptions may be HTML: their text, paragraphs kept as blank lines."""
    import re

    from django.utils.html import strip_tags

    text = re.sub(r"(?i)</p>|<br\s*/?>|</li>", "\n", html or "")
    return re.sub(r"\n{3,}", "\n\n", strip_tags(text)).strip()


# -- values in the page's language -------------------------------------------------------

LICENSE_NAMES = {
    "etalab-2.0": _("Licence Ouverte / Open Licence 2.0 (Etalab)"),
    "lov2": _("Licence Ouverte / Open Licence 2.0 (Etalab)"),
    "odbl-1.0": _("Open Database License (ODbL) 1.0"),
    "odbl": _("Open Database License (ODbL) 1.0"),
    "cc-by-4.0": _("Creative Commons Attribution 4.0 (CC BY 4.0)"),
    "cc0-1.0": _("Creative Commons Zero 1.0 (CC0, public domain)"),
}
CATALOG_FACET_LABELS = {
    "theme": _("Theme"),
    "keyword": _("Keyword"),
    "publisher": _("Publisher"),
    "license": _("Licence"),
    "schema": _("Data schema"),
    "features": _("Features"),
}
FEATURE_NAMES = {
    "geo": _("Geographic"),
    "timeserie": _("Time series"),
    "analyze": _("Filterable data (table, chart)"),
}


@register.filter
def license_name(license_id: str) -> str:
    """A licence's name in the page's language (`odbl-1.0` → "Open Database License (ODbL) 1.0")."""
    return str(LICENSE_NAMES.get((license_id or "").lower(), license_id or ""))


@register.filter
def catalog_value(value: str, facet: str) -> str:
    """A catalog facet value as people read it: licence names, features in words."""
    if facet == "license":
        return license_name(value)
    if facet == "features":
        return str(FEATURE_NAMES.get(value, value))
    return value


@register.filter
def catalog_chip(refine: str) -> str:
    """An active catalog filter (`theme:Transports`) as "Theme: Transports", in the page's language."""
    name, _sep, value = refine.partition(":")
    label = CATALOG_FACET_LABELS.get(name, name)
    return gettext("%(field)s: %(value)s") % {"field": label, "value": catalog_value(value, name)}


@register.filter
def local_value(value, kind: str) -> str:
    """A date (04/12/2026) or a datetime (4 déc. 2026 à 15:30) in the page's language; other values as text."""
    return format_temporal(value, kind)


def format_temporal(value, kind: str) -> str:
    """Dates with the language's short date format; datetimes as "4 déc. 2026 à 15:30" (Paris time)."""
    import datetime as dt

    from babel import dates
    from django.utils import formats, timezone

    if value is None or value == "":
        return ""
    try:
        if kind == "date":
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
            return formats.date_format(day, "SHORT_DATE_FORMAT")
        if kind == "datetime":
            moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            locale = to_locale(get_language() or "fr")
            day = dates.format_date(moment.date(), "medium", locale=locale)
            time = dates.format_time(moment.time(), "short", locale=locale)
            return gettext("%(date)s at %(time)s") % {"date": day, "time": time}
    except (TypeError, ValueError):
        pass
    return str(value)
