"""Instance configuration read from the environment: where the instance's `DATAPOLIS_*` variables are read.

Plain Python, no Django: the engine, the CLI and the Django settings all read the
same values from here, so one environment variable means the same thing everywhere.
`datapolis.settings` turns them into Django settings (the one home of those, with the
defaults of the settings no variable sets).

Access (docs/access.md):

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

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ConfigError(ValueError):
    """An environment variable with a value the instance cannot start with."""


@dataclass(frozen=True)
class AccessConfig:
    """Sign-in, lock-out, single sign-on, e-mail and rate limits (the table above)."""

    rate_limit_anonymous: str = "600/minute,50000/day"
    rate_limit_authenticated: str = "1200/minute,200000/day"
    proxy_count: int = 0
    lockout_failures: int = 5
    lockout_minutes: int = 15
    email_url: str = ""
    default_from_email: str = "datapolis@localhost"
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_groups_claim: str = "groups"
    oidc_scopes: str = "openid email profile"


@dataclass(frozen=True)
class InstanceConfig:
    home: Path
    database_url: str | None
    storage_url: str | None
    lake_catalog_url: str | None
    redis_url: str | None
    debug: bool
    # Private networks URL sources may be downloaded from (an intranet); none by default (SSRF).
    fetch_allowed_networks: tuple[Network, ...] = ()
    # Host names served besides the portals' own (DATAPOLIS_ALLOWED_HOSTS); the first one is
    # the default portal's when the instance creates it. Loopback names are always served.
    allowed_hosts: tuple[str, ...] = ()
    # DuckDB memory of an ingestion (it spills to disk beyond), and seconds a request's
    # queries may run before the engine is interrupted (0: no limit).
    ingest_memory_limit: str = "600MB"
    query_timeout: float = 20.0
    # The map's basemap: a MapLibre style URL (none: the offline style), and the dataset drawn
    # as the offline background ("" picks one, "none" draws none).
    basemap_style_url: str = ""
    basemap_dataset: str = ""
    access: AccessConfig = AccessConfig()
    # Folders of this server a dataset source may read files from (DATAPOLIS_SOURCE_FOLDERS,
    # separated by ':'); none but the instance's own `sources` folder by default.
    source_folders: tuple[Path, ...] = ()

    @property
    def allowed_source_folders(self) -> tuple[Path, ...]:
        return (self.home / "sources", *self.source_folders)

    @property
    def sqlite_path(self) -> Path:
        return self.home / "metadata.sqlite3"

    @property
    def uploads_dir(self) -> Path:
        return self.home / "uploads"

    @property
    def lake_dir(self) -> Path:
        return self.home / "lake"


def load_config(environ: dict[str, str] | None = None) -> InstanceConfig:
    env = os.environ if environ is None else environ
    home = Path(env.get("DATAPOLIS_HOME", "./datapolis-data")).expanduser().resolve()
    return InstanceConfig(
        home=home,
        database_url=env.get("DATAPOLIS_DATABASE_URL") or None,
        storage_url=env.get("DATAPOLIS_STORAGE_URL") or None,
        lake_catalog_url=env.get("DATAPOLIS_LAKE_CATALOG_URL") or None,
        redis_url=env.get("DATAPOLIS_REDIS_URL") or None,
        debug=env.get("DATAPOLIS_DEBUG", "").lower() in {"1", "true", "yes"},
        fetch_allowed_networks=parse_networks(
            "DATAPOLIS_FETCH_ALLOWED_NETWORKS", env.get("DATAPOLIS_FETCH_ALLOWED_NETWORKS", "")
        ),
        allowed_hosts=parse_hosts("DATAPOLIS_ALLOWED_HOSTS", env.get("DATAPOLIS_ALLOWED_HOSTS", "")),
        ingest_memory_limit=env.get("DATAPOLIS_INGEST_MEMORY_LIMIT", "600MB"),
        query_timeout=float(env.get("DATAPOLIS_QUERY_TIMEOUT", "20")),
        basemap_style_url=env.get("DATAPOLIS_BASEMAP_STYLE_URL", ""),
        basemap_dataset=env.get("DATAPOLIS_BASEMAP_DATASET", ""),
        access=load_access_config(env),
        source_folders=tuple(
            Path(folder).expanduser().resolve()
            for folder in env.get("DATAPOLIS_SOURCE_FOLDERS", "").split(os.pathsep)
            if folder.strip()
        ),
    )


def load_access_config(env: Mapping[str, str]) -> AccessConfig:
    defaults = AccessConfig()
    return AccessConfig(
        rate_limit_anonymous=env.get("DATAPOLIS_RATE_LIMIT_ANONYMOUS", defaults.rate_limit_anonymous),
        rate_limit_authenticated=env.get("DATAPOLIS_RATE_LIMIT_AUTHENTICATED", defaults.rate_limit_authenticated),
        proxy_count=int(env.get("DATAPOLIS_PROXY_COUNT", "0")),
        lockout_failures=int(env.get("DATAPOLIS_LOCKOUT_FAILURES", "5")),
        lockout_minutes=int(env.get("DATAPOLIS_LOCKOUT_MINUTES", "15")),
        email_url=env.get("DATAPOLIS_EMAIL_URL", ""),
        default_from_email=env.get("DATAPOLIS_DEFAULT_FROM_EMAIL", defaults.default_from_email),
        oidc_issuer=env.get("DATAPOLIS_OIDC_ISSUER", "").rstrip("/"),
        oidc_client_id=env.get("DATAPOLIS_OIDC_CLIENT_ID", ""),
        oidc_client_secret=env.get("DATAPOLIS_OIDC_CLIENT_SECRET", ""),
        oidc_groups_claim=env.get("DATAPOLIS_OIDC_GROUPS_CLAIM", defaults.oidc_groups_claim),
        oidc_scopes=env.get("DATAPOLIS_OIDC_SCOPES", defaults.oidc_scopes),
    )


_HOST_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
# A lowercase host name without port: a portal's (portals.models) or a configured one.
HOST_NAME = rf"{_HOST_LABEL}(\.{_HOST_LABEL})*"
_HOST_PATTERN = re.compile(rf"^(\*|\.?{HOST_NAME}|\[[0-9a-f:.]+\])$")


def parse_hosts(variable: str, text: str) -> tuple[str, ...]:
    """Comma-separated host names (`data.example.fr, .ville.fr, *`); ConfigError if one is not.

    `.ville.fr` also serves every sub-domain of ville.fr; `*` serves any host (no check).
    """
    hosts = []
    for item in (part.strip().lower().rstrip(".") for part in text.split(",")):
        if not item:
            continue
        if not _HOST_PATTERN.match(item):
            raise ConfigError(
                f"{variable}: {item!r} is not a host name; give comma-separated names without scheme "
                "or port, such as data.example.fr,.ville.fr"
            )
        hosts.append(item)
    return tuple(hosts)


def parse_networks(variable: str, text: str) -> tuple[Network, ...]:
    """Comma-separated networks in CIDR notation (`10.20.0.0/16, 192.168.1.10`); ConfigError if one is not."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(
                f"{variable}: {item!r} is not a network in CIDR notation; give comma-separated networks "
                "such as 10.20.0.0/16,192.168.1.10/32"
            ) from None
    return tuple(networks)


def instance_secret(config: InstanceConfig, environ: dict[str, str] | None = None) -> str:
    """The secret key: from DATAPOLIS_SECRET_KEY, else generated once per instance.

    A generated key is written to the instance folder with owner-only permissions so
    sessions survive restarts of a self-hosted instance that did not set one.
    """
    env = os.environ if environ is None else environ
    if env.get("DATAPOLIS_SECRET_KEY"):
        return env["DATAPOLIS_SECRET_KEY"]
    path = config.home / "secret_key"
    if path.exists():
        return path.read_text().strip()
    config.home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
