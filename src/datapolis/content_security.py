"""What some views change in the Content-Security-Policy of settings.CONTENT_SECURITY_POLICY.

django-csp's `CSPMiddleware` sends the policy with every response. The views that need
another one say so with django-csp's decorators (`datapolis.frontoffice.views`):

- the embeds (`/embed/...`) may be framed by any site: `EMBED_DIRECTIVES`, `frame-ancestors *`,
  beside `xframe_options_exempt`;
- the map pages allow the origin of the basemap style, when one is set: `basemap_directives`.

Every other page, the Django admin's and the API console's (Swagger UI, served by Django
Ninja: its settings are a JSON data block, its scripts are files) included, works under the
policy as it is. Why each source is there: docs/portal.md, "Content-Security-Policy".
"""

from __future__ import annotations

from urllib.parse import urlsplit

# The embeds: any site may frame them (that is what they are for).
EMBED_DIRECTIVES: dict[str, list[str]] = {"frame-ancestors": ["*"]}


def origin(url: str | None) -> str | None:
    """The origin (scheme://host[:port]) of an absolute http(s) URL; None for a path or anything else."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def basemap_directives(style_url: str | None) -> dict[str, list[str]]:
    """What a remote basemap style needs: its style, sprites, glyphs and tiles, fetched from its origin."""
    remote = origin(style_url)
    if remote is None:
        return {}
    return {"connect-src": [remote], "img-src": [remote], "font-src": [remote]}
