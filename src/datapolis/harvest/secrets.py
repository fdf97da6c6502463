"""Credentials of harvest sources (API keys), encrypted at rest with a key derived from the instance's secret.

Fernet (AES-CBC + HMAC, from `cryptography`): a database dump holds no usable key;
changing DATAPOLIS_SECRET_KEY makes the stored keys unreadable (they must be entered again).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    digest = hashlib.sha256(f"datapolis.harvest:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode() if secret else ""


def decrypt(token: str) -> str:
    """The secret; "" when none is stored, ValueError when the instance's secret key changed since."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError("the stored API key cannot be decrypted: the instance's secret key changed") from error
