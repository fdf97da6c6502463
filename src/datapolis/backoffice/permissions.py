"""Who may use the back office, create datasets, and manage which ones.

The rules are `datapolis.access.policy`'s; this module only asks it:

- instance admins (superusers) and the admins of the current portal create datasets
  on that portal and manage every dataset it owns;
- publishers of an organisation create datasets whose publisher or producer is that
  organisation and manage those datasets;
- publishers of one dataset manage that dataset only;
- everyone else is refused (signed-out visitors are sent to the sign-in page).
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from datapolis.access.models import PublisherRole
from datapolis.access.policy import Principal, can_edit_dataset, dataset_views, principal_for_user
from datapolis.catalog.models import Dataset


def principal_of(request) -> Principal:
    """The session user's principal (the back office is for people, not API keys)."""
    cached = getattr(request, "_backoffice_principal", None)
    if cached is None:
        cached = principal_for_user(request.user)
        request._backoffice_principal = cached
    return cached


def is_portal_admin(principal: Principal, portal) -> bool:
    return principal.is_admin or (portal is not None and portal.pk in principal.admin_portal_ids)


def may_use_backoffice(principal: Principal) -> bool:
    return principal.can_write and bool(
        principal.is_admin or principal.admin_portal_ids or principal.organisations or principal.published_dataset_ids
    )


def may_create(principal: Principal, portal) -> bool:
    return principal.can_write and (is_portal_admin(principal, portal) or bool(principal.organisations))


def organisations_of(principal: Principal) -> list[str]:
    """The organisations `principal` publishes for, as written in their roles."""
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


def must_name_organisation(principal: Principal, portal) -> bool:
    """True when a new dataset's publisher or producer must be one of the principal's organisations."""
    return not is_portal_admin(principal, portal)


def editable_datasets(principal: Principal, portal) -> QuerySet[Dataset]:
    """The datasets on `portal` that `principal` may change, as a queryset."""
    from datapolis.access.policy import visible_datasets_queryset

    candidates = visible_datasets_queryset(principal, portal)
    if principal.is_admin:
        return candidates  # instance admins edit everything on the portal
    editable = [view.dataset.pk for view in dataset_views(principal, portal, candidates) if view.can_edit]
    return Dataset.objects.filter(pk__in=editable)


def backoffice_view(view):
    """Signed-in publishers only: others are sent to sign in, or refused with 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not may_use_backoffice(principal_of(request)):
            return forbidden(request, _("Your account has no publisher role. Ask an administrator to give you one."))
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            return forbidden(request, _("You are not an editor of this dataset."))

    return wrapper


def forbidden(request, reason: str):
    return render(request, "backoffice/forbidden.html", {"reason": reason}, status=403)


def editable_dataset(request, dataset_id: str) -> Dataset:
    """The dataset, if the signed-in user may change it; 404 when unknown, 403 when not theirs."""
    dataset = get_object_or_404(Dataset, dataset_id=dataset_id)
    if not can_edit_dataset(principal_of(request), dataset):
        raise PermissionDenied("not an editor of this dataset")
    return dataset
