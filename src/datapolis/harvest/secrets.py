"""API keys of harvest sources, encrypted at rest (`datapolis.fetching.credentials`)."""

from __future__ import annotations

from django.conf import settings

from datapolis.fetching import credentials

PURPOSE = "datapolis.harvest"


def encrypt(secret: str) -> str:
    return credentials.encrypt(secret, instance_secret=settings.SECRET_KEY, purpose=PURPOSE)


def decrypt(token: str) -> str:
    """The API key; "" when none is stored, ValueError when the instance's secret key changed since."""
    return credentials.decrypt(token, instance_secret=settings.SECRET_KEY, purpose=PURPOSE)
