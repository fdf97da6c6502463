"""Credentials of the servers the instance fetches from (API keys, passwords), encrypted at rest.

Fernet (AES-CBC + HMAC, from `cryptography`) with a key derived from the instance's secret
and a purpose: a database dump holds no usable credential; changing the instance's secret
makes the stored ones unreadable (they must be entered again).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


def _fernet(instance_secret: str, purpose: str) -> Fernet:
    digest = hashlib.sha256(f"{purpose}:{instance_secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(secret: str, *, instance_secret: str, purpose: str) -> str:
    return _fernet(instance_secret, purpose).encrypt(secret.encode()).decode() if secret else ""


def decrypt(token: str, *, instance_secret: str, purpose: str) -> str:
    """The secret; "" when none is stored, ValueError when the instance's secret changed since."""
    if not token:
        return ""
    try:
        return _fernet(instance_secret, purpose).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError("a stored credential cannot be decrypted: the instance's secret key changed") from error
