"""Portals: found by host name, created, and given datasets shared from other portals."""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http.request import validate_host
from django.utils.translation import gettext as _

from datapolis.audit import events as audit
from datapolis.catalog import metadata_cache
from datapolis.portals.models import HOST_VALIDATOR, DatasetShare, Portal
from datapolis.portals.row_filters import validate_row_filter

# Served whatever the configuration: the machine itself (a health check, `datapolis serve` locally).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


class PortalError(ValueError):
    """A portal operation the caller asked for cannot be done (message is translated)."""


class UnknownHost(PortalError):
    """A Host header that no portal claims and the configuration does not name."""


def normalise_host(host: str) -> str:
    """`Data.Example.fr:8000` -> `data.example.fr` (a port is dropped, nothing else is)."""
    host = host.strip().lower()
    name, separator, port = host.rpartition(":")
    if separator and port.isdigit():
        host = name
    return host.rstrip(".")


def portal_for_host(host: str) -> Portal:
    """The portal serving `host`: its own, else the default one (created on first use).

    UnknownHost for a host that is neither a portal's nor served by the configuration: a
    forged Host header must not reach a page, whose links and e-mails are built from it.
    Every portal is read at once, under the metadata cache: one token read per request.
    """
    host = normalise_host(host)
    portals = metadata_cache.cached(("portals by host",), _portals_by_host)
    portal = portals.get(host)
    if portal is None:
        if not validate_host(host, [*LOOPBACK_HOSTS, *settings.DATAPOLIS_ALLOWED_HOSTS]):
            raise UnknownHost(_("This site does not serve the host name %(host)s.") % {"host": host})
        portal = next((each for each in portals.values() if each.is_default), None)
        if portal is None:
            return default_portal()
    return copy.copy(portal)  # callers may change and save their own


def _portals_by_host() -> dict[str, Portal]:
    return {portal.host: portal for portal in Portal.objects.all()}


def configured_default_host() -> str:
    """The host name the instance gives the default portal it creates: the first configured one."""
    names = [host for host in settings.DATAPOLIS_ALLOWED_HOSTS if host != "*" and not host.startswith(".")]
    return names[0] if names else "localhost"


def default_portal(host: str | None = None) -> Portal:
    """The default portal; created on `host` (else the configured default host) if there is none."""
    portal = Portal.objects.filter(is_default=True).first()
    if portal is not None:
        return portal
    try:
        with transaction.atomic():
            return Portal.objects.create(
                host=normalise_host(host or configured_default_host()), name="Datapolis", is_default=True
            )
    except IntegrityError:  # another request created it first
        return Portal.objects.get(is_default=True)


def create_portal(host: str, name: str, *, is_default: bool = False, actor: Any = None, request=None) -> Portal:
    host = normalise_host(host)
    try:
        HOST_VALIDATOR(host)
    except ValidationError as error:
        raise PortalError(" ".join(error.messages)) from None
    if Portal.objects.filter(host=host).exists():
        raise PortalError(_("A portal already serves %(host)s.") % {"host": host})
    with transaction.atomic():
        if is_default:
            Portal.objects.filter(is_default=True).update(is_default=False)
        portal = Portal.objects.create(host=host, name=name, is_default=is_default)
    audit.record(actor, audit.Action.PORTAL_CREATED, host, request=request, name=name, is_default=is_default)
    return portal


def get_portal(host: str) -> Portal:
    portal = Portal.objects.filter(host=normalise_host(host)).first()
    if portal is None:
        raise PortalError(_("No portal serves %(host)s.") % {"host": host})
    return portal


def share_dataset(portal: Portal, dataset, row_filter: str = "", *, actor: Any = None, request=None) -> DatasetShare:
    """Offer `dataset` on `portal` (replacing an earlier share's filter)."""
    if dataset.portal_id == portal.pk or (dataset.portal_id is None and portal.is_default):
        raise PortalError(
            _("%(dataset)s already belongs to %(host)s.") % {"dataset": dataset.dataset_id, "host": portal.host}
        )
    row_filter = validate_row_filter(row_filter, dataset)
    share, _created = DatasetShare.objects.update_or_create(
        portal=portal, dataset=dataset, defaults={"row_filter": row_filter}
    )
    audit.record(
        actor,
        audit.Action.DATASET_SHARED,
        dataset.dataset_id,
        request=request,
        portal=portal.host,
        row_filter=row_filter,
    )
    return share


def unshare_dataset(portal: Portal, dataset) -> bool:
    deleted, _ = DatasetShare.objects.filter(portal=portal, dataset=dataset).delete()
    return bool(deleted)
