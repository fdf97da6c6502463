"""Tags of the site's frame (header and footer): the back-office link, the colours, the accessibility status."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import pgettext

register = template.Library()

# The RGAA status the law asks every page to show (décret 2019-768): DATAPOLIS_ACCESSIBILITY_STATUS
# (datapolis.settings), "non compliant" until an audit measures the rate of criteria met.
ACCESSIBILITY_STATUSES = {
    "non_compliant": lambda: pgettext("RGAA compliance status", "non compliant"),
    "partially_compliant": lambda: pgettext("RGAA compliance status", "partially compliant"),
    "fully_compliant": lambda: pgettext("RGAA compliance status", "fully compliant"),
}


@register.simple_tag(takes_context=True)
def may_use_backoffice(context: template.Context) -> bool:
    """True for a signed-in agent who may publish (the access policy's rule)."""
    request: HttpRequest | None = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    from datapolis.access.policy import may_use_backoffice as allowed
    from datapolis.access.policy import session_principal

    principal = getattr(request, "_datapolis_principal", None)  # the page's own, when it has read one
    if principal is None or principal.api_key_id is not None or principal.user_id != request.user.pk:
        principal = session_principal(request)
    return allowed(principal)


@register.simple_tag(takes_context=True)
def theme_stylesheet(context: template.Context) -> str:
    """The URL of the portal's colours as a style sheet, "" when they are portal.css's (no <style>: CSP)."""
    from datapolis.frontoffice.theme import stylesheet_url

    return stylesheet_url(context.get("request"))


@register.simple_tag
def accessibility_status() -> str:
    status = settings.DATAPOLIS_ACCESSIBILITY_STATUS
    return ACCESSIBILITY_STATUSES.get(status, ACCESSIBILITY_STATUSES["non_compliant"])()
