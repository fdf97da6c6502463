"""Django settings: the one home of every setting and its default, read from the environment through datapolis.conf.

Nothing here reads `os.environ`: every variable is parsed in `datapolis.conf`. Apps read
these settings with `django.conf.settings` and define no defaults of their own.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from datapolis.conf import instance_secret, load_config

CONFIG = load_config()
BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = instance_secret(CONFIG)
DEBUG = CONFIG.debug
# Django accepts every Host header: the portal middleware answers 400 to a host that no
# portal claims and that DATAPOLIS_ALLOWED_HOSTS does not name (portals are created at run time).
ALLOWED_HOSTS = ["*"]
DATAPOLIS_ALLOWED_HOSTS = CONFIG.allowed_hosts

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "ninja",  # serves the API console's assets from its own package
    "corsheaders",
    "axes",
    "mozilla_django_oidc",
    "datapolis.portals",
    "datapolis.frontoffice",  # templates (base.html) and static files of the pages
    "datapolis.catalog",
    "datapolis.audit",  # the bottom of the apps: imports none of the others (docs/architecture.md)
    "datapolis.jobs",
    "datapolis.access",
    "datapolis.harvest",
    "datapolis.sources",
    "datapolis.backoffice",
]

MIDDLEWARE = [
    "datapolis.middleware.HeadAsGetMiddleware",  # first: HEAD runs as GET everywhere, the body dropped last
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every response (datapolis.content_security)
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "datapolis.middleware.ApiJsonErrorsMiddleware",  # errors under /api/ as JSON, before CORS adds its headers
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "datapolis.portals.middleware.PortalMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "datapolis.access.middleware.PrincipalMiddleware",
    "datapolis.catalog.middleware.QueryDeadlineMiddleware",  # after the rate limits: refused calls cost nothing
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

# Browser apps on other sites call the read API (Explore API, GET only, no cookies).
CORS_URLS_REGEX = r"^/api/explore/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = ("accept", "authorization", "content-type", "ods-api-analytics-app", "ods-widgets-version")

# Content-Security-Policy (docs/portal.md): scripts and styles from this site's files only, no
# inline code, no eval, on every page, the admin's and the API console's included. The embeds and
# the map with a remote basemap change it for their views only (datapolis.content_security).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],  # files only: no inline script, no eval (charts use Vega's interpreter)
        "style-src": [SELF],  # files only: no <style>, no style=""; scripts style elements through the CSSOM
        "img-src": [SELF, "data:", "blob:"],  # data: icons in style sheets, blob: images MapLibre decodes
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],  # htmx, the Explore API behind the charts, the map's tiles
        "worker-src": [SELF, "blob:"],  # MapLibre's workers
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],  # framed by no site, but the embeds (frame-ancestors *)
    },
}

ROOT_URLCONF = "datapolis.urls"
WSGI_APPLICATION = "datapolis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

if CONFIG.database_url:
    DATABASES = {"default": dj_database_url.parse(CONFIG.database_url, conn_max_age=60, conn_health_checks=True)}
    # Each test run gets its own test database, so runs started side by side do not collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": CONFIG.sqlite_path,
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
            # Each server thread keeps its connection: opening one (and its WAL pragma) on every
            # request cost about 2 ms of a 10 ms API request (bench/api.py, line a).
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            # A file, not memory, so the CLI and worker processes started by tests share it.
            "TEST": {"NAME": CONFIG.home / "test-metadata.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = CONFIG.home / "static"
MEDIA_ROOT = CONFIG.uploads_dir
MEDIA_URL = "/media/"

# DuckDB memory of an ingestion (it spills to disk beyond): 600MB keeps a 500 MB CSV's
# import at 887 MB of resident memory, as fast as with 1GB, which reached 1,045 MB (bench/ingest.py).
DATAPOLIS_INGEST_MEMORY_LIMIT = CONFIG.ingest_memory_limit
# Seconds a request's queries may run before the engine is interrupted (0: no limit).
DATAPOLIS_QUERY_TIMEOUT = CONFIG.query_timeout
DATAPOLIS_TILE_CACHE_BYTES = 64 * 1024 * 1024  # each process's cache of vector tiles (api/tiles.py)

# Back office (docs/backoffice.md).
# Uploads: files above this size are refused before they reach a reader, uploaded or downloaded.
DATAPOLIS_MAX_UPLOAD_BYTES = 2 * 1024**3
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024**2
# Larger files are imported by the job worker, with a status page.
DATAPOLIS_BACKOFFICE_SYNC_MAX_BYTES = 20 * 1000**2
# Larger delimited text files are previewed on their first bytes.
DATAPOLIS_BACKOFFICE_PREVIEW_SAMPLE_BYTES = 8 * 1000**2
# Longest download of a URL source, in total (seconds).
DATAPOLIS_FETCH_TIMEOUT = 300.0
# URL sources: private networks they may reach (DATAPOLIS_FETCH_ALLOWED_NETWORKS; none by default).
DATAPOLIS_FETCH_ALLOWED_NETWORKS = tuple(str(network) for network in CONFIG.fetch_allowed_networks)
# Folders of this server dataset sources may read (DATAPOLIS_SOURCE_FOLDERS; the instance's `sources` folder).
DATAPOLIS_SOURCE_FOLDERS = tuple(str(folder) for folder in CONFIG.allowed_source_folders)
# Unfinished uploads older than this many days are deleted.
DATAPOLIS_BACKOFFICE_UPLOAD_DAYS = 7

# Background jobs: Huey on SQLite in the instance folder, Redis in production.
if CONFIG.redis_url:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "datapolis", "url": CONFIG.redis_url, "immediate": False}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "datapolis",
        "filename": str(CONFIG.home / "jobs.sqlite3"),
        "immediate": False,
    }

# The map's basemap (docs/portal.md): a MapLibre style URL, and the offline background's dataset.
DATAPOLIS_BASEMAP_STYLE_URL = CONFIG.basemap_style_url
DATAPOLIS_BASEMAP_DATASET = CONFIG.basemap_dataset
# The RGAA status every page shows (portal_site.accessibility_status): "non_compliant" until an
# audit measures the rate of criteria met, then "partially_compliant" or "fully_compliant".
DATAPOLIS_ACCESSIBILITY_STATUS = "non_compliant"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"datapolis": {"level": "INFO"}},
}

# Access (docs/access.md): sign-in, lock-out, single sign-on, rate limits.

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out sign-ins
    "django.contrib.auth.backends.ModelBackend",
    "datapolis.access.oidc.OidcBackend",
]
LOGIN_URL = "access:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"


def _caches(redis_url: str | None) -> dict[str, Any]:
    """Redis when the instance has one (shared by every process), else this process's memory."""
    if redis_url:
        backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
        return {"default": backend, "ratelimit": {**backend, "KEY_PREFIX": "ratelimit"}}
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"},
    }


