"""Instance configuration read from the environment.

Plain Python, no Django: the engine, the CLI and the Django settings all read the
same values from here, so one environment variable means the same thing everywhere.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ConfigError(ValueError):
    """An environment variable with a value the instance cannot start with."""


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
