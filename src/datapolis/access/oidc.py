"""OpenID Connect single sign-on, on mozilla-django-oidc.

Only the issuer is configured (`DATAPOLIS_OIDC_ISSUER`); its endpoints come from its
discovery document. Accounts are matched by (issuer, subject), never by e-mail, so an
identity provider cannot sign someone into another person's local account. The groups
claim decides membership of the groups it names; groups it has named are marked as
single sign-on groups, and a user leaves them when the claim stops naming them.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.crypto import get_random_string
from django.views import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from datapolis.access.models import OidcIdentity, SsoGroup

logger = logging.getLogger(__name__)

DISCOVERY_TTL_SECONDS = 3600
ENDPOINT_SETTINGS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}

_discovered: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


def issuer() -> str:
    return import_from_settings("DATAPOLIS_OIDC_ISSUER", "")


def is_enabled() -> bool:
    return bool(issuer() and import_from_settings("OIDC_RP_CLIENT_ID", ""))


def discovery(issuer_url: str) -> dict[str, Any]:
    """The provider's metadata (/.well-known/openid-configuration), cached for an hour."""
    with _lock:
        cached = _discovered.get(issuer_url)
        if cached and time.monotonic() - cached[0] < DISCOVERY_TTL_SECONDS:
            return cached[1]
    response = requests.get(f"{issuer_url}/.well-known/openid-configuration", timeout=10)
    response.raise_for_status()
    metadata = response.json()
    if metadata.get("issuer", "").rstrip("/") != issuer_url:
        raise SuspiciousOperation("the OIDC discovery document names another issuer")
    with _lock:
        _discovered[issuer_url] = (time.monotonic(), metadata)
    return metadata


def oidc_setting(attr: str, *default: Any) -> Any:
    """A mozilla-django-oidc setting; provider endpoints default to the discovered ones."""
    if attr in ENDPOINT_SETTINGS:
        explicit = import_from_settings(attr, None)
        return explicit or discovery(issuer())[ENDPOINT_SETTINGS[attr]]
    return import_from_settings(attr, *default)


class OidcAuthenticationRequestView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider (endpoints discovered).

    Without single sign-on configured, it answers a page saying so (404) with a link to
    the sign-in page; with a provider that cannot be reached, the same page (503).
    """

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        # The parent resolves the provider's endpoints here, which fails (500) when there is
        # no provider; they are resolved in get(), where a failure can be answered.
        View.__init__(self, *args, **kwargs)

    def get(self, request):
        if not is_enabled():
            return sso_unavailable(request, configured=False)
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
            self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        except (requests.RequestException, ValueError, KeyError, SuspiciousOperation):
            logger.exception("single sign-on: the provider %s cannot be used", issuer())
            return sso_unavailable(request, configured=True)
        return super().get(request)


def sso_unavailable(request, *, configured: bool) -> HttpResponse:
    """The page shown instead of the provider: why, and where to sign in instead."""
    status = 503 if configured else 404
    return render(request, "access/sso_unavailable.html", {"configured": configured}, status=status)


class OidcBackend(OIDCAuthenticationBackend):
    """Signs in users coming back from the provider, creating their account the first time."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        # Endpoints are resolved on an OIDC callback only: a password sign-in must not
        # depend on the provider being reachable, or configured at all.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if request is None or not is_enabled() or "code" not in request.GET or "state" not in request.GET:
            return None
        super().__init__()
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        if payload and str(payload.get("iss", "")).rstrip("/") != issuer():
            raise SuspiciousOperation("the ID token comes from another issuer")
        return payload

    def verify_claims(self, claims) -> bool:
        return bool(claims.get("sub"))

    def describe_user_by_claims(self, claims) -> str:
        return f"subject {claims.get('sub')}"

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(
            oidc_identities__issuer=issuer(), oidc_identities__subject=str(claims["sub"])
        )

    def create_user(self, claims):
        with transaction.atomic():
            user = self.UserModel.objects.create_user(_free_username(claims), email=claims.get("email") or "")
            OidcIdentity.objects.create(user=user, issuer=issuer(), subject=str(claims["sub"]))
            return self.update_user(user, claims)

    def update_user(self, user, claims):
        user.email = claims.get("email") or user.email
        user.first_name = (claims.get("given_name") or user.first_name)[:150]
        user.last_name = (claims.get("family_name") or user.last_name)[:150]
        user.save(update_fields=["email", "first_name", "last_name"])
        sync_groups(user, claim_groups(claims))
        return user


def claim_groups(claims: dict[str, Any]) -> list[str]:
    value = claims.get(import_from_settings("DATAPOLIS_OIDC_GROUPS_CLAIM", "groups"), [])
    if isinstance(value, str):
        value = [value]
    return sorted({str(name).strip()[:150] for name in value if str(name).strip()})


@transaction.atomic
def sync_groups(user, names: list[str]) -> None:
    """Make the user's single sign-on groups exactly `names`; other groups are untouched."""
    wanted = []
    for name in names:
        group, _ = Group.objects.get_or_create(name=name)
        SsoGroup.objects.get_or_create(group=group)
        wanted.append(group)
    current = set(user.groups.filter(sso__isnull=False))
    user.groups.remove(*(current - set(wanted)))
    user.groups.add(*wanted)


def _free_username(claims: dict[str, Any]) -> str:
    base = claims.get("preferred_username") or (claims.get("email") or "").split("@")[0] or str(claims["sub"])
    base = str(base)[:140]
    model = get_user_model()
    candidate = base
    while model.objects.filter(username=candidate).exists():
        candidate = f"{base}-{get_random_string(6).lower()}"
    return candidate