CACHES = _caches(CONFIG.redis_url)
DATAPOLIS_RATE_LIMITS = {
    "anonymous": CONFIG.access.rate_limit_anonymous,
    "authenticated": CONFIG.access.rate_limit_authenticated,
}
DATAPOLIS_PROXY_COUNT = CONFIG.access.proxy_count
# django-axes: lock out a user name from one address after repeated failures.
AXES_FAILURE_LIMIT = CONFIG.access.lockout_failures
AXES_COOLOFF_TIME = timedelta(minutes=CONFIG.access.lockout_minutes)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "datapolis.net.client_ip"
AXES_LOCKOUT_TEMPLATE = "access/locked_out.html"
AXES_VERBOSE = False
DEFAULT_FROM_EMAIL = CONFIG.access.default_from_email
# mozilla-django-oidc; endpoints come from the issuer's discovery document.
DATAPOLIS_OIDC_ISSUER = CONFIG.access.oidc_issuer
DATAPOLIS_OIDC_GROUPS_CLAIM = CONFIG.access.oidc_groups_claim
OIDC_RP_CLIENT_ID = CONFIG.access.oidc_client_id
OIDC_RP_CLIENT_SECRET = CONFIG.access.oidc_client_secret
OIDC_RP_SCOPES = CONFIG.access.oidc_scopes
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = False
OIDC_CREATE_USER = True


def _email(url: str) -> dict[str, Any]:
    """Django's e-mail settings from DATAPOLIS_EMAIL_URL (the console without one)."""
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


globals().update(_email(CONFIG.access.email_url))
