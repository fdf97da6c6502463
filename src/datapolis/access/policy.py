"""Who sees what: the one place that decides what a principal may see of a dataset.

Every consumer (Explore API, exports, pages, tiles, dashboards, embeds) asks this
module, then hands the answer to the query layer, which applies it once:

    principal = principal_from_request(request)          # anonymous, session user or API key
    view = dataset_view(principal, request.portal, "velos")
    if view is None:            -> 404 (unknown, restricted without a grant, or not on this portal)
    if not view.data_visible:   -> metadata only: records, facets, exports... answer 404
    view.visible_fields         -> None, or the only field names that may appear anywhere
    view.row_filters            -> ODSQL conditions, all ANDed around the user's own where

For catalogs, `visible_datasets_queryset(principal, portal)` is a Dataset queryset to
filter, count and paginate, and `dataset_views(principal, portal, datasets)` builds the
views of one page of it in three queries.

Every other rule of who may do what is here too, for the faces to ask: who may change a
dataset (`can_edit_dataset`, `editable_datasets`), use the back office
(`may_use_backoffice`), create datasets on a portal (`may_create_dataset`), which
organisations they must name as publisher or producer (`required_organisations`),
who administers a portal (`is_portal_admin`), and who manages harvesting
(`may_manage_harvests`).

Rules (docs/access.md has examples):

- A dataset is *on* a portal if the portal owns it (`Dataset.portal`, null meaning the
  default portal) or if it is shared with the portal (`DatasetShare`). Nothing else is
  visible on a portal, whoever asks: a sub-portal shows nothing of the main one unless
  shared.
- Editors of a dataset (instance admins, admins of the portal owning it, publishers of
  the dataset or of its producer/publisher organisation) see all of it, drafts included.
  `can_edit` is true for them unless they use a read-only API key.
- Otherwise drafts are invisible; published public datasets show every row and field.
- Published restricted datasets are visible only through live (not expired) grants,
  to the user directly or to one of their groups. Several grants combine to the most
  permissive: data visible if any grant shows data; visible fields the union of the
  data-showing grants' fields (a grant without a field list: all fields); rows the OR of
  their filters (a grant without a filter: all rows).
- A share's row filter is ANDed on top, for everyone, editors included: it is what the
  sub-portal shows.

Row filters may name fields that are not visible: the query layer applies them to the
full table before it projects the visible fields.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from datapolis.catalog import metadata_cache, personal_data
from datapolis.catalog.models import Dataset, Status, Visibility

if TYPE_CHECKING:
    from datapolis.portals.models import Portal

__all__ = [
    "ANONYMOUS",
    "DatasetView",
    "InvalidApiKey",
    "Principal",
    "can_edit_dataset",
    "dataset_view",
    "dataset_views",
    "editable_datasets",
    "is_portal_admin",
    "may_create_dataset",
    "may_manage_harvests",
    "may_see_personal_data_register",
    "may_use_backoffice",
    "organisations_of",
    "principal_for_user",
    "principal_from_request",
    "required_organisations",
    "session_principal",
    "visible_datasets",
    "visible_datasets_queryset",
]


@dataclass(frozen=True)
class Principal:
    """Who is asking: anonymous, a signed-in user, or the user of an API key."""

    user_id: int | None = None
    username: str = ""
    is_admin: bool = False
    group_ids: frozenset[int] = frozenset()
    published_dataset_ids: frozenset[int] = frozenset()
    organisations: frozenset[str] = frozenset()  # lowercased producers/publishers they publish for
    admin_portal_ids: frozenset[int] = frozenset()
    api_key_id: int | None = None
    scope: str = "write"  # a session acts with all its rights; a read key only reads
    user: Any = field(default=None, compare=False, repr=False)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    @property
    def can_write(self) -> bool:
        return self.is_authenticated and self.scope == "write"

    @property
    def rate_limit_subject(self) -> str | None:
        """What rate limits count against besides the IP: the key, else the user."""
        if self.api_key_id is not None:
            return f"key:{self.api_key_id}"
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return None

    def audit_actor(self) -> tuple[Any, str]:
        """Who the audit log records: (the user, or None when anonymous; their name)."""
        return self.user, self.username


ANONYMOUS = Principal()


@dataclass(frozen=True)
class DatasetView:
    """What one principal may see of one dataset on one portal."""

    dataset: Dataset
    data_visible: bool  # False: metadata only
    visible_fields: frozenset[str] | None  # None: every field
    row_filters: tuple[str, ...]  # ODSQL conditions, all ANDed by the query layer
    can_edit: bool

    @property
    def is_filtered(self) -> bool:
        """True when counts must come from the query layer, not `Dataset.records_count`."""
        return bool(self.row_filters)

    def field_visible(self, name: str) -> bool:
        return self.visible_fields is None or name in self.visible_fields


class InvalidApiKey(Exception):
    """The request presented an API key that is unknown, revoked or expired."""


# Principals -------------------------------------------------------------------------


def principal_for_user(user, *, api_key=None) -> Principal:
    """The principal of an active user, with their groups and roles loaded (three queries)."""
    from datapolis.access.models import PortalAdmin, PublisherRole

    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    group_ids = frozenset(user.groups.values_list("id", flat=True))
    roles = PublisherRole.objects.filter(Q(user=user) | Q(group_id__in=group_ids)).values_list(
        "dataset_id", "organisation"
    )
    dataset_ids = frozenset(dataset_id for dataset_id, _ in roles if dataset_id is not None)
    organisations = frozenset(org.strip().lower() for _, org in roles if org)
    return Principal(
        user_id=user.pk,
        username=user.get_username(),
        is_admin=user.is_superuser,
        group_ids=group_ids,
        published_dataset_ids=dataset_ids,
        organisations=organisations,
        admin_portal_ids=frozenset(PortalAdmin.objects.filter(user=user).values_list("portal_id", flat=True)),
        api_key_id=api_key.pk if api_key is not None else None,
        scope=api_key.scope if api_key is not None else "write",
        user=user,
    )


def principal_from_request(request) -> Principal:
    """The principal of a request: its API key if it sends one, else its session user.

    Raises InvalidApiKey when a key is sent but unusable (the middleware answers 401).
    The result is cached on the request.
    """
    cached = getattr(request, "_datapolis_principal", None)
    if cached is not None:
        return cached
    from datapolis.access.keys import authenticate_key, key_from_request

    key = key_from_request(request)
    if key is not None:
        api_key = authenticate_key(key)
        if api_key is None:
            raise InvalidApiKey
        principal = principal_for_user(api_key.user, api_key=api_key)
    else:
        principal = principal_for_user(getattr(request, "user", None))
    request._datapolis_principal = principal
    return principal


def session_principal(request) -> Principal:
    """The signed-in user's principal, never an API key's (the back office is for people); cached."""
    cached = getattr(request, "_backoffice_principal", None)
    if cached is None:
        cached = principal_for_user(request.user)
        request._backoffice_principal = cached
    return cached


# Dataset views ----------------------------------------------------------------------


def dataset_view(principal: Principal, portal: Portal, dataset_id: str) -> DatasetView | None:
    """What `principal` may see of `dataset_id` on `portal`; None means 404."""
    dataset = metadata_cache.cached(
        ("dataset", dataset_id), lambda: Dataset.objects.filter(dataset_id=dataset_id).first()
    )
    if dataset is None:
        return None
    views = dataset_views(principal, portal, [dataset])
    return views[0] if views else None


def visible_datasets_queryset(principal: Principal, portal: Portal) -> QuerySet[Dataset]:
    """The datasets `principal` may see on `portal`, as a queryset to filter, count and page."""
    on_portal = _on_portal_q(portal)
    if principal.is_admin:
        return Dataset.objects.filter(on_portal)
    visible = Q(status=Status.PUBLISHED, visibility=Visibility.PUBLIC) | _editable_q(principal)
    if principal.is_authenticated:
        granted = _live_grants(principal).values("dataset_id")
        visible |= Q(status=Status.PUBLISHED, id__in=granted)
    return Dataset.objects.filter(on_portal).filter(visible)


def visible_datasets(principal: Principal, portal: Portal) -> list[DatasetView]:
    """Every dataset `principal` may see on `portal`, with its view."""
    return dataset_views(principal, portal, visible_datasets_queryset(principal, portal))


def dataset_views(principal: Principal, portal: Portal, datasets: Iterable[Dataset]) -> list[DatasetView]:
    """The views of `datasets` for `principal` on `portal`, in order, leaving out invisible ones."""
    from datapolis.portals.models import DatasetShare

    datasets = list(datasets)
    if not datasets:
        return []
    shared_ids = [dataset.pk for dataset in datasets if not _owned_by(dataset, portal)]
    share_filters = {}
    if shared_ids:  # not even a queryset otherwise: building one costs more than the rest
        shares = DatasetShare.objects.filter(portal=portal, dataset_id__in=shared_ids)
        share_filters = dict(shares.values_list("dataset_id", "row_filter"))
    grants = _grants_by_dataset(principal, [d.pk for d in datasets if d.visibility != Visibility.PUBLIC])
    default_portal_id = _default_portal_id(portal) if principal.admin_portal_ids else None
    views = []
    for dataset in datasets:
        if _owned_by(dataset, portal):
            extra: tuple[str, ...] = ()
        elif dataset.pk in share_filters:
            extra = (share_filters[dataset.pk],) if share_filters[dataset.pk].strip() else ()
        else:
            continue
        view = _view(principal, dataset, extra, grants.get(dataset.pk, ()), default_portal_id)
        if view is not None:
            views.append(view)
    return views


def _view(principal, dataset, extra_filters, grants, default_portal_id) -> DatasetView | None:
    if _can_edit(principal, dataset, default_portal_id):
        return DatasetView(dataset, True, None, extra_filters, can_edit=principal.can_write)
    if dataset.status != Status.PUBLISHED:
        return None
    if dataset.visibility == Visibility.PUBLIC:
        return DatasetView(dataset, True, None, extra_filters, can_edit=False)
    if not grants:
        return None
    data_visible, fields, grant_filters = combine_grants(grants)
    return DatasetView(dataset, data_visible, fields, grant_filters + extra_filters, can_edit=False)


def combine_grants(grants: Iterable[Any]) -> tuple[bool, frozenset[str] | None, tuple[str, ...]]:
    """Several grants to the most permissive: (data visible, visible fields, row filters)."""
    grants = list(grants)
    showing_data = [grant for grant in grants if grant.data_visible]
    if not showing_data:
        return False, _union_of_fields(grants), ()
    fields = _union_of_fields(showing_data)
    filters = [grant.row_filter.strip() for grant in showing_data]
    if any(not text for text in filters):
        return True, fields, ()
    unique = list(dict.fromkeys(filters))
    if len(unique) == 1:
        return True, fields, (unique[0],)
    return True, fields, (" OR ".join(f"({text})" for text in unique),)


def _union_of_fields(grants: list[Any]) -> frozenset[str] | None:
    names: set[str] = set()
    for grant in grants:
        if not grant.fields:
            return None
        names.update(grant.fields)
    return frozenset(names)


# Roles ------------------------------------------------------------------------------


def can_edit_dataset(principal: Principal, dataset: Dataset) -> bool:
    """True when `principal` may change `dataset` (its data, metadata and grants)."""
    if not principal.can_write:
        return False
    default_portal_id = _default_portal_id_anywhere() if principal.admin_portal_ids else None
    return _can_edit(principal, dataset, default_portal_id)


def editable_datasets(principal: Principal, portal: Portal) -> QuerySet[Dataset]:
    """The datasets on `portal` that `principal` may change, as a queryset."""
    candidates = visible_datasets_queryset(principal, portal)
    if principal.is_admin:
        return candidates  # instance admins edit everything on the portal
    editable = [view.dataset.pk for view in dataset_views(principal, portal, candidates) if view.can_edit]
    return Dataset.objects.filter(pk__in=editable)


def is_portal_admin(principal: Principal, portal: Portal | None) -> bool:
    """Instance admins, and the admins of `portal`."""
    return principal.is_admin or (portal is not None and portal.pk in principal.admin_portal_ids)


def may_use_backoffice(principal: Principal) -> bool:
    """Signed-in publishers (of a dataset or an organisation), portal admins and instance admins."""
    return principal.can_write and bool(
        principal.is_admin or principal.admin_portal_ids or principal.organisations or principal.published_dataset_ids
    )


def may_create_dataset(principal: Principal, portal: Portal | None) -> bool:
    """Admins of `portal` create datasets on it; publishers of an organisation, datasets of theirs."""
    return principal.can_write and (is_portal_admin(principal, portal) or bool(principal.organisations))


def may_manage_harvests(principal: Principal) -> bool:
    """Instance admins only: a harvest source brings datasets into the whole instance, under any publisher."""
    return principal.can_write and principal.is_admin


def may_see_personal_data_register(principal: Principal) -> bool:
    """Instance admins and portal admins (portal admins: the entries of datasets they edit).

    The register of personal data (catalog.personal_data.register) is what the data
    protection officer reads; publishers see their own dataset's declaration only.
    """
    return principal.is_authenticated and bool(principal.is_admin or principal.admin_portal_ids)


def personal_data_register(principal: Principal) -> list[dict[str, Any]]:
    """The register's rows `principal` reads: all for instance admins, those of the datasets
    they edit for portal admins (whatever their key's scope), none for anybody else."""
    if not may_see_personal_data_register(principal):
        return []
    rows = personal_data.register()
    if principal.is_admin:
        return rows
    editor = replace(principal, scope="write")
    datasets = Dataset.objects.in_bulk([row["dataset_id"] for row in rows], field_name="dataset_id")
    return [row for row in rows if can_edit_dataset(editor, datasets[row["dataset_id"]])]


def required_organisations(
    principal: Principal, portal: Portal | None, dataset: Dataset | None = None
) -> list[str] | None:
    """The organisations one of which a dataset's publisher or producer must be, when `principal` writes it.

    None: any name. Admins of the portal name any; so do the publishers of `dataset` itself
    (and whoever administers its portal); the publishers of an organisation name theirs.
    """
    if is_portal_admin(principal, portal):
        return None
    if dataset is not None and _editor_through_dataset_role(principal, dataset):
        return None
    return organisations_of(principal)


def organisations_of(principal: Principal) -> list[str]:
    """The organisations `principal` publishes for, as written in their roles."""
    from datapolis.access.models import PublisherRole

    if not principal.organisations or principal.user_id is None:
        return []
    names = (
        PublisherRole.objects.filter(Q(user_id=principal.user_id) | Q(group_id__in=principal.group_ids))
        .exclude(organisation="")
        .values_list("organisation", flat=True)
    )
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(name.strip().lower(), name.strip())
    return sorted(unique.values(), key=str.lower)


def _editor_through_dataset_role(principal: Principal, dataset: Dataset) -> bool:
    return (
        principal.is_admin
        or dataset.pk in principal.published_dataset_ids
        or (dataset.portal_id in principal.admin_portal_ids)
    )


def _owned_by(dataset: Dataset, portal: Portal) -> bool:
    return dataset.portal_id == portal.pk or (dataset.portal_id is None and portal.is_default)


def _can_edit(principal: Principal, dataset: Dataset, default_portal_id: int | None) -> bool:
    if principal.is_admin:
        return True
    if principal.is_anonymous:
        return False
    if dataset.pk in principal.published_dataset_ids:
        return True
    if principal.organisations and (
        dataset.producer.strip().lower() in principal.organisations
        or dataset.publisher.strip().lower() in principal.organisations
    ):
        return True
    owner = dataset.portal_id if dataset.portal_id is not None else default_portal_id
    return owner is not None and owner in principal.admin_portal_ids


def _editable_q(principal: Principal) -> Q:
    """Datasets `principal` edits (never matches for anonymous)."""
    editable = Q(pk__in=[])
    if principal.is_anonymous:
        return editable
    if principal.published_dataset_ids:
        editable |= Q(pk__in=principal.published_dataset_ids)
    for organisation in principal.organisations:
        editable |= Q(producer__iexact=organisation) | Q(publisher__iexact=organisation)
    if principal.admin_portal_ids:
        editable |= Q(portal_id__in=principal.admin_portal_ids)
        from datapolis.portals.models import Portal

        if Portal.objects.filter(is_default=True, pk__in=principal.admin_portal_ids).exists():
            editable |= Q(portal__isnull=True)
    return editable


def _on_portal_q(portal: Portal) -> Q:
    from datapolis.portals.models import DatasetShare

    on_portal = Q(portal=portal) | Q(pk__in=DatasetShare.objects.filter(portal=portal).values("dataset_id"))
    if portal.is_default:
        on_portal |= Q(portal__isnull=True)
    return on_portal


def _default_portal_id(portal: Portal) -> int | None:
    return portal.pk if portal.is_default else _default_portal_id_anywhere()


def _default_portal_id_anywhere() -> int | None:
    from datapolis.portals.models import Portal

    return Portal.objects.filter(is_default=True).values_list("pk", flat=True).first()


def _live_grants(principal: Principal):
    from datapolis.access.models import Grant

    return Grant.objects.live().filter(Q(user_id=principal.user_id) | Q(group_id__in=principal.group_ids))


def _grants_by_dataset(principal: Principal, dataset_ids: list[int]) -> dict[int, list[Any]]:
    if principal.is_anonymous or not dataset_ids:
        return {}
    grouped: dict[int, list[Any]] = defaultdict(list)
    for grant in _live_grants(principal).filter(dataset_id__in=dataset_ids):
        grouped[grant.dataset_id].append(grant)
    return grouped
