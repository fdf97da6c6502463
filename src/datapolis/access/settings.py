"""Django settings of the access app, read from the environment (merged by datapolis.settings).

| variable | default | meaning |
| --- | --- | --- |
| `DATAPOLIS_RATE_LIMIT_ANONYMOUS` | `600/minute,50000/day` | calls per IP without credentials |
| `DATAPOLIS_RATE_LIMIT_AUTHENTICATED` | `1200/minute,200000/day` | calls per API key (or per signed-in user) |
| `DATAPOLIS_PROXY_COUNT` | `0` | reverse proxies in front of the instance (for client addresses) |
| `DATAPOLIS_LOCKOUT_FAILURES` | `5` | failed sign-ins (same user name, same address) before a lock-out |
| `DATAPOLIS_LOCKOUT_MINUTES` | `15` | how long a lock-out lasts |
| `DATAPOLIS_EMAIL_URL` | console | `smtp://user:password@host:587` to send e-mail; else printed on the console |
| `DATAPOLIS_DEFAULT_FROM_EMAIL` | `datapolis@localhost` | sender of password reset e-mails |
| `DATAPOLIS_OIDC_ISSUER` | none | OpenID Connect provider; its endpoints are discovered |
| `DATAPOLIS_OIDC_CLIENT_ID`, `DATAPOLIS_OIDC_CLIENT_SECRET` | none | this instance's client at the provider |
| `DATAPOLIS_OIDC_GROUPS_CLAIM` | `groups` | the claim whose values are the user's groups |
| `DATAPOLIS_OIDC_SCOPES` | `openid email profile` | scopes requested (add the one that releases the groups claim) |
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any
from urllib.parse import unquote, urlsplit


def access_settings(config, environ: dict[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if environ is None else environ
    settings: dict[str, Any] = {
        "AUTHENTICATION_BACKENDS": [
            "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out sign-ins
            "django.contrib.auth.backends.ModelBackend",
            "datapolis.access.oidc.OidcBackend",
        ],
        "LOGIN_URL": "access:login",
        "LOGIN_REDIRECT_URL": "/",
        "LOGOUT_REDIRECT_URL": "/",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
        "CACHES": _caches(config),
        "DATAPOLIS_RATE_LIMITS": {
            "anonymous": env.get("DATAPOLIS_RATE_LIMIT_ANONYMOUS", "600/minute,50000/day"),
            "authenticated": env.get("DATAPOLIS_RATE_LIMIT_AUTHENTICATED", "1200/minute,200000/day"),
        },
        "DATAPOLIS_PROXY_COUNT": int(env.get("DATAPOLIS_PROXY_COUNT", "0")),
        # django-axes: lock out a user name from one address after repeated failures.
        "AXES_FAILURE_LIMIT": int(env.get("DATAPOLIS_LOCKOUT_FAILURES", "5")),
        "AXES_COOLOFF_TIME": timedelta(minutes=int(env.get("DATAPOLIS_LOCKOUT_MINUTES", "15"))),
        "AXES_LOCKOUT_PARAMETERS": [["username", "ip_address"]],
        "AXES_RESET_ON_SUCCESS": True,
        "AXES_CLIENT_IP_CALLABLE": "datapolis.access.net.client_ip",
        "AXES_LOCKOUT_TEMPLATE": "access/locked_out.html",
        "AXES_VERBOSE": False,
        "DEFAULT_FROM_EMAIL": env.get("DATAPOLIS_DEFAULT_FROM_EMAIL", "datapolis@localhost"),
        # mozilla-django-oidc; endpoints come from the issuer's discovery document.
        "DATAPOLIS_OIDC_ISSUER": env.get("DATAPOLIS_OIDC_ISSUER", "").rstrip("/"),
        "DATAPOLIS_OIDC_GROUPS_CLAIM": env.get("DATAPOLIS_OIDC_GROUPS_CLAIM", "groups"),
        "OIDC_RP_CLIENT_ID": env.get("DATAPOLIS_OIDC_CLIENT_ID", ""),
        "OIDC_RP_CLIENT_SECRET": env.get("DATAPOLIS_OIDC_CLIENT_SECRET", ""),
        "OIDC_RP_SCOPES": env.get("DATAPOLIS_OIDC_SCOPES", "openid email profile"),
        "OIDC_RP_SIGN_ALGO": "RS256",
        "OIDC_USE_PKCE": True,
        "OIDC_STORE_ID_TOKEN": False,
        "OIDC_CREATE_USER": True,
    }
    settings.update(_email(env.get("DATAPOLIS_EMAIL_URL", "")))
    return settings


def _caches(config) -> dict[str, Any]:
    """Redis when the instance has one (shared by every process), else this process's memory."""
    if config.redis_url:
        backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": config.redis_url}
        return {"default": backend, "ratelimit": {**backend, "KEY_PREFIX": "ratelimit"}}
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"},
    }


def _email(url: str) -> dict[str, Any]:
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(url)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 587),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": parts.scheme == "smtp+tls" or (parts.scheme == "smtp" and parts.port == 587),
    }
