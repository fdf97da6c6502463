"""A portal's colours as a style sheet, /theme.css.

The pages' Content-Security-Policy allows style sheets from this site's files only (no
<style> element, docs/portal.md): a portal whose colours are not portal.css's defaults gets
them from this small style sheet, linked by base.html and embed.html with the colours in
its URL, so that it is cached for good and changes with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

DEFAULT_PRIMARY = "#1d4e89"  # portal.css's --primary
DEFAULT_SECONDARY = "#f2a900"  # portal.css's --secondary
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def contrast_text(color: str) -> str:
    """Black or white, whichever reads better on `color` (#rrggbb), by WCAG relative luminance."""
    try:
        red, green, blue = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    except (TypeError, ValueError):
        return "#ffffff"

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return "#000000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


@dataclass(frozen=True)
class Colors:
    primary: str
    secondary: str

    @classmethod
    def of(cls, portal) -> Colors:
        """The portal's colours; a missing or malformed one (the model validates them) is the default."""
        primary = getattr(portal, "primary_color", "") or ""
        secondary = getattr(portal, "secondary_color", "") or ""
        return cls(
            primary.lower() if COLOR.match(primary) else DEFAULT_PRIMARY,
            secondary.lower() if COLOR.match(secondary) else DEFAULT_SECONDARY,
        )

    @property
    def version(self) -> str:
        return f"{self.primary[1:]}-{self.secondary[1:]}"

    @property
    def is_default(self) -> bool:
        return (self.primary, self.secondary) == (DEFAULT_PRIMARY, DEFAULT_SECONDARY)

    def css(self) -> str:
        return (
            f":root {{ --primary: {self.primary}; --on-primary: {contrast_text(self.primary)}; "
            f"--secondary: {self.secondary}; }}\n"
        )


def stylesheet_url(request: HttpRequest | None) -> str:
    """The URL of the request's portal's colours; "" when they are portal.css's own."""
    colors = Colors.of(getattr(request, "portal", None))
    if colors.is_default:
        return ""
    return f"{reverse('portal:theme')}?v={colors.version}"


@require_GET
def theme_css(request: HttpRequest) -> HttpResponse:
    colors = Colors.of(getattr(request, "portal", None))
    response = HttpResponse(colors.css(), content_type="text/css; charset=utf-8")
    # The pages link it with the colours in the URL: that URL's answer never changes.
    if request.GET.get("v") == colors.version:
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "no-cache"
    return response
