"""API keys: made, recognised and checked. Only a SHA-256 digest of a key is stored.

Keys are 256 random bits, so a fast unsalted digest is enough to make a stolen database
useless for calling the API, and lets a request's key be found with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.utils import timezone

KEY_PREFIX = "dpk_"
PREFIX_LENGTH = 12  # "dpk_" and 8 characters: enough to tell keys apart, useless to guess one
LAST_USED_RESOLUTION = timedelta(minutes=5)


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_from_request(request) -> str | None:
    """The key a request sends: `Authorization: Apikey KEY` (any case) or `?apikey=KEY`."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "apikey" and value.strip():
        return value.strip()
    return request.GET.get("apikey") or None


def authenticate_key(key: str):
    """The usable ApiKey for `key` (not revoked, not expired, active user), or None."""
    from datapolis.access.models import ApiKey

    api_key = ApiKey.objects.select_related("user").filter(digest=digest(key)).first()
    if api_key is None or not hmac.compare_digest(api_key.digest, digest(key)):
        return None
    if not api_key.is_usable() or not api_key.user.is_active:
        return None
    _note_use(api_key)
    return api_key


def _note_use(api_key) -> None:
    """Record the last use, at most once every few minutes so reads don't all write."""
    from datapolis.access.models import ApiKey

    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
