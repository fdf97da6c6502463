"""Portals: found by host name, created, and given datasets shared from other portals."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from datapolis.access import audit
from datapolis.access.filters import validate_row_filter
from datapolis.catalog import metadata_cache
from datapolis.portals.models import HOST_VALIDATOR, DatasetShare, Portal


class PortalError(ValueError):
    """A portal operation the caller asked for cannot be done (message is translated)."""


def normalise_host(host: str) -> str:
    """`Data.Example.fr:8000` -> `data.example.fr` (a port is dropped, nothing else is)."""
    host = host.strip().lower()
    name, separator, port = host.rpartition(":")
    if separator and port.isdigit():
        host = name
    return host.rstrip(".")


def portal_for_host(host: str) -> Portal:
    """The portal serving `host`: its own, else the default one (created on first use)."""
    host = normalise_host(host)
    return metadata_cache.cached(("portal", host), lambda: _portal_for_host(host))


def _portal_for_host(host: str) -> Portal:
    portal = Portal.objects.filter(host=host).first()
    return portal if portal is not None else default_portal(host)


def default_portal(host: str = "localhost") -> Portal:
    portal = Portal.objects.filter(is_default=True).first()
    if portal is not None:
        return portal
    try:
        with transaction.atomic():
            return Portal.objects.create(host=normalise_host(host), name="Datapolis", is_default=True)
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
